"""Time windows and zones for filters: ``--since 7d``, ``--until 2026-01-31``, ``--timezone``."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from workbench.core import config
from workbench.core.errors import WorkbenchError

_RELATIVE = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


class UsageError(WorkbenchError):
    """A bad command-line value (exit status 2)."""


def resolve_timezone(name: str | None) -> str:
    """A valid IANA zone name: ``name``, else the machine's zone."""
    if not name:
        return config.local_timezone()
    try:
        ZoneInfo(name)
    except Exception as exc:  # noqa: BLE001 - ZoneInfoNotFoundError, ValueError
        raise UsageError(
            f"unknown time zone {name!r} (use an IANA name like Europe/Paris)"
        ) from exc
    return name


def parse_when(
    text: str | None, tz: str, *, end: bool = False, now: datetime | None = None
) -> datetime | None:
    """An aware UTC instant for ``text``: ``1h``/``24h``/``7d``/``2w`` ago, or a date
    (``YYYY-MM-DD`` / ``YYYYMMDD``) at local midnight in ``tz``; with ``end=True`` a date means
    the end of that day (the next midnight, exclusive)."""
    if text is None or text == "":
        return None
    now = now or datetime.now(timezone.utc)
    m = _RELATIVE.match(text)
    if m:
        return now - int(m.group(1)) * _UNITS[m.group(2)]
    day = _parse_date(text)
    if day is None:
        raise UsageError(
            f"cannot read {text!r} as a time: use 1h, 24h, 7d, 2w or a date like 2026-01-31"
        )
    if end:
        day = day + timedelta(days=1)
    local = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))
    return local.astimezone(timezone.utc)


def parse_day(text: str | None, tz: str, *, end: bool = False) -> datetime | None:
    """Local midnight in ``tz`` of the date ``text`` (``YYYY-MM-DD``) as a UTC instant; with
    ``end=True`` the next midnight (exclusive). Only a date: ``7d`` is a usage error."""
    if text is None or text == "":
        return None
    if _parse_date(text) is None:
        raise UsageError(f"cannot read {text!r} as a date: use YYYY-MM-DD, like 2026-01-31")
    return parse_when(text, tz, end=end)


def _parse_date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None
