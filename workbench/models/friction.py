"""The friction taxonomy: one ordered rule table that gives every tool error one category.

Rules are tried in order and the first whose pattern matches the error text wins; no match is
``other``. Patterns use the syntax Python's ``re`` and DuckDB's RE2 share (no look-arounds,
``(?i)`` for case-insensitive), so the database (``tool_errors.category``, computed at ingest)
and :func:`categorize` always agree. The order matters: a missing module shows a traceback, so
``module_not_found`` comes before ``runtime_error``; a refused approval mentions a command, so
``permission_denied`` comes before ``command_not_found``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from workbench.core import store


@dataclass(frozen=True)
class Rule:
    category: str
    pattern: str
    meaning: str


RULES: tuple[Rule, ...] = (
    Rule(
        "interrupted",
        r"(?i)^\s*\[Request interrupted by user|interrupted by (the )?user|^\s*Interrupted\b|"
        r"turn_aborted|aborted by user|\[Operation Cancelled\]|(user|you) cancell?ed|"
        r"cancell?ed by (the )?user",
        "the person stopped the call",
    ),
    Rule(
        "user_rejected",
        r"(?i)doesn't want to (proceed|take this action)|tool use was rejected|"
        r"user (rejected|declined|denied)|rejected by (the )?user",
        "the person said no to a proposed call",
    ),
    Rule(
        "permission_denied",
        r"(?i)permission denied|requires approval|haven't granted|not been granted|"
        r"operation not permitted|\bEACCES\b|\bEPERM\b|was blocked|blocked by|not allowed|"
        r"sandbox (denied|restriction)|access (is )?denied",
        "the harness, OS or sandbox refused",
    ),
    Rule(
        "rate_limit",
        r"(?i)rate.?limit|too many requests|(status|code|error|http)\D{0,12}\b429\b|"
        r"quota (exceeded|exhausted)|"
        r"resource.?exhausted|overloaded",
        "throttled by a service",
    ),
    Rule(
        "auth",
        r"(?i)authentication (failed|required)|unauthori[sz]ed|forbidden|"
        r"(status|code|error|http)\D{0,12}\b40[13]\b|"
        r"invalid (api.?key|token|credentials|username or password)|not logged in|"
        r"login required|(token|credentials?) (has |have )?expired|bad credentials",
        "credentials missing, wrong or expired",
    ),
    Rule("timeout", r"(?i)timed out|time.?out|deadline exceeded|\bETIMEDOUT\b", "ran out of time"),
    Rule(
        "network",
        r"(?i)could not resolve|name or service not known|temporary failure in name resolution|"
        r"connection (refused|reset|closed)|\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN)\b|"
        r"network is unreachable|failed to connect|could not connect|unable to connect|"
        r"no route to host|SSL ?(error|certificate)|certificate verify failed|tls handshake|"
        r"getaddrinfo|failed to fetch",
        "DNS, connection or TLS failure",
    ),
    Rule(
        "missing_script",
        r"(?i)npm ERR! missing script|missing script:|error: script not found|"
        r"Command \"[^\"]+\" not found\. Did you mean|ERR_PNPM_NO_SCRIPT",
        "the project has no such script (npm/yarn/pnpm run): a wrong script name, not a "
        "missing program",
    ),
    Rule(
        "command_not_found",
        r"(?i)command not found|not recognized as an internal or external command|"
        r"executable file not found|exit code:? 127\b|binary not found|no such command|"
        r"unknown command|missing script",
        "the program is not installed or not on PATH",
    ),
    Rule(
        "module_not_found",
        r"(?i)ModuleNotFoundError|No module named|Cannot find module|ImportError|"
        r"cannot find package|could not resolve (import|dependency|module)|Module not found|"
        r"package .{1,80} (is )?not installed|unresolved import|no matching distribution",
        "a library or package is missing",
    ),
    Rule(
        "file_not_read",
        r"(?i)has not been read yet|read it first before|must (first )?read .{0,40}before",
        "edited a file the agent had not read",
    ),
    Rule(
        "file_changed",
        r"(?i)modified since (it was )?read|has been (modified|changed) since|"
        r"changed on disk|file was modified",
        "the file changed after the agent read it",
    ),
    Rule(
        "edit_mismatch",
        r"(?i)string to replace not found|old_string (was )?not found|"
        r"Found \d+ matches of the string to replace|not unique in the file|"
        r"matches of the string|no match(es)? found for|patch (failed|does not apply)|"
        r"apply_patch verification failed|hunk (failed|#\d+ failed)|failed to find expected lines",
        "the text to replace was not found, or not unique",
    ),
    Rule(
        "file_not_found",
        r"(?i)no such file or directory|(file|directory|path|folder) (does not|doesn't) exist|"
        r"\bENOENT\b|FileNotFoundError|cannot access '|path not found|no files (were )?found|"
        r"cannot find the path|not a directory",
        "a file or folder is missing",
    ),
    Rule(
        "too_large",
        r"(?i)exceeds (the )?maximum|too large|too long|maximum (allowed )?(length|size)|"
        r"exceeds .{0,30}tokens|output (was |has been )?truncated|payload too big",
        "input or output over a size limit",
    ),
    Rule(
        "syntax_error",
        r"(?i)SyntaxError|syntax error|IndentationError|ParseError|parse error|"
        r"Unexpected token|unexpected EOF|invalid syntax|unterminated|was never closed",
        "code or input that does not parse",
    ),
    Rule(
        "runtime_error",
        r"(?i)Traceback \(most recent call last\)|\bpanic:|segmentation fault|stack trace|"
        r"\n\s+at .{1,120}:\d+:\d+|\b(TypeError|KeyError|ValueError|AttributeError|IndexError|"
        r"RuntimeError|AssertionError|NameError|ZeroDivisionError|NullPointerException|"
        r"ReferenceError)\b|Cannot read propert|undefined is not|(?-i:\bFAILED\b)|"
        r"\d+ (tests? )?failed",
        "the program crashed or its tests failed",
    ),
)

CATEGORIES: tuple[str, ...] = tuple(dict.fromkeys(r.category for r in RULES)) + ("other",)


@functools.cache
def _compiled() -> tuple[tuple[str, re.Pattern], ...]:
    """The rules' patterns compiled for Python, on first use: compiling them cost every
    process importing the taxonomy ~12 ms (an ingest only hands them to DuckDB)."""
    return tuple((r.category, re.compile(r.pattern)) for r in RULES)


#: How much of an error's text the rules look at: the head and the tail (tracebacks end there).
PROBE_HEAD, PROBE_TAIL = 3000, 1000


def probe(text: str | None) -> str:
    """The part of an error text the rules read (same as ``models/sql/rebuild_tool_errors.sql``)."""
    text = text or ""
    if len(text) <= PROBE_HEAD + PROBE_TAIL:
        return text
    return text[:PROBE_HEAD] + "\n" + text[-PROBE_TAIL:]


def categorize(text: str | None) -> str:
    """The friction category of one tool error's text (first matching rule, else ``other``)."""
    sample = probe(text)
    for category, rx in _compiled():
        if rx.search(sample):
            return category
    return "other"


def install(con) -> None:
    """Put the rules (priority, category, pattern, meaning) in the temp table ``friction_rules``
    of a DuckDB connection."""
    store.temp_table(
        con,
        "friction_rules",
        [
            ("priority", "INTEGER"),
            ("category", "VARCHAR"),
            ("pattern", "VARCHAR"),
            ("meaning", "VARCHAR"),
        ],
        [(i, r.category, r.pattern, r.meaning) for i, r in enumerate(RULES, start=1)],
    )


def rule_case(column: str = "probe") -> str:
    """SQL giving the priority of the first rule whose pattern matches ``column`` (NULL: none),
    with each pattern a constant so DuckDB compiles it once."""
    arms = "\n".join(
        f"        WHEN regexp_matches({column}, '{r.pattern.replace(chr(39), chr(39) * 2)}') "
        f"THEN {i}"
        for i, r in enumerate(RULES, start=1)
    )
    return f"CASE\n{arms}\n    END"
