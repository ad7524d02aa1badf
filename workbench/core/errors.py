"""The errors workbench reports to its user in one line. Free of DuckDB: a command that does
not open a database (a no-op ingest, --help) never imports it."""

from __future__ import annotations


class WorkbenchError(Exception):
    """An error with a message meant for the user (no traceback needed)."""


class SchemaTooOld(WorkbenchError):
    """The database was written by an older workbench; the next ingest upgrades it."""


class DatabaseBusy(WorkbenchError):
    """Another process holds the database's write lock."""


class DatabaseMissing(WorkbenchError):
    """The database file does not exist."""
