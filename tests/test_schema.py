"""Schema versions: an older database is upgraded by the next ingest, a newer one is refused."""

from __future__ import annotations

import duckdb
import pytest
from conftest import DATA, one, rows

from workbench.core import config, store
from workbench.ingest.load import ingest
from workbench.query.db import open_reader

SOURCES = [DATA / "claude" / "projects", DATA / "codex" / "sessions", DATA / "gemini" / "tmp"]
RESPONSES = """SELECT session_id, dedupe_key, line_no, input_tokens, output_tokens,
    cache_creation_tokens, cache_5m_tokens, cache_1h_tokens, cache_read_tokens,
    reasoning_tokens, total_tokens, cost_usd FROM responses ORDER BY ALL"""
SESSIONS = """SELECT session_id, messages, tool_calls, tool_errors, own_total_tokens,
    total_total_tokens, outcome, health_score FROM sessions ORDER BY ALL"""
USAGE = "SELECT * EXCLUDE (parent_session_id) FROM usage_lines ORDER BY ALL"


def _as_schema_3(path) -> None:
    """Rewrite a current database in the layout of schema 3: raw tables without the raw_
    prefix, no response key column, no marts but an older sessions table and response_keys."""
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        """
        DROP VIEW messages; DROP TABLE tool_calls; DROP VIEW usage_lines;
        ALTER TABLE raw_messages RENAME TO messages;
        ALTER TABLE raw_tool_uses RENAME TO tool_uses;
        ALTER TABLE raw_tool_results RENAME TO tool_results;
        ALTER TABLE messages DROP COLUMN dedupe_key;
        ALTER TABLE messages DROP COLUMN entrypoint;
        ALTER TABLE usage_events DROP COLUMN parent_session_id;
        DROP TABLE responses; DROP TABLE file_roles; DROP TABLE shadowed_messages;
        DROP TABLE activity_blocks; DROP TABLE build_queue;
        CREATE TABLE response_keys (file_id INTEGER, line_no BIGINT, key_md5 UHUGEINT);
        UPDATE meta SET value = '3' WHERE key = 'schema_version';
        """
    )
    con.close()


def test_a_schema_3_database_is_upgraded_by_the_next_ingest(tmp_path):
    db = tmp_path / "wb.duckdb"
    ingest(SOURCES, db, user="ana", progress=False)
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        responses, sessions = rows(con, RESPONSES), rows(con, SESSIONS)
        usage = rows(con, USAGE)
        agents = {a for (a,) in rows(con, "SELECT DISTINCT agent FROM files")}
    assert agents == {"claude", "codex", "gemini"} and len(responses) > 10
    _as_schema_3(db)

    with pytest.raises(store.WorkbenchError, match="older workbench"):
        open_reader(db)
    summary = ingest(SOURCES, db, user="ana", progress=False)
    assert summary.files_unchanged == summary.files  # nothing re-read: only the layout changed

    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        assert one(con, "SELECT value FROM meta WHERE key = 'schema_version'") == (
            str(config.SCHEMA_VERSION),
        )
        assert rows(con, RESPONSES) == responses
        assert rows(con, SESSIONS) == sessions
        assert rows(con, USAGE) == usage


CALLS = "SELECT * FROM tool_calls ORDER BY ALL"


def test_a_schema_6_database_gets_its_tool_calls_mart_without_reading_a_file(tmp_path):
    db = tmp_path / "wb.duckdb"
    ingest(SOURCES, db, user="ana", progress=False)
    with duckdb.connect(str(db)) as con:
        calls = rows(con, CALLS)
        # schema 6: tool_calls was a view over the raw tables
        con.execute("DROP TABLE tool_calls")
        con.execute("CREATE VIEW tool_calls AS SELECT * FROM raw_tool_uses")
        con.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    assert len(calls) > 10

    summary = ingest(SOURCES, db, user="ana", progress=False)
    assert summary.files_unchanged == summary.files
    with duckdb.connect(str(db), read_only=True) as con:
        assert one(
            con, "SELECT table_type FROM information_schema.tables WHERE table_name = 'tool_calls'"
        ) == ("BASE TABLE",)
        assert rows(con, CALLS) == calls


