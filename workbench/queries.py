"""Named SQL from ``queries/``: raw text for the loader, lazy Ibis tables for everyone else."""

from __future__ import annotations

from functools import cache

from workbench import config


@cache
def sql_text(name: str) -> str:
    """The text of ``queries/<name>.sql``."""
    path = config.queries_dir() / f"{name}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"no named query {name!r} ({path})")
    return path.read_text(encoding="utf-8")


def query(con, name: str):
    """``queries/<name>.sql`` (one SELECT) as a lazy Ibis table on connection ``con``."""
    text = sql_text(name).strip().rstrip(";")
    return con.sql(text)
