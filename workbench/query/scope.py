"""The scope of a question: a period and the filters, and the one rule that applies them.

**One period semantics.** A response, tool call, tool error or message counts in the period in
which it happened (its own timestamp, in ``[since, until)``). A session is *in* a period when
it was active in it: one of its activity blocks (messages less than 10 minutes apart, the
``activity_blocks`` mart) overlaps the period; a top-level session is also in it when one of
its subagents is. Every query of the CLI, the notebooks and the reports applies these through
``Scope``, so the same period gives the same numbers everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from workbench.query.db import lit, lits


@dataclass(frozen=True)
class Scope:
    """A period (either end open) and who: users, projects, agents, machines (empty:
    everyone)."""

    since: datetime | None = None
    until: datetime | None = None
    users: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    machines: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        since: datetime | None = None,
        until: datetime | None = None,
        users: Iterable[str] = (),
        projects: Iterable[str] = (),
        agents: Iterable[str] = (),
        machines: Iterable[str] = (),
    ) -> Scope:
        return cls(
            since,
            until,
            tuple(users or ()),
            tuple(projects or ()),
            tuple(agents or ()),
            tuple(machines or ()),
        )

    @property
    def bounded(self) -> bool:
        return self.since is not None or self.until is not None

    def window(self, ts: str) -> list[str]:
        """Conditions: the timestamp column ``ts`` falls in the period."""
        out = []
        if self.since is not None:
            out.append(f"{ts} >= {lit(self.since)}")
        if self.until is not None:
            out.append(f"{ts} < {lit(self.until)}")
        return out

    def during(self, ts: str) -> str:
        """A WHERE condition: the timestamp column ``ts`` falls in the period."""
        return _and(self.window(ts))

    def who(self, alias: str) -> list[str]:
        """Conditions on the ``user_name``, ``project``, ``agent`` and ``machine`` columns of
        ``alias``."""
        out = []
        for column, values in (
            ("user_name", self.users),
            ("project", self.projects),
            ("agent", self.agents),
            ("machine", self.machines),
        ):
            if values:
                out.append(f"{alias}.{column} IN {lits(values)}")
        return out

    def events(self, ts: str, alias: str) -> str:
        """A WHERE condition for events (responses, calls, errors, messages): their time
        ``ts`` in the period, their session's (``alias``) user, project and agent chosen."""
        return _and(self.window(ts) + self.who(alias))

    def overlaps(self, start: str, end: str) -> list[str]:
        """Conditions: the span [``start``, ``end``] overlaps the period."""
        out = []
        if self.since is not None:
            out.append(f"{end} >= {lit(self.since)}")
        if self.until is not None:
            out.append(f"{start} < {lit(self.until)}")
        return out

    def active_sessions(self, alias: str = "s") -> str:
        """A condition on sessions ``alias``: in the period (active in it) and chosen."""
        cond = self.who(alias)
        if self.bounded:
            blocks = _and(self.overlaps("b.started_at", "b.ended_at"))
            cond.append(
                f"{alias}.session_id IN (SELECT b.session_id FROM activity_blocks b WHERE {blocks})"
            )
        return _and(cond)

    def active_roots(self, alias: str = "s") -> str:
        """A condition on top-level sessions ``alias``: they or a subagent of theirs were
        active in the period, and they are chosen."""
        cond = self.who(alias) + [f"NOT {alias}.is_subagent"]
        if self.bounded:
            blocks = _and(self.overlaps("b.started_at", "b.ended_at"))
            cond.append(
                f"{alias}.session_id IN (SELECT b.root_session_id FROM activity_blocks b "
                f"WHERE {blocks})"
            )
        return _and(cond)

    def active_seconds(self, session: str) -> str:
        """SQL: the session ``session``'s active seconds within the period (the overlap of
        its activity blocks with the period)."""
        start, end = "b.started_at", "b.ended_at"
        if self.since is not None:
            start = f"greatest(b.started_at, {lit(self.since)})"
        if self.until is not None:
            end = f"least(b.ended_at, {lit(self.until)})"
        return (
            f"(SELECT coalesce(sum(greatest(epoch_us({end}) - epoch_us({start}), 0)), 0) / 1e6 "
            f"FROM activity_blocks b WHERE b.session_id = {session} "
            f"AND {_and(self.overlaps('b.started_at', 'b.ended_at'))})"
        )


def _and(conditions: list[str]) -> str:
    return " AND ".join(f"({c})" for c in conditions) if conditions else "true"


@dataclass
class Context:
    """The connection and filters every chart and view of a notebook shares."""

    con: object
    db: Path | str  # a DuckDB file or a team hub's URL
    tz: str
    redact: bool = True
    since: datetime | None = None
    until: datetime | None = None
    users: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)
    machines: list[str] = field(default_factory=list)

    @property
    def scope(self) -> Scope:
        return Scope.of(**self.filters)

    @property
    def filters(self) -> dict:
        """Keyword arguments for the ``signals`` / ``friction_report`` functions."""
        return {
            "since": self.since,
            "until": self.until,
            "users": self.users,
            "projects": self.projects,
            "agents": self.agents,
            "machines": self.machines,
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
            ("machines", self.machines),
        ):
            if values:
                parts.append(f"{label}: {', '.join(values)}")
        parts.append(f"days in {self.tz}")
        return "; ".join(parts) + "."
