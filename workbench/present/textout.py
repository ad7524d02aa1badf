"""Plain-text output for the terminal: aligned tables, human numbers, JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def number(n: float | int | None) -> str:
    """``1234567`` -> ``1,234,567``; ``None`` -> ``-``."""
    if n is None:
        return "-"
    if isinstance(n, float) and not n.is_integer():
        return f"{n:,.2f}"
    return f"{int(n):,}"


def compact(n: float | int | None) -> str:
    """``1234567`` -> ``1.2M`` (for narrow columns)."""
    if n is None:
        return "-"
    n = float(n)
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.1f}{unit}"
    return f"{n:.0f}"


def local(ts: datetime | None, tz: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An aware timestamp as wall-clock time in ``tz``."""
    if ts is None:
        return "-"
    from zoneinfo import ZoneInfo

    return ts.astimezone(ZoneInfo(tz)).strftime(fmt)


def money(x: float | None) -> str:
    """``12.3456`` -> ``$12.35``; ``None`` (no price) -> ``unpriced``."""
    return "unpriced" if x is None else f"${x:,.2f}" if x >= 0.01 else f"${x:.4f}"


def percent(x: float | None) -> str:
    """``0.1234`` -> ``12.3%``; ``None`` -> ``-``."""
    return "-" if x is None else f"{100 * x:.1f}%"


def duration(seconds: float | None) -> str:
    """``3725`` -> ``1h 2m``; ``42`` -> ``42s``."""
    if seconds is None:
        return "-"
    s = int(round(seconds))
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {s}s"
    return f"{s}s"


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    right: Sequence[int] = (),
    max_width: int | None = None,
) -> str:
    """Rows under headers, columns padded; ``right`` lists right-aligned column indexes.
    Cells longer than the space left under ``max_width`` are cut with an ellipsis."""
    cells = [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))
    if max_width:
        overflow = sum(widths) + 2 * (len(widths) - 1) - max_width
        while overflow > 0:
            i = max(range(len(widths)), key=lambda k: widths[k])
            cut = min(overflow, widths[i] - max(len(headers[i]), 6))
            if cut <= 0:
                break
            widths[i] -= cut
            overflow -= cut

    def fmt(row: Sequence[str]) -> str:
        out = []
        for i, c in enumerate(row):
            if len(c) > widths[i]:
                c = c[: widths[i] - 1] + "…"
            out.append(c.rjust(widths[i]) if i in right else c.ljust(widths[i]))
        return "  ".join(out).rstrip()

    lines = [fmt(list(headers)), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in cells]
    return "\n".join(lines)


def _default(o: Any) -> Any:
    if isinstance(o, datetime):
        return o.isoformat()
    if isinstance(o, date):
        return o.isoformat()
    if isinstance(o, Decimal):
        return float(o)
    if isinstance(o, set):
        return sorted(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=_default, ensure_ascii=False)
    sys.stdout.write("\n")
