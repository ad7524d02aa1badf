"""environment.yml installs the same packages, with the same bounds, as pyproject.toml."""

from __future__ import annotations

import re

import pytest

from workbench.core import config

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

# conda-forge names for the PyPI packages whose names differ
CONDA_NAMES = {"duckdb": "python-duckdb", "ibis-framework": "ibis-framework-core"}


def _split(spec: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(.*)$", spec)
    return m.group(1).lower(), m.group(3).replace(" ", "")


def test_environment_matches_pyproject():
    project = tomllib.loads((config.PROJECT_DIR / "pyproject.toml").read_text())["project"]
    wanted = dict(
        _split(s)
        for s in project["dependencies"]
        + project["optional-dependencies"]["dev"]
        + project["optional-dependencies"]["spark"]
    )
    wanted = {CONDA_NAMES.get(k, k): v for k, v in wanted.items()}
    env = (config.PROJECT_DIR / "environment.yml").read_text()
    deps = env.split("dependencies:", 1)[1]  # after channels
    listed = dict(
        _split(line.strip()[2:].split("#")[0])
        for line in deps.splitlines()
        if line.startswith("  - ") and not line.strip().startswith(("- python=", "- pip"))
    )
    assert listed == wanted
    assert "duckdb>=1.4,<2" in project["dependencies"]  # ibis 12 breaks on duckdb 2.0
