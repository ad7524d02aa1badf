"""What a notebook needs from its ``parameters`` cell: a connection, filters, a zone.

``context(...)`` takes the common parameters as papermill injects them (plain strings and
lists), validates them with the same rules as the CLI, connects read-only, and sets up the
offline chart renderer. An empty ``db`` means the demo database, generated on first use, so
every notebook runs anywhere with its defaults.
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


def context(
    db: str = "",
    since: str = "",
    until: str = "",
    users=(),
    projects=(),
    agents=(),
    timezone: str = "",
    redact: bool = True,
    charts_setup: bool = True,
) -> Context:
    """Validate the common notebook parameters and connect (see the module docstring)."""
    path = Path(db).expanduser() if db else config.DEMO_DB
    if not db and not path.exists():
        _demo(path)
    path = _readable(path)
    try:
        con = database.open_reader(path)
    except SchemaTooOld:
        if db:
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
    )
    if charts_setup:
        charts.setup()
    return ctx
