"""``workbench export --parquet DIR``: the marts as a Parquet lake, one folder per table and
one partition per UTC day (``DIR/<table>/day=YYYY-MM-DD/``), the interchange format DuckDB,
Spark and every warehouse read.

Incremental and idempotent: each day of each table has a fingerprint (its row count and an
order-free hash of its rows) kept in ``DIR/_workbench_export.json``; an export rewrites only the
days whose fingerprint changed and removes days that are gone, so a second export of an
unchanged database writes nothing. Text is redacted unless ``redact=False``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from workbench.core import config, engines, store
from workbench.hub import layout

MANIFEST = engines.LAKE_MANIFEST
_ALL = "(SELECT session_id FROM sessions)"


@dataclass
class ExportSummary:
    out: str
    tables: dict[str, dict] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {"out": self.out, "tables": self.tables, "seconds": round(self.seconds, 3)}

    @property
    def days_written(self) -> int:
        return sum(t["days_written"] for t in self.tables.values())


def export(db, out: str | os.PathLike, *, redact: bool = True) -> ExportSummary:
    """Bring the Parquet lake at ``out`` up to date with the database ``db``."""
    started = time.perf_counter()
    out = Path(out).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    summary = ExportSummary(out=str(out))
    manifest_path = out / MANIFEST
    old = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    if old.get("schema_version") != config.SCHEMA_VERSION:
        old = {}  # another layout: every day is written again
    path = Path(db).expanduser() if db else config.default_db()
    con = store.open_db(path, read_only=True)
    con.execute("SET enable_progress_bar = false")
    try:
        installed = False  # the redaction functions: only when a day is written
        cols = layout.columns(con)
        new_tables = {}
        for table in layout.TABLES:
            source = table.source.format(batch=_ALL)
            found = {
                day: [n, str(h)]
                for day, n, h in con.execute(
                    f"SELECT {table.day_sql} AS day, count(*), bit_xor(hash(src)) "
                    f"FROM ({source}) src GROUP BY day"
                ).fetchall()
            }
            before = old.get("tables", {}).get(table.name, {})
            changed = sorted(d for d, fp in found.items() if before.get(d) != fp)
            gone = sorted(set(before) - set(found))
            if changed:
                if redact and not installed:
                    layout.install_redaction(con)  # (DuckDB imports NumPy for them: ~0.1 s)
                    installed = True
                _write(con, table, cols[table.name], changed, out / table.name, redact)
            for day in gone:
                shutil.rmtree(out / table.name / f"day={day}", ignore_errors=True)
            new_tables[table.name] = found
            summary.tables[table.name] = {
                "days": len(found),
                "rows": sum(n for n, _h in found.values()),
                "days_written": len(changed),
                "days_removed": len(gone),
            }
            # the manifest after each table: an interrupted export redoes only what is left
            _save(manifest_path, {**old, "tables": {**old.get("tables", {}), **new_tables}})
        _save(manifest_path, {"schema_version": config.SCHEMA_VERSION, "tables": new_tables})
    finally:
        con.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _write(con, table, cols, days: list[str], folder: Path, redact: bool) -> None:
    """The rows of ``days`` into ``folder/day=<day>/``, each day's folder replaced whole."""
    folder.mkdir(parents=True, exist_ok=True)
    select = layout.select(table, cols, redact, batch=_ALL, hub=False, days=days)
    with tempfile.TemporaryDirectory(prefix=".staging-", dir=folder) as tmp:
        con.execute(
            f"COPY ({select}) TO {store.literal(tmp + '/out')} (FORMAT parquet, PARTITION_BY (day))"
        )
        for day in days:
            staged = Path(tmp) / "out" / f"day={day}"
            target = folder / f"day={day}"
            trash = Path(tmp) / f"old-{day}"
            if target.exists():
                target.rename(trash)
            if staged.exists():
                staged.rename(target)


def _save(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, sort_keys=True))
    os.replace(tmp, path)
