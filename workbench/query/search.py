"""Search every transcript text: prompts, replies, thinking, tool inputs and tool outputs.

A scan, not an index: DuckDB runs RE2 over the text columns in parallel, which on the 200 MB
benchmark corpus answers in tens of milliseconds (``make bench`` prints it) and costs nothing at
ingest, whereas an FTS index would have to be rebuilt on every ingest. Literal text matches
case-insensitively; ``regex=True`` takes an RE2 pattern as given. Hits are texts written in the
period (``query.scope``), of the chosen sessions.
"""

from __future__ import annotations

import re

from workbench.core.queries import sql_text
from workbench.core.redact import excerpt_parts
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
    """``{"hits": [{session_id, ordinal, kind, tool_name, ts, user_name, project, snippet,
    snippet_parts}], "total": N}``, newest first, over the scope's texts. ``snippet`` is the
    text around a match, up to ``SNIPPET`` characters either side, on one line;
    ``snippet_parts`` is it cut as [before, match, after] at its first match. ``redact``:
    secrets replaced as they stand in the whole text (a secret the snippet cuts goes whole)."""
    if not text:
        raise UsageError("search needs some text")
    pattern = text if regex else literal(text)
    flags = "" if case_sensitive else "(?i)"
    _check(con, flags + pattern)
    scope = Scope.of(**filters)
    d = con.dialect
    # a literal is a LIKE, which engines run far faster than a regular expression (5x here
    # case-insensitively)
    match = (
        d.regex("x.body", flags + pattern)
        if regex
        else d.contains_text("x.body", text, case_sensitive=case_sensitive)
    )
    hits = f"""
        SELECT x.*, s.user_name, s.project
        FROM ({sql_text("search_sources").strip().rstrip(";")}) x
        JOIN sessions s USING (session_id)
        WHERE {match} AND {scope.events("x.ts", "s")}
    """
    snippet = d.regex_extract(
        "body", f"(?s{'' if case_sensitive else 'i'}).{{0,{SNIPPET}}}(?:{pattern}).{{0,{SNIPPET}}}"
    )
    body = ", body" if redact else ""
    limit = max(0, int(limit))
    # one scan: the newest hits and, beside them, how many there are in all
    rows = con.rows(
        f"SELECT session_id, ordinal, kind, tool_name, ts, user_name, project{body}, "
        f"{snippet} AS snippet, total FROM ("
        f"SELECT *, count(*) OVER () AS total FROM ({hits}) h "
        f"ORDER BY ts DESC NULLS LAST, session_id, ordinal, kind LIMIT {max(limit, 1)}) t "
        "ORDER BY ts DESC NULLS LAST, session_id, ordinal, kind"
    )
    total = rows[0]["total"] if rows else 0
    rows = rows[:limit]
    finder = _finder(text, regex=regex, case_sensitive=case_sensitive)
    for row in rows:
        del row["total"]
        body, snippet = row.pop("body", None) or "", row["snippet"] or ""
        m = finder.search(snippet) if finder else None
        pieces = [snippet[: m.start()], m.group(), snippet[m.end() :]] if m else [snippet, "", ""]
        if redact:
            pieces = excerpt_parts(body, pieces)
        pieces = _one_line(pieces)
        row["snippet"] = "".join(pieces)
        row["snippet_parts"] = pieces
    return {"query": text, "regex": regex, "total": total, "hits": rows}


def _finder(text: str, *, regex: bool, case_sensitive: bool) -> re.Pattern | None:
    """The match in a snippet, found again in Python: the literal text, or the pattern where
    RE2 and Python agree on its syntax (None where they do not: no match is marked)."""
    flags = re.S | (0 if case_sensitive else re.I)
    try:
        return re.compile(text if regex else re.escape(text), flags)
    except re.error:
        return None


def _one_line(pieces: list[str]) -> list[str]:
    """Snippet pieces with every run of whitespace one space, none at either end."""
    out = [re.sub(r"\s+", " ", p) for p in pieces]
    out[0] = out[0].lstrip()
    if not out[1] and not out[2]:
        out[0] = out[0].rstrip()
    out[-1] = out[-1].rstrip()
    for i in range(1, len(out)):  # one space where two pieces meet
        if out[i - 1].endswith(" ") and out[i].startswith(" "):
            out[i] = out[i][1:]
    return out


def _check(con: Reader, pattern: str) -> None:
    try:
        con.scalar(f"SELECT regexp_matches('', {lit(pattern)})")
    except Exception as exc:  # noqa: BLE001 - duckdb reports RE2 syntax errors
        raise UsageError(f"not a valid regular expression: {pattern!r} ({exc})") from exc
