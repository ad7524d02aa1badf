"""Model prices and the cost of every API response, from a bundled offline price table.

The table is ``workbench/data/prices.json``: USD per million tokens for input, output, cache
writes (5 minutes and 1 hour), cache reads and, where the source has them, long-context rates
above a prompt size. Its ``source`` block names where the numbers come from (LiteLLM's
``model_prices_and_context_window.json`` as shipped in named PyPI releases) and when they were
taken; ``python -m workbench.models.pricing rebuild FILE...`` regenerates it from such files.

Rules (the ones a reader of a cost report needs):

- A model name is matched exactly, then by its normalised form (provider prefixes such as
  ``anthropic/`` or ``us.anthropic.``, ``@version``, ``-v1:0``, dates such as ``-20250929``
  dropped; ``.`` and ``_`` read as ``-``), then by the longest normalised table name it starts
  with, provided what follows is not a version number (``claude-opus-4-9`` never takes
  ``claude-opus-4``'s price).
- A model with no price has ``cost_usd`` NULL, never 0; reports list it in ``unpricedModels``.
- Cache writes: ``cache_5m_tokens`` at the 5-minute rate, ``cache_1h_tokens`` at the 1-hour
  rate (2 x input when the source gives none); a missing cache-read or 5-minute write rate is the
  input rate.
- Long context: a request whose prompt (input + cache writes + cache reads, the whole prompt the
  provider counts) exceeds the model's ``long_threshold`` (200k for Claude models that have such
  rates, 272k for some OpenAI models) is charged at the long-context rates for all its tokens,
  output included, as Anthropic, OpenAI and Google bill it. (ccusage 20 instead splits each token
  kind at 200k; the two agree on every request below the threshold.)
- Claude Code's ``speed: "fast"`` and ``inference_geo`` surcharges are not applied: the
  database does not keep those usage fields.

In the database: ``install(con)`` puts a temp table ``model_prices`` on a DuckDB connection
(the marts' builder calls it): one row per table name and per model name found in
``usage_lines``, with ``model``, ``price_key``, ``price_match`` (exact | normalized | prefix)
and complete rates ``input``, ``output``, ``cache_write_5m``, ``cache_write_1h``,
``cache_read``, ``long_threshold``, ``long_input``, ``long_output``, ``long_cache_write_5m``,
``long_cache_write_1h``, ``long_cache_read`` (USD per million tokens). The cost formula itself
is SQL, in one place: ``models/sql/build_responses.sql``, which prices each response once, when
it is built (``config.prices_fingerprint()`` tells the builder when the table changed and
every response must be priced again).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict, dataclass
from datetime import date
from functools import cache
from pathlib import Path

from workbench.core import config

PRICES_FILE = config.PRICES_FILE
RATES = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")
#: LiteLLM field for each of our rates (per token; ours are per million tokens)
_LITELLM = {
    "input": "input_cost_per_token",
    "output": "output_cost_per_token",
    "cache_write_5m": "cache_creation_input_token_cost",
    "cache_write_1h": "cache_creation_input_token_cost_above_1hr",
    "cache_read": "cache_read_input_token_cost",
}
_LITELLM_LONG = {
    "input": "input_cost_per_token_above_{k}k_tokens",
    "output": "output_cost_per_token_above_{k}k_tokens",
    "cache_write_5m": "cache_creation_input_token_cost_above_{k}k_tokens",
    "cache_write_1h": "cache_creation_input_token_cost_above_1hr_above_{k}k_tokens",
    "cache_read": "cache_read_input_token_cost_above_{k}k_tokens",
}


@dataclass(frozen=True)
class Price:
    """Complete rates of one model in USD per million tokens (defaults already applied)."""

    price_key: str
    price_match: str
    input: float
    output: float
    cache_write_5m: float
    cache_write_1h: float
    cache_read: float
    long_threshold: int | None = None
    long_input: float | None = None
    long_output: float | None = None
    long_cache_write_5m: float | None = None
    long_cache_write_1h: float | None = None
    long_cache_read: float | None = None


@cache
def load_table(path: str | None = None) -> dict:
    """The price table file as a dict (``source``, ``units``, ``models``)."""
    return json.loads(Path(path or PRICES_FILE).read_text(encoding="utf-8"))


_PREFIX = re.compile(r"^(?:[a-z0-9_-]+/)+|^(?:(?:us|eu|apac|au|jp|global)\.)?anthropic\.")
_SUFFIX = re.compile(r"(?:@.*|\[\w+\]|-v\d+(?::\d+)?|-latest)$")
_DATE = re.compile(r"-(?:\d{8}|\d{4}-\d{2}-\d{2})$")


def normalize(name: str) -> str:
    """``us.anthropic.claude-sonnet-4.5-20250929-v1:0`` -> ``claude-sonnet-4-5``."""
    n = name.strip().lower()
    n = _PREFIX.sub("", n)
    n = _SUFFIX.sub("", n)
    n = n.replace(".", "-").replace("_", "-")
    return _DATE.sub("", n)


@cache
def _index(path: str | None = None) -> dict[str, str]:
    """Normalised name -> table name (the shortest, then alphabetically first, on a clash)."""
    index: dict[str, str] = {}
    for key in sorted(load_table(path)["models"], key=lambda k: (len(k), k)):
        index.setdefault(normalize(key), key)
    return index


def match(model: str | None, path: str | None = None) -> tuple[str, str] | None:
    """``(table name, how)`` for a model name, ``how`` being exact, normalized or prefix."""
    if not model:
        return None
    models = load_table(path)["models"]
    if model in models:
        return model, "exact"
    index = _index(path)
    n = normalize(model)
    if n in index:
        return index[n], "normalized"
    best = None
    for norm, key in index.items():
        rest = n[len(norm) :]
        fits = n.startswith(norm) and rest.startswith("-") and not rest[1:2].isdigit()
        if fits and (best is None or len(norm) > len(best[0])):
            best = (norm, key)
    return (best[1], "prefix") if best else None


def lookup(model: str | None, path: str | None = None) -> Price | None:
    """The complete rates for a model name, or None when it has no price."""
    found = match(model, path)
    if found is None:
        return None
    key, how = found
    entry = load_table(path)["models"][key]
    base = {r: entry.get(r) for r in RATES}
    if base["input"] is None or base["output"] is None:
        return None
    base["cache_write_5m"] = _first(base["cache_write_5m"], base["input"])
    base["cache_write_1h"] = _first(base["cache_write_1h"], 2 * base["input"])
    base["cache_read"] = _first(base["cache_read"], base["input"])
    long: dict = {}
    lc = entry.get("long_context")
    if lc and lc.get("input") is not None:
        ratio = lc["input"] / base["input"] if base["input"] else 1.0
        long = {
            "long_threshold": int(lc["above_tokens"]),
            "long_input": lc["input"],
            "long_output": _first(lc.get("output"), base["output"]),
        }
        for r in ("cache_write_5m", "cache_write_1h", "cache_read"):
            long["long_" + r] = _first(lc.get(r), base[r] * ratio)
    return Price(price_key=key, price_match=how, **base, **long)


def _first(value: float | None, default: float) -> float:
    return default if value is None else value


def install(con, files: str = "(SELECT file_id FROM files)") -> None:
    """Create (or refresh) the temp table ``model_prices`` on a DuckDB connection: a row per
    model that the usage lines of ``files`` (SQL: a list of ids or a subquery) name and that
    has a price (the build joins it on their model)."""
    from workbench.core import store

    names = {
        m
        for (m,) in con.execute(
            f"SELECT DISTINCT model FROM usage_lines WHERE file_id IN {files}"
        ).fetchall()
        if m
    }
    columns = (
        [("model", "VARCHAR"), ("price_key", "VARCHAR"), ("price_match", "VARCHAR")]
        + [(r, "DOUBLE") for r in RATES]
        + [("long_threshold", "BIGINT")]
        + [("long_" + r, "DOUBLE") for r in RATES]
    )
    rows = []
    for name in sorted(names):
        price = lookup(name)
        if price is not None:
            values = {"model": name, **asdict(price)}
            rows.append([values[c] for c, _ in columns])
    store.temp_table(con, "model_prices", columns, rows)


# -- rebuilding the table from LiteLLM releases ------------------------------------------------


def _per_million(value) -> float | None:
    return None if value is None else round(float(value) * 1e6, 6)


def _entry(raw: dict, provider: str, release: str) -> dict | None:
    out: dict = {"provider": provider, "release": release}
    for ours, theirs in _LITELLM.items():
        out[ours] = _per_million(raw.get(theirs))
    if out["input"] is None or out["output"] is None:
        return None
    thresholds = sorted(
        int(m.group(1))
        for k in raw
        if (m := re.fullmatch(r"input_cost_per_token_above_(\d+)k_tokens", k))
    )
    if thresholds:
        k = thresholds[0]
        lc = {"above_tokens": k * 1000}
        for ours, theirs in _LITELLM_LONG.items():
            v = _per_million(raw.get(theirs.format(k=k)))
            if v is not None:
                lc[ours] = v
        out["long_context"] = lc
    return {k: v for k, v in out.items() if v is not None}


def _select(litellm: dict) -> dict[str, tuple[str, dict]]:
    """The entries coding agents bill under: Anthropic, OpenAI and Google AI Studio models."""
    chosen: dict[str, tuple[str, dict]] = {}
    for key, raw in litellm.items():
        if not isinstance(raw, dict) or raw.get("mode") not in ("chat", "responses"):
            continue
        provider = raw.get("litellm_provider")
        if provider == "anthropic" and "/" not in key:
            chosen[key] = ("anthropic", raw)
        elif provider == "openai" and "/" not in key and not key.startswith("ft:"):
            chosen[key] = ("openai", raw)
        elif provider == "gemini" and key.startswith("gemini/gemini-"):
            chosen[key.removeprefix("gemini/")] = ("google", raw)
    for key, raw in litellm.items():  # Vertex AI Gemini models AI Studio does not list
        if (
            isinstance(raw, dict)
            and raw.get("litellm_provider") == "vertex_ai-language-models"
            and key.startswith("gemini-")
            and raw.get("mode") == "chat"
        ):
            chosen.setdefault(key, ("google", raw))
    return chosen


def build_table(releases: list[tuple[str, dict]], retrieved: str) -> dict:
    """A price table from LiteLLM files, newest release first: each model from the newest
    release that lists it (older releases only add models the newer ones dropped)."""
    models: dict[str, dict] = {}
    for version, litellm in releases:
        for key, (provider, raw) in sorted(_select(litellm).items()):
            if key not in models and (entry := _entry(raw, provider, version)):
                models[key] = entry
    return {
        "source": {
            "name": "LiteLLM model_prices_and_context_window.json",
            "url": "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json",
            "copies": [
                f"PyPI litellm {v}: litellm/model_prices_and_context_window_backup.json"
                for v, _ in releases
            ],
            "rule": "each model from the newest release that lists it",
            "retrieved": retrieved,
        },
        "units": "USD per 1,000,000 tokens",
        "models": dict(sorted(models.items())),
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m workbench.models.pricing rebuild VERSION=FILE...`` (newest release first)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or args[0] != "rebuild":
        print(main.__doc__, file=sys.stderr)
        return 2
    releases = []
    for spec in args[1:]:
        version, _, path = spec.partition("=")
        releases.append((version, json.loads(Path(path).read_text(encoding="utf-8"))))
    table = build_table(releases, date.today().isoformat())
    PRICES_FILE.parent.mkdir(exist_ok=True)
    text = json.dumps(table, indent=1, ensure_ascii=False)
    PRICES_FILE.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {len(table['models'])} models to {PRICES_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
