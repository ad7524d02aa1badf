"""Shared fixtures: a copy of the hand-written transcripts and a database ingested from it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from workbench.ingest.load import ingest

DATA = Path(__file__).parent / "data"
SHARED_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
S1 = "11111111-1111-4111-8111-111111111111"
S2 = "22222222-2222-4222-8222-222222222222"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of tests/data/claude/projects."""
    dest = tmp_path / "projects"
    shutil.copytree(DATA / "claude" / "projects", dest)
    return dest


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "wb.duckdb"


@pytest.fixture
def ingested(corpus: Path, db_path: Path) -> Path:
    """The database after one ingest of the corpus (user 'ana')."""
    ingest([corpus], db_path, user="ana", progress=False)
    return db_path


@pytest.fixture
def con(ingested: Path):
    c = duckdb.connect(str(ingested), read_only=True)
    c.execute("SET TimeZone = 'UTC'")
    yield c
    c.close()


def rows(con, sql: str, params=None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def one(con, sql: str, params=None):
    return con.execute(sql, params or []).fetchone()


@pytest.fixture(scope="session")
def pg():
    """A real PostgreSQL server for the session (tests/pg_server.py): fresh databases from
    ``pg.new_database()``, URLs from ``pg.url(role, db)``."""
    from pg_server import PgServer

    server = PgServer().start()
    yield server
    server.stop()
