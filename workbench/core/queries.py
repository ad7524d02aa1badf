"""Named SQL from each layer's ``sql/`` folder: raw text for the loader, lazy Ibis tables."""

from __future__ import annotations

from functools import cache

from workbench.core import config


@cache
def sql_text(name: str) -> str:
    """The text of ``<layer>/sql/<name>.sql``."""
    return config.sql_path(name).read_text(encoding="utf-8")


def query(con, name: str):
    """``<name>.sql`` (one SELECT) as a lazy Ibis table on connection ``con``."""
    text = sql_text(name).strip().rstrip(";")
    return con.sql(text)
