"""The scope of a question: a connection, a period and the filters every query applies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


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
