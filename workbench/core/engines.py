"""Where the marts live: a DuckDB file (the default), a team hub on PostgreSQL (a
``postgresql://`` URL) or a Parquet lake read by Spark (``spark://MASTER?path=DIR``).
Credentials in a URL never reach output: ``mask`` hides the password."""

from __future__ import annotations

import os
import re
import signal

_SCHEMES = ("postgresql://", "postgres://")

#: The tables a hub and a Parquet lake hold (the read relations: marts and views).
MART_TABLES = ("sessions", "responses", "activity_blocks", "tool_errors", "retry_loops",
               "messages", "tool_calls", "files", "bad_lines")  # fmt: skip

#: The file in a Parquet lake's folder that records its layout and each day's fingerprint.
LAKE_MANIFEST = "_workbench_export.json"


def named(db: str | os.PathLike | None) -> str:
    """The database a command reads: ``db``, else ``$WORKBENCH_DB`` ("" when neither)."""
    return str(db) if db else os.environ.get("WORKBENCH_DB", "")


def is_postgres(db: str | os.PathLike | None) -> bool:
    """Whether ``db`` names a PostgreSQL database (a ``postgresql://`` URL)."""
    return isinstance(db, str) and db.startswith(_SCHEMES)


def without_password(url: str) -> tuple[str, str | None]:
    """``url`` without its password, and the password (None: the URL has none). Reports pass
    the URL to their notebooks this way, the password in ``$PGPASSWORD``, so no page, log or
    notebook file holds it."""
    m = re.match(r"(postgres(?:ql)?://[^:/@\s]*):([^@\s]*)@(.*)", url)
    if not m:
        return url, None
    from urllib.parse import unquote

    return f"{m.group(1)}@{m.group(3)}", unquote(m.group(2))


def is_spark(db: str | os.PathLike | None) -> bool:
    """Whether ``db`` names a Parquet lake to read with Spark (``spark://…?path=DIR``)."""
    return isinstance(db, str) and db.startswith("spark://")


def is_remote(db: str | os.PathLike | None) -> bool:
    """Whether ``db`` is not a DuckDB file (a hub or a lake)."""
    return is_postgres(db) or is_spark(db)


def first_line(exc: BaseException) -> str:
    """An engine's error as one line, passwords masked (its name when it says nothing)."""
    text = str(exc).strip()
    return mask(text.splitlines()[0] if text else type(exc).__name__)


def connect_postgres(url: str):
    """An autocommit psycopg connection in UTC; a failure to connect is one WorkbenchError
    line with the password masked."""
    import psycopg

    from workbench.core.store import WorkbenchError

    try:
        con = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise WorkbenchError(f"cannot connect to {mask(url)}: {first_line(exc)}") from None
    con.execute("SET TIME ZONE 'UTC'")
    return con


def mask(text: str) -> str:
    """``text`` with the password of every ``postgresql://user:password@`` URL (and
    ``password=...`` settings) replaced by ``***``."""
    text = re.sub(r"(postgres(?:ql)?://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)
    return re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", text, flags=re.IGNORECASE)


class _Sigint:
    seen = False


def note_sigint(signum: int, frame) -> None:
    """SIGINT handler: Python's own (KeyboardInterrupt), remembering that one arrived. DuckDB
    can swallow the KeyboardInterrupt (raised inside an import it runs, say, it reports
    "Required module 'pytz' failed to import"): ``sigint_seen`` still knows."""
    _Sigint.seen = True
    signal.default_int_handler(signum, frame)


def sigint_seen() -> bool:
    """Whether ``note_sigint`` handled a SIGINT in this process."""
    return _Sigint.seen


def is_python_sigint(handler) -> bool:
    """Whether ``handler`` is Python's KeyboardInterrupt (plain, or noted)."""
    return handler in (signal.default_int_handler, note_sigint)


def is_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is DuckDB's answer to a Ctrl-C in the middle of a query
    (``duckdb.InterruptException``, or a RuntimeError "Query interrupted")."""
    for e in (exc, exc.__cause__, exc.__context__):
        if e is None:
            continue
        name = type(e).__name__
        if name == "InterruptException" or (
            isinstance(e, RuntimeError) and "interrupted" in str(e).lower()
        ):
            return True
    return False
