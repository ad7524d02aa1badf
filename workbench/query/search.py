"""Search every transcript text: prompts, replies, thinking, tool inputs and tool outputs.

A scan, not an index: DuckDB runs RE2 over the text columns in parallel, which on the 200 MB
benchmark corpus answers in tens of milliseconds (``make bench`` prints it) and costs nothing at
ingest, whereas an FTS index would have to be rebuilt on every ingest. Literal text matches
case-insensitively; ``regex=True`` takes an RE2 pattern as given.
"""

from __future__ import annotations

import ibis
from ibis import _

from workbench.core.queries import query
from workbench.core.redact import excerpt
from workbench.query import signals
from workbench.query.periods import UsageError

_SPECIAL = set(r"\.^$|?*+()[]{}")
SNIPPET = 60


def literal(text: str) -> str:
    """An RE2 pattern matching ``text`` literally."""
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)


def sources(con) -> ibis.Table:
    """Every searchable text with where it came from (``query/sql/search_sources.sql``)."""
    return query(con, "search_sources")


def search(
    con,
    text: str,
    *,
    regex: bool = False,
    case_sensitive: bool = False,
    limit: int = 20,
    redact: bool = False,
    **filters,
) -> dict:
    """``{"hits": [{session_id, ordinal, kind, tool_name, ts, user_name, project, snippet}],
    "total": N}``, newest first, over the sessions the filters select. ``redact``: secrets in
    snippets replaced as they stand in the whole text (a secret the snippet cuts goes whole)."""
    if not text:
        raise UsageError("search needs some text")
    pattern = text if regex else literal(text)
    flags = "" if case_sensitive else "(?i)"
    _check(con, flags + pattern)
    s = signals.sessions(con, with_cost=False, **filters).select(
        "session_id", "user_name", "project"
    )
    hits = sources(con).filter(_.body.re_search(flags + pattern)).join(s, "session_id")
    total = hits.count().to_pyarrow().as_py()
    snippet = hits.body.re_extract(
        f"(?s{'' if case_sensitive else 'i'}).{{0,{SNIPPET}}}(?:{pattern}).{{0,{SNIPPET}}}", 0
    )
    shown = hits.mutate(snippet=snippet)
    rows = (
        (shown if redact else shown.drop("body"))
        .order_by([ibis.desc("ts"), "session_id", "ordinal"])
        .limit(limit)
        .to_pyarrow()
        .to_pylist()
    )
    for row in rows:
        if redact:
            row["snippet"] = excerpt(row.pop("body") or "", row["snippet"] or "")
        row["snippet"] = " ".join((row["snippet"] or "").split())
    return {"query": text, "regex": regex, "total": total, "hits": rows}


def _check(con, pattern: str) -> None:
    try:
        con.con.execute("SELECT regexp_matches('', ?)", [pattern])  # the raw duckdb connection
    except Exception as exc:  # noqa: BLE001 - duckdb reports RE2 syntax errors
        raise UsageError(f"not a valid regular expression: {pattern!r} ({exc})") from exc
