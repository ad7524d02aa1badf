"""What one ingest run did: the summary ``workbench ingest`` prints (``--json``: its fields).

Its own module, free of DuckDB: a no-op ingest (``manifest``) answers with one without opening
the database."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class IngestSummary:
    """What one ingest run did (``workbench ingest --json`` prints this)."""

    db: str
    files: int = 0  # transcript files found
    files_parsed: int = 0  # read whole (new, changed or re-parsed)
    files_appended: int = 0  # read from where the last run stopped
    files_unchanged: int = 0
    files_vanished: int = 0  # found gone this run; their sessions stay in the database
    files_unsupported: int = 0
    sessions: int = 0  # sessions in the files read this run
    lines: int = 0  # complete lines read this run
    bad_lines: int = 0  # of which could not be used
    bad_values: int = 0  # values refused in lines that loaded (stored as NULL)
    bytes: int = 0
    pending_lines: int = 0  # files ending in an incomplete line (read once complete)
    seconds: float = 0.0
    bad_line_samples: list[dict] = field(default_factory=list)
    bad_value_samples: list[dict] = field(default_factory=list)
    unreadable: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    totals: dict = field(default_factory=dict)  # whole database after the run

    def to_dict(self) -> dict:
        return asdict(self)
