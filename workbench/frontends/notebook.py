"""What a notebook needs from its ``parameters`` cell: a connection, filters, a zone.

``context(...)`` takes the common parameters as papermill injects them (plain strings and
lists), validates them with the same rules as the CLI, connects read-only, and sets up the
offline chart renderer. An empty ``db`` means the database the CLI would use:
``$WORKBENCH_DB`` (``workbench lab --db FILE`` exports it), else the default database file when
it exists, else the demo database, generated on first use, so every notebook runs anywhere.
"""

from __future__ import annotations

from pathlib import Path

from workbench.core import config
from workbench.core.store import SchemaTooOld
from workbench.present import charts
from workbench.query import db as database
from workbench.query import periods
from workbench.query.scope import Context


def _as_list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def _demo(path: Path) -> None:
    from workbench.frontends import demo

    demo.run(config.DEMO_CORPUS, path)


def _readable(path: Path) -> Path:
    """``path``, or while `workbench serve` owns it (the file is locked to other processes) a
    consistent snapshot the server takes for this notebook."""
    from workbench.frontends.serve import client, state

    server = state.live(path)
    return Path(client.snapshot(server)) if server else path


def resolve_db(db: str = "") -> tuple[Path | str, bool]:
    """The database for a notebook's ``db`` parameter and whether it is the demo fallback:
    ``db``, else ``$WORKBENCH_DB``, else the default database file if it exists, else demo.
    A ``postgresql://`` URL (a team hub) is returned as it is."""
    import os

    from workbench.core.engines import is_remote, named

    chosen = named(db)
    if is_remote(chosen):
        return chosen, False
    if db:
        return Path(db).expanduser(), False
    if os.environ.get("WORKBENCH_DB"):
        return config.default_db(), False
    if config.default_db().exists():
        return config.default_db(), False
    return config.DEMO_DB, True


def context(
    db: str = "",
    since: str = "",
    until: str = "",
    users=(),
    projects=(),
    agents=(),
    machines=(),
    timezone: str = "",
    redact: bool = True,
    charts_setup: bool = True,
) -> Context:
    """Validate the common notebook parameters and connect (see the module docstring)."""
    path, demo = resolve_db(db)
    if demo and not path.exists():
        _demo(path)
    path = path if isinstance(path, str) else _readable(path)
    try:
        con = database.open_reader(path)
    except SchemaTooOld:
        if not demo:
            raise
        _demo(path)  # a demo database of an older workbench: ingesting upgrades it
        con = database.open_reader(path)
    tz = periods.resolve_timezone(timezone or None)
    ctx = Context(
        con=con,
        db=path,
        tz=tz,
        redact=bool(redact),
        since=periods.parse_when(since or None, tz),
        until=periods.parse_when(until or None, tz, end=True),
        users=_as_list(users),
        projects=_as_list(projects),
        agents=_as_list(agents),
        machines=_as_list(machines),
    )
    if charts_setup:
        charts.setup()
    return ctx


def person(user: str = "", **common) -> Context:
    """:func:`context` for one person's report: ``user``, or (empty) the user with the most
    sessions in the period. ``common`` are :func:`context`'s parameters."""
    ctx = context(**common)
    if not user:
        from workbench.query import trends

        rows = trends.by_key(ctx.con, "user_name", **ctx.filters)
        ranked = sorted(rows, key=lambda r: (-(r["sessions"] or 0), str(r["user_name"])))
        user = ranked[0]["user_name"] if ranked else ""
    ctx.users = [user] if user else ctx.users
    return ctx
