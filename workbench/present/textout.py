"""Plain-text output for the terminal: aligned tables, human numbers, JSON, NDJSON, CSV."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
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


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``1 session``, ``2 sessions``, ``1,234 sessions`` (``plural``: when not noun + s)."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def data_size(n: int) -> str:
    """A number of bytes in decimal units: ``0`` -> ``0 B``, ``211_700_000`` -> ``211.7 MB``,
    ``1_040_000_000`` -> ``1.0 GB`` (``compact``'s ``B`` is a billion, not bytes)."""
    n = float(n)
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:.0f} B"


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
            widths[i] = max(widths[i], visible_len(c))
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
            if visible_len(c) > widths[i]:
                c = ANSI.sub("", c)[: widths[i] - 1] + "…"
            pad = " " * (widths[i] - visible_len(c))
            out.append(pad + c if i in right else c + pad)
        return "  ".join(out).rstrip()

    lines = [fmt(list(headers)), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in cells]
    return "\n".join(lines)


#: ANSI SGR sequences (bold, reverse, reset): invisible on a terminal, so not counted as width.
ANSI = re.compile(r"\x1b\[[0-9;]*m")
HIGHLIGHT, RESET = "\x1b[1;7m", "\x1b[0m"


def visible_len(text: str) -> int:
    """How many columns ``text`` takes on a terminal (ANSI colour codes take none)."""
    return len(ANSI.sub("", text)) if "\x1b" in text else len(text)


def centred(before: str, hit: str, after: str, width: int) -> tuple[str, str, str]:
    """A snippet cut to ``width`` characters around its match: as much of ``before`` and
    ``after`` as fits, shared evenly, ``…`` where text was cut; the match itself is cut only
    when it alone is wider."""
    if len(before) + len(hit) + len(after) <= width:
        return before, hit, after
    if len(hit) >= width - 2:
        return ("…" if before else ""), hit[: max(width - 2, 1)] + "…", ""
    room = width - len(hit)
    left = min(len(before), max(room // 2, room - len(after)))
    right = room - left
    if left < len(before):
        before = "…" + before[len(before) - left + 1 :] if left > 0 else ""
    if right < len(after):
        after = after[: right - 1] + "…" if right > 0 else ""
    return before, hit, after


def use_color(when: str = "auto", stream: Any = None) -> bool:
    """``--color auto|always|never``: auto is when ``stream`` (stdout) is a terminal and
    ``$NO_COLOR`` is not set."""
    if when != "auto":
        return when == "always"
    import os

    stream = stream or sys.stdout
    return not os.environ.get("NO_COLOR") and bool(getattr(stream, "isatty", lambda: False)())


def highlight(text: str) -> str:
    """``text`` in bold reverse video (for a terminal)."""
    return f"{HIGHLIGHT}{text}{RESET}" if text else text


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


def json_text(data: Any) -> str:
    """``data`` as indented JSON text, ending with a newline (what ``--format json`` prints).

    orjson writes it (~25 times faster than the standard library's indenting encoder, which
    is pure Python: a tenth of a second for a thousand sessions). The text is
    ``json.dumps(indent=2, ensure_ascii=False)``'s, but for the spelling of a float with an
    exponent (``1.5e-7`` for ``1.5e-07``, the same number); the standard library still writes
    what orjson refuses (an integer beyond 64 bits, a lone surrogate)."""
    import orjson

    # dates and times go through _default (isoformat), as with the standard library; keys
    # that are not strings become strings, as there
    options = (
        orjson.OPT_INDENT_2
        | orjson.OPT_APPEND_NEWLINE
        | orjson.OPT_NON_STR_KEYS
        | orjson.OPT_PASSTHROUGH_DATETIME
    )
    try:
        return orjson.dumps(data, default=_default, option=options).decode("utf-8")
    except (TypeError, ValueError):  # orjson.JSONEncodeError is a TypeError
        return json.dumps(data, indent=2, default=_default, ensure_ascii=False) + "\n"


def print_json(data: Any) -> None:
    """``data`` as indented JSON (what ``--format json`` prints), in one write."""
    sys.stdout.write(json_text(data))


def print_ndjson(rows: Iterable[Any]) -> None:
    """One compact JSON document per line and row (``--format ndjson``, for jq)."""
    write = sys.stdout.write
    for row in rows:
        write(json.dumps(row, default=_default, ensure_ascii=False) + "\n")


def flatten(row: Any, prefix: str = "") -> dict[str, Any]:
    """A row as one level of columns: nested objects as dotted keys (``totals.cost``), lists as
    their JSON text; a value that is not an object is one column, ``value``."""
    if not isinstance(row, dict):
        return {prefix or "value": row}
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten(value, name + "."))
        elif isinstance(value, (dict, list, tuple, set)):
            out[name] = json.dumps(value, default=_default, ensure_ascii=False)
        else:
            out[name] = value
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def print_csv(rows: Iterable[Any]) -> None:
    """Rows as CSV with a header (``--format csv``): the union of their flattened columns, in
    the order they first appear; an empty cell for a missing or null value."""
    import csv

    flat = [flatten(r) for r in rows]
    columns: dict[str, None] = {}
    for r in flat:
        columns.update(dict.fromkeys(r))
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for r in flat:
        writer.writerow([_cell(r.get(c)) for c in columns])
