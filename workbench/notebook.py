"""What a notebook needs from its ``parameters`` cell: a connection, filters, a zone.

``context(...)`` takes the common parameters as papermill injects them (plain strings and
lists), validates them with the same rules as the CLI, connects read-only, and sets up the
offline chart renderer. An empty ``db`` means the demo database, generated on first use, so
every notebook runs anywhere with its defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from workbench import charts, config, periods, tables
from workbench.store import SchemaTooOld


@dataclass
class Context:
    """The connection and filters every chart and view of a notebook shares."""

    con: object
    db: Path
    tz: str
    redact: bool = True
    since: datetime | None = None
    until: datetime | None = None
    users: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)

    @property
    def filters(self) -> dict:
        """Keyword arguments for the ``signals`` / ``friction_report`` functions."""
        return {
            "since": self.since,
            "until": self.until,
            "users": self.users,
            "projects": self.projects,
            "agents": self.agents,
        }

    def describe(self) -> str:
        """The period and filters in words (for a report's first line)."""
        span = (
            (f"{self.since:%Y-%m-%d %H:%M} UTC" if self.since else "the beginning")
            + " to "
            + (f"{self.until:%Y-%m-%d %H:%M} UTC" if self.until else "now")
        )
        parts = [f"From {span}"]
        for label, values in (
            ("users", self.users),
            ("projects", self.projects),
            ("agents", self.agents),
        ):
            if values:
                parts.append(f"{label}: {', '.join(values)}")
        parts.append(f"days in {self.tz}")
        return "; ".join(parts) + "."


def _as_list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def _demo(path: Path) -> None:
    from workbench import demo

    demo.run(config.DEMO_CORPUS, path)


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
    try:
        con = tables.connect(path)
    except SchemaTooOld:
        if db:
            raise
        _demo(path)  # a demo database of an older workbench: ingesting upgrades it
        con = tables.connect(path)
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
