"""Property test: mutated real line shapes never stop an ingest, never change the good lines'
totals, and every line or value refused is recorded (bad_lines, bad_values).

Each example writes one Claude Code transcript and one Codex rollout built from small
hand-written lines, some mutated (cut short, random bytes, deep nesting, a value that is not an
object, a line type changed, a token count replaced by something hostile, a timestamp made
unusable, a BOM, other spacing), ingests them into a new database and checks the totals against
what the unmutated parts say.
"""

from __future__ import annotations

import json
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.core import store
from workbench.ingest.load import ingest

SID = "12121212-1212-4121-8121-121212121212"
CODEX_ID = "0199dddd-0000-7000-8000-00000000000d"
BOM = b"\xef\xbb\xbf"

HOSTILE_TOKENS = st.one_of(
    st.integers(min_value=10**12 + 1, max_value=2**70),
    st.integers(max_value=-1, min_value=-(2**70)),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x != int(x)),
    st.sampled_from([1e300, -1e300, 2.0**64, 1.5]),
    st.text(max_size=8),
    st.booleans(),
    st.lists(st.integers(0, 9), max_size=2),
    st.dictionaries(st.sampled_from(["a", "b"]), st.integers(0, 9), max_size=2),
)
HOSTILE_TS = st.one_of(
    st.sampled_from(
        ["-0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1969-07-20T20:17:00Z", "soon", ""]
    ),
    st.text(alphabet="0123456789-:TZ", max_size=12).filter(lambda s: not s[:4].isdigit()),
)
TOKEN_FIELDS = ("input_tokens", "output_tokens", "cache_read_input_tokens")


def claude_user(n: int) -> dict:
    return {
        "type": "user",
        "uuid": f"u{n}",
        "sessionId": SID,
        "timestamp": f"2026-03-01T10:{n % 60:02d}:00Z",
        "message": {"role": "user", "content": f"prompt {n}"},
    }


def claude_assistant(n: int) -> dict:
    return {
        "type": "assistant",
        "uuid": f"a{n}",
        "sessionId": SID,
        "timestamp": f"2026-03-01T10:{n % 60:02d}:30Z",
        "requestId": f"req_{n}",
        "message": {
            "id": f"msg_{n}",
            "role": "assistant",
            "model": "claude-sonnet-4-5-20250929",
            "content": [{"type": "text", "text": f"answer {n}"}],
            "usage": {"input_tokens": n, "output_tokens": 10 * n, "cache_read_input_tokens": 7},
        },
    }


def codex_token_count(n: int) -> dict:
    # cumulative totals rise with n, so no two events share a dedupe key
    return {
        "timestamp": f"2026-03-01T11:{n % 60:02d}:00Z",
        "type": "event_msg",
        "payload": {
            "type": "token_count",
            "info": {
                "total_token_usage": {
                    "input_tokens": 1000 + n,
                    "output_tokens": n,
                    "total_tokens": 1000 + 2 * n,
                },
                "last_token_usage": {"input_tokens": n, "output_tokens": 3, "total_tokens": n + 3},
            },
        },
    }


CODEX_HEAD = [
    {
        "timestamp": "2026-03-01T11:00:00Z",
        "type": "session_meta",
        "payload": {"id": CODEX_ID, "timestamp": "2026-03-01T11:00:00Z", "cwd": "/w"},
    },
    {
        "timestamp": "2026-03-01T11:00:01Z",
        "type": "turn_context",
        "payload": {"cwd": "/w", "model": "gpt-5.1-codex"},
    },
]

# mutations of a line; each returns (bytes, what it does): "good", "bad" (a bad line),
# ("values", k, lost) (k bad values recorded, `lost` tokens not counted)
LINE_MUTATIONS = st.sampled_from(
    ["keep", "keep", "keep", "spacing", "cut", "bytes", "nest", "not_object", "type"]
)


def dumps(obj: dict, spacing: bool = False) -> bytes:
    if spacing:
        return json.dumps(obj, separators=(", ", ": "), ensure_ascii=False).encode()
    return json.dumps(obj, separators=(",", ":")).encode()


