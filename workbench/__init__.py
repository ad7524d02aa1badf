"""workbench: load AI coding-agent transcripts into DuckDB and analyse them."""

from __future__ import annotations

__version__ = "0.1.0"


def connect(db=None, *, read_only: bool = True):
    """An Ibis DuckDB connection to the workbench database (default: ``config.default_db()``)."""
    from workbench.query.tables import connect as _connect

    return _connect(db, read_only=read_only)


def reader(db=None):
    """The plain read connection the CLI and the reports use (``query.db.open_reader``)."""
    from workbench.query.db import open_reader

    return open_reader(db)


def load(paths=None, db=None, **kwargs):
    """Bring the database up to date with the transcripts under ``paths`` (``ingest.load``)."""
    from workbench.ingest.load import ingest as _ingest

    return _ingest(paths, db, **kwargs)
