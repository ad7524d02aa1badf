"""Schema versions: an older database is upgraded by the next ingest, a newer one is refused."""

from __future__ import annotations

import duckdb
import pytest
from conftest import DATA, one, rows

from workbench.core import config, store
from workbench.ingest.load import ingest
from workbench.query import tables

SOURCES = [DATA / "claude" / "projects", DATA / "codex" / "sessions", DATA / "gemini" / "tmp"]
RESPONSES = """SELECT session_id, dedupe_key, line_no, input_tokens, output_tokens,
    cache_creation_tokens, cache_5m_tokens, cache_1h_tokens, cache_read_tokens,
    reasoning_tokens, total_tokens FROM api_responses ORDER BY ALL"""
USAGE = "SELECT * FROM usage_lines ORDER BY ALL"


def _as_schema_2(path) -> None:
    """Rewrite a current database in the layout of schema 2: usage_lines and api_responses were
    tables, and usage_lines held Claude Code's usage lines too."""
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        """
        CREATE TABLE old_usage AS SELECT * FROM usage_lines;
        CREATE TABLE old_responses AS SELECT * FROM api_responses;
        DROP VIEW api_responses;
        DROP VIEW usage_lines;
        DROP TABLE usage_events;
        DROP TABLE response_keys;
        ALTER TABLE old_usage RENAME TO usage_lines;
        ALTER TABLE old_responses RENAME TO api_responses;
        UPDATE meta SET value = '2' WHERE key = 'schema_version';
        """
    )
    con.close()


def test_a_schema_2_database_is_upgraded_by_the_next_ingest(tmp_path):
    db = tmp_path / "wb.duckdb"
    ingest(SOURCES, db, user="ana", progress=False)
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        responses, usage = rows(con, RESPONSES), rows(con, USAGE)
        agents = {a for (a,) in rows(con, "SELECT DISTINCT agent FROM files")}
    assert agents == {"claude", "codex", "gemini"} and len(responses) > 10
    _as_schema_2(db)

    with pytest.raises(store.WorkbenchError, match="older workbench"):
        tables.connect(db)
    summary = ingest(SOURCES, db, user="ana", progress=False)
    assert summary.files_unchanged == summary.files  # nothing re-read: only the layout changed

    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        assert one(con, "SELECT value FROM meta WHERE key = 'schema_version'") == (
            str(config.SCHEMA_VERSION),
        )
        assert rows(con, RESPONSES) == responses
        assert rows(con, USAGE) == usage
        # Claude Code's usage lines now come from its messages only
        assert one(
            con,
            "SELECT count(*) FROM usage_events JOIN files USING (file_id) WHERE agent = 'claude'",
        ) == (0,)
        assert one(con, "SELECT count(*) FROM usage_events") > (0,)


def test_an_interrupted_upgrade_leaves_the_old_layout(tmp_path, monkeypatch):
    db = tmp_path / "wb.duckdb"
    ingest(SOURCES, db, user="ana", progress=False)
    _as_schema_2(db)

    def broken(name: str) -> str:
        raise KeyboardInterrupt  # after the usage table was renamed, before the new views

    monkeypatch.setattr(store, "sql_text", broken)
    with pytest.raises(KeyboardInterrupt):
        ingest(SOURCES, db, user="ana", progress=False)
    monkeypatch.undo()
    with duckdb.connect(str(db), read_only=True) as con:
        assert one(con, "SELECT value FROM meta WHERE key = 'schema_version'") == ("2",)
        assert one(
            con, "SELECT table_type FROM information_schema.tables WHERE table_name = 'usage_lines'"
        ) == ("BASE TABLE",)
    ingest(SOURCES, db, user="ana", progress=False)
    with duckdb.connect(str(db), read_only=True) as con:
        assert one(con, "SELECT value FROM meta WHERE key = 'schema_version'") == (
            str(config.SCHEMA_VERSION),
        )


def test_a_newer_schema_is_refused(tmp_path):
    db = tmp_path / "wb.duckdb"
    ingest([DATA / "claude" / "projects"], db, user="ana", progress=False)
    with duckdb.connect(str(db)) as con:
        con.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'",
            [str(config.SCHEMA_VERSION + 1)],
        )
    with pytest.raises(store.WorkbenchError, match="newer workbench"):
        ingest([DATA / "claude" / "projects"], db, user="ana", progress=False)
    with pytest.raises(store.WorkbenchError, match="unsupported workbench schema"):
        tables.connect(db)


def test_the_notebooks_upgrade_an_old_demo_database_but_not_a_given_one(tmp_path, monkeypatch):
    from workbench.frontends import notebook

    monkeypatch.setattr(config, "DEMO_DB", tmp_path / "demo.duckdb")
    monkeypatch.setattr(config, "DEMO_CORPUS", tmp_path / "demo-corpus")
    ctx = notebook.context(charts_setup=False)  # generated on first use
    tokens = ctx.con.raw_sql("SELECT sum(total_tokens) FROM api_responses").fetchone()
    ctx.con.disconnect()
    _as_schema_2(config.DEMO_DB)

    with pytest.raises(store.SchemaTooOld, match="run `workbench ingest"):
        notebook.context(str(config.DEMO_DB), charts_setup=False)
    ctx = notebook.context(charts_setup=False)
    assert ctx.con.raw_sql("SELECT sum(total_tokens) FROM api_responses").fetchone() == tokens
    assert ctx.con.raw_sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
        str(config.SCHEMA_VERSION),
    )
    ctx.con.disconnect()