KEY_STORAGE = """SELECT DISTINCT compression FROM pragma_storage_info('responses')
    WHERE column_name = 'dedupe_key' AND segment_type = 'VARCHAR'"""


def test_a_schema_8_database_stores_its_response_keys_uncompressed_after_the_next_ingest(
    tmp_path,
):
    db = tmp_path / "wb.duckdb"
    ingest(SOURCES, db, user="ana", progress=False)
    with duckdb.connect(str(db)) as con:
        con.execute("SET TimeZone = 'UTC'")
        assert rows(con, KEY_STORAGE) == [("Uncompressed",)]
        responses, sessions = rows(con, RESPONSES), rows(con, SESSIONS)
        # schema 8 made the mart with DuckDB's own choice of compression for the key
        con.execute("CREATE TABLE old_responses AS SELECT * FROM responses")
        con.execute("DROP TABLE responses")
        con.execute("ALTER TABLE old_responses RENAME TO responses")
        con.execute("SET force_compression = 'dict_fsst'")
        con.execute("CHECKPOINT")
        assert rows(con, KEY_STORAGE) == [("DICT_FSST",)]
        con.execute("UPDATE meta SET value = '8' WHERE key = 'schema_version'")
    assert len(responses) > 10

    summary = ingest(SOURCES, db, user="ana", progress=False)
    assert summary.files_unchanged == summary.files  # the raw tables are enough
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        assert rows(con, KEY_STORAGE) == [("Uncompressed",)]
        assert rows(con, RESPONSES) == responses
        assert rows(con, SESSIONS) == sessions


def test_an_interrupted_upgrade_leaves_the_old_layout(tmp_path, monkeypatch):
    db = tmp_path / "wb.duckdb"
    ingest(SOURCES, db, user="ana", progress=False)
    _as_schema_3(db)
    real = store.sql_text

    def broken(name: str) -> str:
        if name == "schema":
            raise KeyboardInterrupt  # after the tables were renamed, before the new views
        return real(name)

    monkeypatch.setattr(store, "sql_text", broken)
    with pytest.raises(KeyboardInterrupt):
        ingest(SOURCES, db, user="ana", progress=False)
    monkeypatch.undo()
    with duckdb.connect(str(db), read_only=True) as con:
        assert one(con, "SELECT value FROM meta WHERE key = 'schema_version'") == ("3",)
        assert one(
            con, "SELECT table_type FROM information_schema.tables WHERE table_name = 'messages'"
        ) == ("BASE TABLE",)
    ingest(SOURCES, db, user="ana", progress=False)
    with duckdb.connect(str(db), read_only=True) as con:
        assert one(con, "SELECT value FROM meta WHERE key = 'schema_version'") == (
            str(config.SCHEMA_VERSION),
        )
        assert one(con, "SELECT count(*) FROM responses") > (10,)


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
        open_reader(db)


def test_the_notebooks_upgrade_an_old_demo_database_but_not_a_given_one(tmp_path, monkeypatch):
    from workbench.frontends import notebook

    monkeypatch.setattr(config, "DEMO_DB", tmp_path / "demo.duckdb")
    monkeypatch.setattr(config, "DEMO_CORPUS", tmp_path / "demo-corpus")
    ctx = notebook.context(charts_setup=False)  # generated on first use
    tokens = ctx.con.scalar("SELECT sum(total_tokens) FROM responses")
    ctx.con.close()
    _as_schema_3(config.DEMO_DB)

    with pytest.raises(store.SchemaTooOld, match="run `workbench ingest"):
        notebook.context(str(config.DEMO_DB), charts_setup=False)
    ctx = notebook.context(charts_setup=False)
    assert ctx.con.scalar("SELECT sum(total_tokens) FROM responses") == tokens
    assert ctx.con.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == str(
        config.SCHEMA_VERSION
    )
    ctx.con.close()
