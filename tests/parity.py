"""What the engine tests share: the read commands compared across engines, and how output is
compared (ids without the hub's machine qualification, numbers to 1e-9)."""

from __future__ import annotations

import json
import math

from workbench.frontends.cli import main


def busy_session(db) -> str:
    """The first top-level session of the DuckDB file ``db`` with more than two tool calls."""
    from workbench.query.db import open_reader

    reader = open_reader(db)
    try:
        return reader.scalar(
            "SELECT session_id FROM sessions WHERE tool_calls > 2 AND NOT is_subagent "
            "ORDER BY session_id LIMIT 1"
        )
    finally:
        reader.close()


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def cli_json(capsys, *argv: str):
    code, out, err = cli(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def normal(value):
    """Output with the hub's machine qualification taken off ids (``laptop-a:<id>``), the
    hub-only provenance columns and the machine filter's echo left out, numbers as floats."""
    if isinstance(value, dict):
        return {
            k: normal(v)
            for k, v in value.items()
            if k not in ("source_session_id", "machine", "machines", "db")
        }
    if isinstance(value, list):
        return [normal(v) for v in value]
    if isinstance(value, str):
        for m in ("laptop-a:", "laptop-b:"):
            value = value.replace(m, "")
        return value
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return value


def assert_same(a, b, path: str = "") -> None:
    """Equal, numbers to 1e-9 (relative), with where they differ."""
    if isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), f"{path}: {a} != {b}"
    elif isinstance(a, dict) and isinstance(b, dict):
        assert set(a) == set(b), f"{path}: keys {set(a) ^ set(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), f"{path}: {len(a)} rows != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


PARITY = [
    "tokens daily",
    "tokens daily --since 2026-05-10 --until 2026-05-15",
    "tokens monthly",
    "tokens session",
    "tokens session --since 2026-05-12",
    "tokens blocks",
    "sessions list --limit 500",
    "sessions list --since 2026-05-12 --sort cost --limit 500",
    "sessions list --include-subagents --sort tool_errors --limit 500",
    "sessions kpis",
    "sessions kpis --since 2026-05-12 --until 2026-05-16",
    "sessions kpis --user ana",
    "friction",
    "friction --since 2026-05-12",
    "leaders --limit 0",
    "leaders subagents --since 2026-05-12",
    "search error",
    "search --regex fail(ed)?",
]
