"""One place for paths and defaults: the database file, transcript roots, the queries folder."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the workbench package
PROJECT_DIR = PACKAGE_DIR.parent
#: The bundled price table (models/pricing.py reads and rebuilds it).
PRICES_FILE = PACKAGE_DIR / "data" / "prices.json"


def prices_fingerprint() -> str:
    """A digest of the bundled price table: responses priced with another one are re-priced
    (the marts' builder and the ingest manifest compare it)."""
    import hashlib

    return hashlib.sha256(PRICES_FILE.read_bytes()).hexdigest()[:16]


#: Bumped whenever parsing changes what rows a transcript line produces; files parsed by an
#: older version are re-parsed on the next ingest (if they still exist).
PARSER_VERSION = 4  # 2: agent_progress copies; values checked; 3: entrypoint; 4: raw_progress

#: Bumped when the table layout changes (see ``store.migrate``).
SCHEMA_VERSION = 9  # 5: machine (files, sessions, responses); entrypoint; 6: raw_progress;
# 7: tool_calls a mart (a table built with the others) instead of a view; 8: a session with
# responses and no message has a sessions row and activity blocks (the marts are rebuilt);
# 9: responses.dedupe_key stored uncompressed (the table made again and rebuilt)

#: A gap longer than this (seconds) between two events starts a new activity block.
ACTIVE_GAP_SECONDS = 600

#: The demo corpus and database that ``make demo`` writes and notebooks default to.
DEMO_CORPUS = PROJECT_DIR / "data" / "demo-corpus"
DEMO_DB = PROJECT_DIR / "data" / "demo.duckdb"


def sql_path(name: str) -> Path:
    """``<layer>/sql/<name>.sql``: each layer keeps the SQL it runs beside its code."""
    for layer in ("core", "ingest", "models", "query"):
        path = PACKAGE_DIR / layer / "sql" / f"{name}.sql"
        if path.is_file():
            return path
    raise FileNotFoundError(f"no named query {name!r} in {PACKAGE_DIR}/*/sql/")


#: DuckDB's memory while it ingests (``SET memory_limit``): past it, DuckDB evicts the pages
#: it has written and spills what it works on, so a cold ingest of any size peaks near it
#: instead of holding the archive (its default is 80% of the machine's memory).
#: ``$WORKBENCH_MEMORY_LIMIT`` (a DuckDB size such as ``2GB``) sets another. The process holds
#: ~100-250 MB beyond it (at 768 MB the cold ingest of 1 GB peaked at 866-1,037 MB).
INGEST_MEMORY_LIMIT = "640MB"


def ingest_memory_limit() -> str:
    """The memory limit of an ingest: ``$WORKBENCH_MEMORY_LIMIT``, else the default."""
    return os.environ.get("WORKBENCH_MEMORY_LIMIT") or INGEST_MEMORY_LIMIT


def default_db() -> Path:
    """``$WORKBENCH_DB``, else ``$XDG_DATA_HOME/workbench/workbench.duckdb``."""
    env = os.environ.get("WORKBENCH_DB")
    if env:
        return Path(env).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "workbench" / "workbench.duckdb"


def default_user() -> str:
    """The OS user name, used when a transcript's owner cannot be read from its path."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry in some containers
        return os.environ.get("USER", "unknown")


#: What a machine name may be: it qualifies session ids on a team hub (``machine:id``).
MACHINE_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}"


def default_machine() -> str:
    """``$WORKBENCH_MACHINE``, else this host's name (up to its first dot)."""
    import socket

    name = os.environ.get("WORKBENCH_MACHINE") or socket.gethostname().split(".")[0]
    return name or "localhost"


def check_machine(name: str) -> str:
    """``name`` if it is a valid machine name, else ValueError saying what is allowed."""
    import re

    if not re.fullmatch(MACHINE_NAME, name or ""):
        raise ValueError(
            f"invalid machine name {name!r}: use letters, digits, '.', '_' or '-' "
            "(at most 63, starting with a letter or digit)"
        )
    return name


#: The folders ``workbench ingest`` scans without a PATH, as documented (``~`` is $HOME).
DEFAULT_ROOTS = (
    "$CLAUDE_CONFIG_DIR/projects (each of a comma list)",
    "~/.config/claude/projects",
    "~/.claude/projects",
    "$CODEX_HOME/sessions (default ~/.codex/sessions)",
    "$CODEX_HOME/archived_sessions (default ~/.codex/archived_sessions)",
    "~/.gemini/tmp",
)


def candidate_roots() -> list[Path]:
    """The folders of :data:`DEFAULT_ROOTS` on this machine, whether they exist or not."""
    home = Path.home()
    candidates: list[Path] = []
    for env in os.environ.get("CLAUDE_CONFIG_DIR", "").split(","):
        if env.strip():
            candidates.append(Path(env.strip()).expanduser() / "projects")
    candidates += [home / ".config" / "claude" / "projects", home / ".claude" / "projects"]
    codex_home = Path(os.environ.get("CODEX_HOME") or home / ".codex").expanduser()
    candidates += [codex_home / "sessions", codex_home / "archived_sessions"]
    candidates.append(home / ".gemini" / "tmp")
    return candidates


def default_roots() -> list[Path]:
    """Transcript folders of this machine that exist (Claude Code, Codex CLI, Gemini CLI)."""
    seen: list[Path] = []
    for c in candidate_roots():
        if c.is_dir() and c not in seen:
            seen.append(c)
    return seen


def local_timezone() -> str:
    """The machine's IANA time zone name (``$TZ``, ``/etc/localtime``), else ``UTC``."""
    from zoneinfo import ZoneInfo

    def valid(name: str) -> bool:
        try:
            ZoneInfo(name)
            return True
        except Exception:  # noqa: BLE001
            return False

    tz = os.environ.get("TZ", "").lstrip(":")
    if tz and valid(tz):
        return tz
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            name = target.split("zoneinfo/", 1)[1]
            if valid(name):
                return name
    except OSError:
        pass
    try:
        name = Path("/etc/timezone").read_text().strip()
        if name and valid(name):
            return name
    except OSError:
        pass
    return "UTC"


#: Token counts above this (per field of one usage report) are refused as bad values: no API
#: response comes near it, and sums of such values cannot overflow 64 bits.
MAX_TOKENS = 10**12

#: Timestamps outside [MIN_YEAR, MAX_YEAR) are refused as bad values (stored as NULL).
MIN_YEAR, MAX_YEAR = 2000, 2100
