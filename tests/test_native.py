"""DuckDB reading transcripts itself (ingest.native) gives exactly the Python reader's rows."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pytest

from workbench.ingest import native
from workbench.ingest.load import ingest

S = "33333333-3333-4333-8333-{:012d}"


def event(i: int, kind: str = "user", text: str = "hello") -> bytes:
    d = {"type": kind, "uuid": f"u{i}", "sessionId": "s", "timestamp": f"2026-01-05T10:00:{i:02d}Z"}
    if kind == "user":
        d["message"] = {"role": "user", "content": text}
    else:
        d["requestId"] = f"r{i}"
        d["message"] = {
            "id": f"m{i}",
            "role": "assistant",
            "model": "claude-opus-4-6",
            "content": [
                {"type": "text", "text": text},
                {"type": "tool_use", "id": f"t{i}", "name": "Bash", "input": {"command": "ls"}},
            ],
            "usage": {"input_tokens": 3, "output_tokens": 4},
        }
    return json.dumps(d, ensure_ascii=False).encode()


AWKWARD = {
    "plain": b"\n".join(event(i, "assistant" if i % 2 else "user", "é ☃ 日本") for i in range(8))
    + b"\n",
    "bad_json": b"\n".join(
        [event(1), b"not json", b"[1, 2]", b"null", b'{"no_type":1}', b'{"type":"user","mes']
    )
    + b"\n",
    "not_utf8": event(1) + b"\n" + b'{"type":"user","x":"caf\xe9"}\n' + event(2) + b"\n",
    "crlf_and_blanks": event(1) + b"\r\n\r\n  \n\n" + event(2, "assistant") + b"\r\n\t\n",
    "ends_with_a_line": event(1) + b"\n" + event(2, "assistant"),
    "ends_with_an_array": event(1) + b"\n[1, 2]",
    "ends_unfinished": event(1) + b"\n" + event(2, "assistant")[:25],
    "ends_unfinished_multibyte": event(1) + b"\n" + event(2, text="☃☃")[:-4],
    "ends_blank": event(1) + b"\n  \x0b",
    "ends_not_utf8": event(1) + b'\n{"type":"user","x":"\xff"}',
    "empty": b"",
    "only_newlines": b"\n\n",
    "one_unfinished": event(1)[:10],
    "bom": b"\xef\xbb\xbf" + event(1) + b"\n",
}


def write_corpus(root):
    folders = [root / "-home-p", root / "-home-p-[x]*?"]  # glob characters: read in Python
    for folder in folders:
        folder.mkdir(parents=True)
        for n, (_, data) in enumerate(sorted(AWKWARD.items())):
            (folder / f"{S.format(n)}.jsonl").write_bytes(data)
    return folders


def append_more(folders):
    for folder in folders:
        for path in sorted(folder.glob("*.jsonl")):
            with open(path, "ab") as fh:
                fh.write(
                    b"\n" + event(40, "assistant") + b"\n\n" + b'{"x":"\xfe"}\n' + event(41)[:9]
                )


def dump(db) -> dict[str, list]:
    con = duckdb.connect(str(db), read_only=True)
    out = {}
    for (table,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE table_name <> 'meta'"
    ).fetchall():
        cols = [
            c
            for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table]
            ).fetchall()
            if c not in ("ingested_at", "first_ingested_at", "missing_since")
        ]
        out[table] = con.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY ALL").fetchall()
    con.close()
    return out


def test_duckdb_and_python_readers_give_the_same_rows(tmp_path, monkeypatch):
    root = tmp_path / "projects"
    folders = write_corpus(root)
    by_duckdb, in_python = tmp_path / "duckdb.duckdb", tmp_path / "python.duckdb"
    first = ingest([root], by_duckdb, user="u", progress=False)
    with monkeypatch.context() as m:
        m.setattr(native, "eligible", lambda spec, size: False)
        expected = ingest([root], in_python, user="u", progress=False)
    assert first.bad_line_samples == expected.bad_line_samples
    assert first.to_dict() | {"seconds": 0, "db": ""} == expected.to_dict() | {
        "seconds": 0,
        "db": "",
    }
    assert dump(by_duckdb) == dump(in_python)
    append_more(folders)
    again = ingest([root], by_duckdb, user="u", progress=False)
    with monkeypatch.context() as m:
        m.setattr(native, "eligible", lambda spec, size: False)
        expected = ingest([root], in_python, user="u", progress=False)
    assert again.files_appended > 0
    assert again.bad_line_samples == expected.bad_line_samples
    assert dump(by_duckdb) == dump(in_python)


@pytest.mark.parametrize(
    ("path", "ok"),
    [("/t/a.jsonl", True), ("/t/[a].jsonl", False), ("/t/a*.jsonl", False), ("/t/\udcff", False)],
)
def test_paths_read_blob_would_expand_stay_in_python(path, ok):
    from workbench.ingest.discover import FileSpec

    assert native.eligible(FileSpec(path, "claude", "u", "s"), 10) is ok


def test_a_claude_ingest_does_not_import_pandas(tmp_path):
    # a folder, then one named file as a server reads it, then a grown file with the manifest:
    # none binds Python values to a query (DuckDB would import pandas, ~0.5 s)
    root = tmp_path / "projects"
    write_corpus(root)
    code = f"""
import sys
from pathlib import Path
from workbench.ingest.load import ingest
root, db = {str(root)!r}, {str(tmp_path / "wb.duckdb")!r}
ingest([root], db, progress=False)
f = sorted(Path(root).rglob("*.jsonl"))[0]
assert ingest([str(f)], db, progress=False, use_manifest=False).files_unchanged == 1
data = f.read_bytes()
f.write_bytes(data + (b"" if data.endswith(b"\\n") else b"\\n") + data.splitlines()[0] + b"\\n")
assert ingest([root], db, progress=False).files_appended == 1
print('pandas' in sys.modules)
"""
    # files that are not UTF-8 and the glob-named folder are read in Python: leave them out
    for path in root.rglob("*.jsonl"):
        try:
            path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            path.unlink()
        if "[" in str(path):
            path.unlink(missing_ok=True)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_file_gone_before_duckdb_reads_it_keeps_its_rows(tmp_path, monkeypatch):
    from workbench.ingest import load

    root = tmp_path / "projects"
    write_corpus(root)
    db = tmp_path / "wb.duckdb"
    ingest([root], db, user="u", progress=False)
    victim = root / "-home-p" / f"{S.format(0)}.jsonl"
    victim.write_bytes(event(1, text="rewritten") + b"\n")  # read again in full
    real_prepare = load._prepare

    def prepare_then_delete(batch):
        prepared = real_prepare(batch)
        victim.unlink()  # after the open check, before read_blob
        return prepared

    monkeypatch.setattr(load, "_prepare", prepare_then_delete)
    before = dump(db)
    s = ingest([root], db, user="u", progress=False)
    assert s.unreadable == [{"path": str(victim), "reason": "No such file or directory"}]
    assert s.files_parsed == 0
    assert dump(db)["raw_messages"] == before["raw_messages"]
