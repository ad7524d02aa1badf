"""Reading a Parquet lake (``workbench export --parquet DIR``) with Spark: ``--db
spark://local[*]?path=DIR`` (local mode with every core; ``local[4]``, or a cluster's
``spark://host:7077?path=DIR``).

The read queries are the same SQL as on DuckDB: each is parsed as DuckDB SQL by sqlglot (which
Ibis compiles with) and written out as Spark SQL, with the few functions Spark spells otherwise
rewritten here (:func:`_spark_functions`). pyspark is an optional extra (``pip install
'workbench[spark]'``), imported only when a ``spark://`` URL is used; Java comes from the OS.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from workbench.core import config
from workbench.core.engines import LAKE_MANIFEST, MART_TABLES
from workbench.core.store import DatabaseMissing, WorkbenchError
from workbench.query.db import Dialect, Reader

_SESSIONS: dict[str, object] = {}  # one SparkSession per master in a process


def parse(url: str) -> tuple[str, Path]:
    """``(master, lake folder)`` of ``spark://MASTER?path=DIR``."""
    rest = url[len("spark://") :]
    master, _, query = rest.partition("?")
    path = parse_qs(query).get("path", [None])[0]
    if not path:
        raise WorkbenchError(f"{url}: name the lake with ?path=DIR (spark://local[*]?path=DIR)")
    if not master.startswith("local"):
        master = "spark://" + urlsplit("spark://" + master).netloc
    return master, Path(path).expanduser()


class SparkDialect(Dialect):
    """Spark's week starts at 1 = Sunday (DuckDB's at 0); the rest goes through sqlglot."""

    name = "spark"
    star_exclude = False  # Apache Spark SQL has no * EXCEPT (sqlglot writes one): list them

    def weekday_hour(self, ts: str, tz: str) -> tuple[str, str]:
        day, hour = super().weekday_hour(ts, tz)
        return f"({day} + 6) % 7", hour  # Spark's dayofweek is DuckDB's + 1


def session(master: str):
    """The process's SparkSession for ``master`` (started once; UTC; no UI)."""
    if master in _SESSIONS:
        return _SESSIONS[master]
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise WorkbenchError(
            "reading a lake with Spark needs pyspark: pip install 'workbench[spark]'"
        ) from None
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise WorkbenchError(
            "Spark needs Java 17 or newer: install a JRE (Debian: openjdk-17-jre-headless)"
        )
    os.environ.setdefault("PYSPARK_PYTHON", "python3")
    spark = (
        SparkSession.builder.master(master)
        .appName("workbench")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", str(max(2, os.cpu_count() or 2)))
        .config("spark.sql.ansi.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("FATAL")  # errors reach the user as one line
    _SESSIONS[master] = spark
    return spark


def open_lake(url: str) -> Reader:
    """A read connection to the Parquet lake named by ``url``."""
    master, path = parse(url)
    manifest = path / LAKE_MANIFEST
    if not manifest.exists():
        raise DatabaseMissing(
            f"no lake at {path}: write one with `workbench export --parquet {path}`"
        )
    version = json.loads(manifest.read_text()).get("schema_version")
    if version != config.SCHEMA_VERSION:
        raise WorkbenchError(
            f"the lake at {path} has schema {version}, this workbench reads "
            f"{config.SCHEMA_VERSION}: export it again with this version"
        )
    spark = session(master)
    for table in MART_TABLES:
        folder = path / table
        if folder.exists():
            spark.read.option("basePath", str(folder)).parquet(str(folder)).drop(
                "day"
            ).createOrReplaceTempView(table)
    spark.sql(
        f"SELECT 'schema_version' AS key, '{config.SCHEMA_VERSION}' AS value"
    ).createOrReplaceTempView("meta")
    return SparkReader(SparkConnection(spark), None, SparkDialect())


class SparkReader(Reader):
    def catalog(self, relation: str) -> list[str]:
        return self.con.spark.table(relation).columns


class SparkConnection:
    """What Reader needs of a connection: ``execute(sql)`` giving a cursor."""

    def __init__(self, spark) -> None:
        self.spark = spark

    def execute(self, sql: str) -> _Cursor:
        df = self.spark.sql(to_spark(sql))
        return _Cursor([f.name for f in df.schema.fields], df.collect())

    def close(self) -> None:
        pass  # the session serves the rest of the process


class _Cursor:
    def __init__(self, names: list[str], rows: list) -> None:
        self.description = [(n,) for n in names]
        self._rows = [tuple(_python(v) for v in r) for r in rows]

    def fetchall(self) -> list[tuple]:
        return self._rows

    def fetchone(self) -> tuple | None:
        return self._rows[0] if self._rows else None


def _python(value):
    """A Spark value as DuckDB returns it: aware UTC datetimes, dicts for structs, int or float
    for decimals."""
    from pyspark.sql import Row

    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Row):
        return {k: _python(v) for k, v in value.asDict().items()}
    if isinstance(value, list):
        return [_python(v) for v in value]
    return value


def to_spark(sql: str) -> str:
    """DuckDB SQL of the read layer as Spark SQL."""
    import sqlglot

    tree = sqlglot.parse_one(sql, read="duckdb")
    return tree.transform(_spark_functions).sql(dialect="spark")


def _spark_functions(node):
    """The functions Spark spells otherwise (an expression tree transform)."""
    from sqlglot import exp

    if isinstance(node, exp.TimeToUnix):  # DuckDB epoch(ts): seconds with their fraction
        return exp.Div(
            this=exp.Anonymous(this="unix_micros", expressions=[node.this]),
            expression=exp.Literal.number("1000000.0"),
        )
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        args = node.expressions
        if name == "epoch_us":
            return exp.Anonymous(this="unix_micros", expressions=args)
        if name == "timezone":  # timezone(zone, ts): the wall-clock time in zone
            return exp.Anonymous(this="from_utc_timestamp", expressions=[args[1], args[0]])
    if isinstance(node, exp.WithinGroup) and isinstance(node.this, exp.PercentileCont):
        # percentile_cont(p) WITHIN GROUP (ORDER BY x): Spark's exact percentile (sqlglot
        # would write the approximate one)
        value = node.expression.expressions[0].this
        return exp.Anonymous(this="percentile", expressions=[value, node.this.this])
    agg, where = (node.this, node.expression.this) if isinstance(node, exp.Filter) else (node, None)
    if isinstance(agg, exp.ArrayAgg) and isinstance(agg.this, exp.Order):
        inner = agg.this.this
        if isinstance(inner, exp.Distinct):  # array_agg(DISTINCT x ORDER BY x) FILTER (...)
            value = inner.expressions[0]
            if where is not None:  # collect_set skips NULLs: the filter as a CASE
                value = exp.Case(ifs=[exp.If(this=where, true=value)])
            return exp.Anonymous(
                this="sort_array",
                expressions=[exp.Anonymous(this="collect_set", expressions=[value])],
            )
    return node
