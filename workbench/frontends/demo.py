"""``make demo``: write the synthetic demo corpus (once per day) and ingest it."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

from workbench.core import store
from workbench.corpus import synthetic
from workbench.ingest.load import ingest
from workbench.present import textout

_STAMP = ".workbench-demo.json"
GENERATOR_VERSION = 1


def run(corpus: Path, db: Path, *, sessions: int = 300) -> dict:
    """Generate ``corpus`` if missing or stale, ingest it into ``db``, return a summary."""
    corpus, db = Path(corpus), Path(db)
    end = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    stamp = {"version": GENERATOR_VERSION, "end": end.date().isoformat(), "sessions": sessions}
    stamp_path = corpus / _STAMP
    fresh = False
    if not (stamp_path.exists() and json.loads(stamp_path.read_text()) == stamp):
        if corpus.exists():
            shutil.rmtree(corpus)
        synthetic.generate(corpus, sessions=sessions, end=end, payload_scale=0.2)
        stamp_path.write_text(json.dumps(stamp))
        fresh = True
    result = ingest([corpus], db, progress=False)
    con = store.open_db(db, read_only=True)
    try:
        row = con.execute(
            """
            SELECT count(*) FILTER (NOT is_subagent), count(DISTINCT user_name),
                   count(DISTINCT project), sum(own_total_tokens), sum(tool_calls),
                   sum(tool_errors),
                   count(*) FILTER (is_subagent)
            FROM sessions
            """
        ).fetchone()
        bad = con.execute("SELECT count(*) FROM bad_lines").fetchone()[0]
    finally:
        con.close()
    keys = ["sessions", "users", "projects", "tokens", "tool_calls", "tool_errors", "subagents"]
    return {
        "corpus": str(corpus),
        "db": str(db),
        "generated": fresh,
        **dict(zip(keys, (int(v or 0) for v in row))),
        "bad_lines": bad,
        "ingest_seconds": result.seconds,
        "files_read": result.files_parsed + result.files_appended,
    }


def program() -> str:
    """How to run this workbench from a fresh shell: ``workbench`` when that is what the
    shell finds on PATH, else this program's full path (``.venv/bin/workbench``), else
    ``python -m``."""
    import os
    import shlex
    import shutil
    import sys

    me = os.path.realpath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    on_path = shutil.which("workbench")
    if on_path and me and os.path.realpath(on_path) == me:
        return "workbench"
    if os.path.basename(me) == "workbench" and os.access(me, os.X_OK):
        return shlex.quote(os.path.abspath(sys.argv[0]))
    return f"{shlex.quote(sys.executable)} -m workbench.frontends.cli"


def describe(d: dict) -> str:
    return (
        f"Demo database {d['db']} ({'new corpus' if d['generated'] else 'corpus unchanged'} "
        f"in {d['corpus']}):\n"
        f"  {d['sessions']:,} sessions ({d['subagents']:,} subagents) by {d['users']} users in "
        f"{d['projects']} projects\n"
        f"  {textout.number(d['tokens'])} tokens, {d['tool_calls']:,} tool calls, "
        f"{d['tool_errors']:,} tool errors, {d['bad_lines']} bad lines recorded\n"
        f"  ingested {d['files_read']:,} files in {d['ingest_seconds']:.1f}s\n"
        f"Try: {program()} tokens daily --db {d['db']}"
    )
