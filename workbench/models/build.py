"""Build the marts from the raw tables: for the files an ingest touched, or all of them.

The steps are the SQL files ``models/sql/build_*.sql``, run in order; each names its inputs and
outputs in its header. They work on the sessions and response keys that the changed files
touch (``build_scope.sql``), so an ingest costs what changed; a full build (a migration, a new
price table) runs the same steps over every file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from workbench.core import config, store
from workbench.core.duck import duckdb
from workbench.core.queries import sql_text

#: The build steps, in order (``models/sql/<step>.sql``).
STEPS = (
    "build_scope",
    "build_keys",
    "build_responses",
    "build_files",
    "build_file_roles",
    "build_tool_calls",
    "build_inputs",
    "build_tool_errors",
    "build_retry_loops",
    "build_sessions",
    "build_activity",
    "build_totals",
)
#: Steps that find files (a temp table of file ids, named here) which the later steps read
#: as a literal list, the placeholder of the same name in braces.
FILE_LISTS = {"build_keys": "key_files", "build_files": "build_files"}
#: The marts, emptied before a full build.
MARTS = (
    "file_roles",
    "shadowed_messages",
    "tool_calls",
    "responses",
    "tool_errors",
    "retry_loops",
    "sessions",
    "activity_blocks",
)
#: The most sessions a build materialises the sessions mart's steps for (``{materialized}``
#: in build_sessions.sql): faster for a few, more memory for many.
MATERIALIZE_UP_TO = 64
#: meta keys the builder keeps.
PRICES_KEY = "prices_fingerprint"
REBUILD_ALL_KEY = "rebuild_all"  # "1": the next ingest builds every mart from scratch


def queue(con: duckdb.DuckDBPyConnection, file_ids: Sequence[int]) -> None:
    """Note files whose marts must be rebuilt, in the caller's transaction (with their rows),
    so an ingest killed before its build leaves the work for the next one, visibly."""
    if file_ids:
        con.execute(
            "INSERT INTO build_queue SELECT unnest(" + store.int_list(sorted(set(file_ids))) + ")"
        )


def pending(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the marts are behind the raw tables (queued files, or a full build due)."""
    if store.get_meta(con, REBUILD_ALL_KEY) == "1":
        return True
    return bool(con.execute("SELECT count(*) FROM build_queue").fetchone()[0])


def refresh(con: duckdb.DuckDBPyConnection, *, in_transaction: bool = False) -> None:
    """Rebuild the marts for the queued files (everything when a full build is due or the
    price table changed), in one transaction with emptying the queue: its own, or with
    ``in_transaction`` the caller's open one (the loader's last batch: one commit, not two),
    which it commits, or rolls back on error."""
    from workbench.models import friction, pricing  # only when there is work to do

    prices = config.prices_fingerprint()
    rebuild_all, priced = store.get_meta(con, REBUILD_ALL_KEY), store.get_meta(con, PRICES_KEY)
    full = rebuild_all == "1" or priced != prices
    friction.install(con)
    con.execute(f"SET VARIABLE active_gap = {float(config.ACTIVE_GAP_SECONDS)}")
    if not in_transaction:
        con.execute("BEGIN TRANSACTION")
    try:
        if full:
            for table in MARTS:
                con.execute(f"DELETE FROM {table}")
            con.execute("CREATE OR REPLACE TEMP TABLE changed_files AS SELECT file_id FROM files")
        else:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE changed_files AS "
                "SELECT DISTINCT file_id FROM build_queue"
            )
        # the files of the build's sessions and of its response keys: every file for a full
        # build, else the ids once a step has found them (_file_list)
        lists: dict[str, str] = {}
        for name in FILE_LISTS.values():
            lists.update(_file_list(name, None))
        relation = "VIEW" if full else "TABLE"
        for step in STEPS:
            if step == "build_responses":
                pricing.install(con, lists["{key_files}"])
            sql = _step_sql(step, friction).replace("{relation}", relation)
            if step == "build_sessions":
                sql = sql.replace("{materialized}", _materialized(con, full))
            for name, ids in lists.items():
                sql = sql.replace(name, ids)
            con.execute(sql)
            if step in FILE_LISTS and not full:
                name = FILE_LISTS[step]
                ids = [i for (i,) in con.execute(f"SELECT file_id FROM {name}").fetchall()]
                lists.update(_file_list(name, ids))
        con.execute("DELETE FROM build_queue")
        # (written only when they change: an unchanged meta table is not rewritten at the commit)
        if rebuild_all != "0":
            store.set_meta(con, REBUILD_ALL_KEY, "0")
        if priced != prices:
            store.set_meta(con, PRICES_KEY, prices)
        con.execute("COMMIT")
    except BaseException:
        # an interrupted statement may leave the rollback itself to fail: the original error
        # (a Ctrl-C, say) is what the caller must see
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    finally:
        with contextlib.suppress(duckdb.Error):  # temp tables: gone with the connection anyway
            for temp in (
                "changed_files",
                "build_sessions",
                "build_files",
                "build_keys",
                "key_files",
            ):
                con.execute(f"DROP TABLE IF EXISTS {temp}")
            for temp in ("build_messages", "build_calls", "build_silent"):
                con.execute(f"DROP {'VIEW' if full else 'TABLE'} IF EXISTS {temp}")


def _materialized(con: duckdb.DuckDBPyConnection, full: bool) -> str:
    """``{materialized}`` of build_sessions.sql: MATERIALIZED for a build of a few sessions."""
    if full:
        return ""
    (n,) = con.execute("SELECT count(*) FROM build_sessions").fetchone()
    return "MATERIALIZED" if n <= MATERIALIZE_UP_TO else ""


def _file_list(name: str, ids: list[int] | None) -> dict[str, str]:
    """The placeholders of the file list ``name`` (a temp table of file ids, ``FILE_LISTS``):
    ``{name}``, an IN list (a scan skips the row groups of the other files), and
    ``{in_name}``, the same as a condition on file_id, which DuckDB tests before it reads a
    row's other columns (after an IN list it reads them for every row of the row groups it
    keeps). ``ids`` None: every file (a full build)."""
    if ids is None:
        return {"{" + name + "}": "(SELECT file_id FROM files)", "{in_" + name + "}": "true"}
    csv = ", ".join(str(int(i)) for i in ids or [-1])
    return {"{" + name + "}": f"({csv})", "{in_" + name + "}": f"list_contains([{csv}], file_id)"}


def _step_sql(step: str, friction) -> str:
    text = sql_text(step)
    if step == "build_tool_errors":
        text = (
            text.replace("{rule_case}", friction.rule_case())
            .replace("{probe_head}", str(friction.PROBE_HEAD))
            .replace("{probe_tail}", str(friction.PROBE_TAIL))
        )
    return text