@st.composite
def mutated(draw, obj: dict, agent: str):
    """One line from ``obj``: its bytes and what the ingest must make of it."""
    how = draw(LINE_MUTATIONS)
    if how in ("keep", "spacing"):
        return dumps(obj, how == "spacing"), "good"
    if how == "cut":
        raw = dumps(obj)
        return raw[: draw(st.integers(1, len(raw) - 1))], "bad"
    if how == "bytes":
        junk = draw(st.binary(min_size=1, max_size=40)).replace(b"\n", b"")
        return b"#" + junk, "bad"
    if how == "nest":
        return b"[" * draw(st.integers(1000, 4000)), "bad"
    if how == "not_object":
        value = draw(st.one_of(st.integers(), st.text(max_size=5), st.lists(st.integers())))
        return json.dumps(value).encode(), "bad"
    changed = dict(obj)
    changed["type"] = draw(
        st.one_of(st.integers(), st.lists(st.booleans(), max_size=2), st.just("brand-new-type"))
    )
    if agent == "codex" and isinstance(changed["type"], str):
        return dumps(changed), "bad"  # an unknown wrapped type
    return dumps(changed), "bad"


@st.composite
def claude_file(draw):
    """(bytes, expected tokens, responses, bad lines, bad values)."""
    lines, tokens, responses, bad_lines, bad_values = [], 0, 0, 0, 0
    for n in range(1, draw(st.integers(1, 6)) + 1):
        for obj in (claude_user(n), claude_assistant(n)):
            raw, verdict = draw(mutated(obj, "claude"))
            if verdict == "good" and obj["type"] == "assistant":
                usage = dict(obj["message"]["usage"])
                if draw(st.booleans()):
                    # a hostile token count: the line loads, the value is refused
                    field = draw(st.sampled_from(TOKEN_FIELDS))
                    usage[field] = draw(HOSTILE_TOKENS)
                    bad_values += 1
                if draw(st.integers(0, 4)) == 0:
                    obj = {**obj, "timestamp": draw(HOSTILE_TS)}
                    bad_values += 1
                obj = {**obj, "message": {**obj["message"], "usage": usage}}
                raw = dumps(obj, draw(st.booleans()))
                tokens += sum(v for v in usage.values() if type(v) is int and 0 <= v <= 10**12)
                responses += 1
            bad_lines += verdict == "bad"
            lines.append(raw)
    data = b"\n".join(lines) + b"\n"
    if draw(st.booleans()):
        data = BOM + data
    return data, tokens, responses, bad_lines, bad_values


@st.composite
def codex_file(draw):
    lines = [dumps(x) for x in CODEX_HEAD]
    tokens, responses, bad_lines, bad_values = 0, 0, 0, 0
    for n in range(1, draw(st.integers(1, 5)) + 1):
        obj = codex_token_count(n)
        raw, verdict = draw(mutated(obj, "codex"))
        if verdict == "good":
            last = dict(obj["payload"]["info"]["last_token_usage"])
            if draw(st.booleans()):
                last["output_tokens"] = draw(HOSTILE_TOKENS)
                bad_values += 1
            info = {**obj["payload"]["info"], "last_token_usage": last}
            raw = dumps({**obj, "payload": {**obj["payload"], "info": info}})
            out = last["output_tokens"]
            tokens += last["input_tokens"] + (out if type(out) is int and 0 <= out <= 10**12 else 0)
            responses += 1
        bad_lines += verdict == "bad"
        lines.append(raw)
    return b"\n".join(lines) + b"\n", tokens, responses, bad_lines, bad_values


@settings(
    max_examples=40,
    deadline=timedelta(seconds=20),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(claude=claude_file(), codex=codex_file())
def test_mutated_lines_never_stop_an_ingest_nor_change_the_good_totals(claude, codex):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "claude" / "-p" / f"{SID}.jsonl"
        path.parent.mkdir(parents=True)
        path.write_bytes(claude[0])
        day = root / "codex" / "sessions" / "2026" / "03" / "01"
        day.mkdir(parents=True)
        (day / f"rollout-2026-03-01T11-00-00-{CODEX_ID}.jsonl").write_bytes(codex[0])
        db = root / "wb.duckdb"
        summary = ingest([root / "claude", root / "codex"], db, progress=False)
        assert summary.files_parsed == 2 and not summary.unreadable
        assert summary.bad_lines == claude[3] + codex[3]
        assert summary.bad_values == claude[4] + codex[4]
        assert summary.totals["api_responses"] == claude[2] + codex[2]
        assert summary.totals["tokens"] == claude[1] + codex[1]
        con = store.open_db(db, read_only=True)
        try:
            assert con.execute("SELECT count(*) FROM bad_lines").fetchone()[0] == summary.bad_lines
            # nothing unrepresentable reached the tables
            for table in ("raw_messages", "usage_events"):
                low, high = con.execute(f"SELECT min(ts), max(ts) FROM {table}").fetchone()
                assert low is None or (low.year >= 2000 and high.year < 2100)
        finally:
            con.close()
        # and the archive is not poisoned: the next run is a no-op that still reads the totals
        again = ingest([root / "claude", root / "codex"], db, progress=False)
        assert again.files_unchanged == 2 and again.totals == summary.totals
