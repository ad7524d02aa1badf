"""``workbench push``: send this database's sessions to a team hub on PostgreSQL.

Incremental by session: each session has a fingerprint (its sessions row and the state of its
files); the hub remembers the fingerprint it last received from each machine's sessions
(``pushed_sessions``), so a push sends the sessions whose fingerprint changed and removes those
that are gone, in batches of one transaction each. A push that is killed leaves whole batches;
the next one sends the rest, so totals stay exact. Text leaves the machine redacted unless
``redact=False``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from workbench.core import config, store
from workbench.core.engines import mask
from workbench.hub import layout, schema

#: Sessions per batch are cut when their messages pass this many (one transaction each).
BATCH_MESSAGES = 100_000
#: Rows fetched from DuckDB at a time while a table's rows are copied to the hub.
FETCH_ROWS = 10_000

_FINGERPRINTS = """
SELECT s.session_id, s.machine,
    md5(CAST(s AS VARCHAR) || coalesce(f.state, '')) AS fingerprint,
    s.messages + 1 AS weight
FROM sessions s
LEFT JOIN (
    SELECT r.session_id, string_agg(x.file_id || ':' || x.bytes_consumed || ':'
        || coalesce(x.tail_hash, '') || ':' || x.missing, ',' ORDER BY x.file_id) AS state
    FROM file_roles r JOIN files x USING (file_id)
    GROUP BY r.session_id
) f USING (session_id)
"""


@dataclass
class PushSummary:
    hub: str
    machines: list[str] = field(default_factory=list)
    sessions: int = 0  # local sessions
    pushed: int = 0  # sent (new or changed)
    removed: int = 0  # on the hub, gone here
    unchanged: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {
            "hub": self.hub,
            "machines": self.machines,
            "sessions": self.sessions,
            "sessions_pushed": self.pushed,
            "sessions_removed": self.removed,
            "sessions_unchanged": self.unchanged,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
        }


def push(
    db: str | os.PathLike | None,
    url: str,
    *,
    redact: bool = True,
    progress: bool | None = None,
    batch_messages: int = BATCH_MESSAGES,
) -> PushSummary:
    """Push the sessions of the database ``db`` that the hub at ``url`` lacks or holds in an
    older state; remove the hub's copies of sessions this database no longer has."""
    started = time.perf_counter()
    summary = PushSummary(hub=mask(url))
    path = Path(db).expanduser() if db else config.default_db()
    local = store.open_db(path, read_only=True)
    local.execute("SET enable_progress_bar = false")
    try:
        with schema.connect(url) as hub:
            schema.ensure(hub, url)
            cols = layout.columns(local)
            _push(local, hub, cols, summary, redact, progress, batch_messages)
    finally:
        local.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _push(local, hub, cols, summary, redact, progress, batch_messages) -> None:
    started = time.perf_counter()
    mine = local.execute(_FINGERPRINTS).fetchall()
    machines = sorted({m for _s, m, _f, _w in mine})
    summary.machines, summary.sessions = machines, len(mine)
    held = {
        (m, s): f
        for m, s, f in hub.execute(
            "SELECT machine, session_id, fingerprint FROM pushed_sessions WHERE machine = ANY(%s)",
            (machines,),
        ).fetchall()
    }
    todo = [(s, m, f, w) for s, m, f, w in mine if held.get((m, s)) != f]
    gone = sorted(set(held) - {(m, s) for s, m, _f, _w in mine})
    summary.unchanged = len(mine) - len(todo)
    if not todo and not gone:
        return
    batches = list(_batches(todo, batch_messages))
    bar = _bar(progress, len(todo))
    try:
        if gone:
            with hub.transaction():
                _lock(hub, machines)
                _delete(hub, [f"{m}:{s}" for m, s in gone])
            summary.removed = len(gone)
        for batch in batches:
            _send(local, hub, cols, batch, redact, summary)
            summary.pushed += len(batch)
            if bar:
                bar.update(len(batch))
        with hub.transaction():
            hub.execute(
                "INSERT INTO pushes VALUES (%s, now(), %s, %s, %s, %s, current_user)",
                (
                    ",".join(machines),
                    summary.pushed,
                    summary.removed,
                    sum(summary.rows.values()),
                    time.perf_counter() - started,
                ),
            )
    finally:
        if bar:
            bar.close()


def _batches(todo: list, limit: int) -> Iterator[list]:
    batch, weight = [], 0
    for row in todo:
        batch.append(row)
        weight += row[3]
        if weight >= limit:
            yield batch
            batch, weight = [], 0
    if batch:
        yield batch


def _send(local, hub, cols, batch, redact: bool, summary: PushSummary) -> None:
    """One batch of sessions in one hub transaction: their old rows out, the new ones in."""
    store.temp_table(
        local, "push_batch", [("session_id", "VARCHAR")], [[s] for s, _m, _f, _w in batch]
    )
    qualified = [f"{m}:{s}" for s, m, _f, _w in batch]
    with hub.transaction():
        _lock(hub, sorted({m for _s, m, _f, _w in batch}))
        _delete(hub, qualified)
        cur = hub.cursor()
        for table in layout.TABLES:
            n = _copy(local, cur, table, cols[table.name], redact)
            summary.rows[table.name] = summary.rows.get(table.name, 0) + n
        with cur.copy(
            "COPY pushed_sessions (machine, session_id, fingerprint, pushed_at) FROM STDIN"
        ) as cp:
            now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
            for s, m, f, _w in batch:
                cp.write_row((m, s, f, now))
    local.execute("DROP TABLE push_batch")


def _copy(local, cur, table: layout.HubTable, cols: list, redact: bool) -> int:
    """A table's rows of the batch, read as text and written into the hub's table by COPY;
    text redacted here, in Python (a Python function called by DuckDB would make it import
    pandas and NumPy first: ~0.6 s of every push)."""
    fixes = layout.redactions(table, cols) if redact else []
    result = local.execute(layout.select(table, cols, False, batch="push_batch", text=True))
    names = ", ".join(f'"{c.name}"' for c in cols)
    n = 0
    with cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as cp:
        while rows := result.fetchmany(FETCH_ROWS):
            for row in rows:
                if fixes:
                    row = list(row)
                    for i, fix in fixes:
                        row[i] = fix(row[i])
                cp.write_row(row)
            n += len(rows)
    return n


def _delete(hub, qualified: list[str]) -> None:
    for table in layout.TABLES:
        hub.execute(f"DELETE FROM {table.name} WHERE session_id = ANY(%s)", (qualified,))
    hub.execute(
        "DELETE FROM pushed_sessions WHERE (machine || ':' || session_id) = ANY(%s)", (qualified,)
    )


def _lock(hub, machines: list[str]) -> None:
    """One pusher per machine at a time (a transaction-scoped advisory lock)."""
    for m in machines:
        hub.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ("workbench:" + m,))


def _bar(progress: bool | None, total: int):
    show = sys.stderr.isatty() if progress is None else progress
    if not show or not total:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="session", desc="push", file=sys.stderr, leave=False)
