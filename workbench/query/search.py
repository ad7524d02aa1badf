"""Search every transcript text: prompts, replies, thinking, tool inputs and tool outputs.

A scan, not an index: DuckDB runs RE2 over the text columns in parallel, which on the 200 MB
benchmark corpus answers in tens of milliseconds (``make bench`` prints it) and costs nothing at
ingest, whereas an FTS index would have to be rebuilt on every ingest. Literal text matches
case-insensitively; ``regex=True`` takes an RE2 pattern as given. Hits are texts written in the
period (``query.scope``), of the chosen sessions.
"""

from __future__ import annotations

from workbench.core.queries import sql_text
from workbench.core.redact import excerpt
from workbench.query.db import Reader, lit
from workbench.query.periods import UsageError
from workbench.query.scope import Scope

_SPECIAL = set(r"\.^$|?*+()[]{}")
SNIPPET = 60


def literal(text: str) -> str:
    """An RE2 pattern matching ``text`` literally."""
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)


def search(
    con: Reader,
    text: str,
    *,
    regex: bool = False,
    case_sensitive: bool = False,
    limit: int = 20,
    redact: bool = False,
    **filters,
) -> dict:
    """``{"hits": [{session_id, ordinal, kind, tool_name, ts, user_name, project, snippet}],
    "total": N}``, newest first, over the scope's texts. ``redact``: secrets in snippets
    replaced as they stand in the whole text (a secret the snippet cuts goes whole)."""
    if not text:
        raise UsageError("search needs some text")
    pattern = text if regex else literal(text)
    flags = "" if case_sensitive else "(?i)"
    _check(con, flags + pattern)
    scope = Scope.of(**filters)
    d = con.dialect
    hits = f"""
        SELECT x.*, s.user_name, s.project
        FROM ({sql_text("search_sources").strip().rstrip(";")}) x
        JOIN sessions s USING (session_id)
        WHERE {d.regex("x.body", flags + pattern)} AND {scope.events("x.ts", "s")}
    """
    total = con.scalar(f"SELECT count(*) FROM ({hits}) n")
    snippet = d.regex_extract(
        "body", f"(?s{'' if case_sensitive else 'i'}).{{0,{SNIPPET}}}(?:{pattern}).{{0,{SNIPPET}}}"
    )
    body = ", body" if redact else ""
    rows = con.rows(
        f"SELECT session_id, ordinal, kind, tool_name, ts, user_name, project{body}, "
        f"{snippet} AS snippet FROM ({hits}) h "
        f"ORDER BY ts DESC NULLS LAST, session_id, ordinal, kind LIMIT {int(limit)}"
    )
    for row in rows:
        if redact:
            row["snippet"] = excerpt(row.pop("body") or "", row["snippet"] or "")
        row["snippet"] = " ".join((row["snippet"] or "").split())
    return {"query": text, "regex": regex, "total": total, "hits": rows}


def _check(con: Reader, pattern: str) -> None:
    try:
        con.scalar(f"SELECT regexp_matches('', {lit(pattern)})")
    except Exception as exc:  # noqa: BLE001 - duckdb reports RE2 syntax errors
        raise UsageError(f"not a valid regular expression: {pattern!r} ({exc})") from exc
