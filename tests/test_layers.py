"""The package's layers: a lower layer never imports a higher one (DESIGN.md, "The layers")."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"

#: What each layer may import besides itself. Data flows ingest -> models -> query ->
#: presenters -> frontends; ingest refreshes the marts after a load, so it may call models;
#: hub copies the marts out (a team hub on PostgreSQL, a Parquet lake) for the frontends.
ALLOWED = {
    "core": set(),
    "corpus": {"core"},
    "models": {"core"},
    "ingest": {"core", "models"},
    "query": {"core", "models"},
    "present": {"core", "models", "query"},
    "hub": {"core"},
    "frontends": {"core", "models", "ingest", "query", "present", "corpus", "hub"},
}


def imported_layers(path: Path) -> set[tuple[str, int]]:
    """(layer, line) of every ``workbench.<layer>`` import in the file, nested ones included."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "workbench":
                names = [f"workbench.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "workbench" and len(parts) > 1 and parts[1] in ALLOWED:
                out.add((parts[1], node.lineno))
    return out


def test_every_module_lives_in_a_layer():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert loose == []
    assert {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()} == set(ALLOWED)


def test_no_layer_imports_a_higher_one():
    wrong = []
    for layer, allowed in ALLOWED.items():
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            for target, line in sorted(imported_layers(path)):
                if target != layer and target not in allowed:
                    wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports workbench.{target}")
    assert wrong == []


def test_the_check_sees_nested_imports(tmp_path):
    f = tmp_path / "m.py"
    f.write_text(
        "def f():\n    from workbench.frontends import cli\n    import workbench.query.x\n"
    )
    assert imported_layers(f) == {("frontends", 2), ("query", 3)}


def test_workbench_uses_duckdb_through_its_compiled_module():
    # workbench.core.duck imports the engine as _duckdb, without the package's ~95 ms start-up:
    # that holds while the package re-exports the module's objects as they are, which this
    # checks for the installed release; and no module of workbench imports the package itself
    import _duckdb
    import duckdb

    from workbench.core import duck

    assert duck.duckdb is _duckdb
    for name in duck.USED:
        assert getattr(duckdb, name) is getattr(_duckdb, name), name
    package_imports = [
        f"{path.relative_to(PACKAGE)}:{node.lineno}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "duck.py"
        for node in ast.walk(ast.parse(path.read_text()))
        if (isinstance(node, ast.Import) and any(a.name == "duckdb" for a in node.names))
        or (isinstance(node, ast.ImportFrom) and node.module == "duckdb")
    ]
    assert package_imports == []
