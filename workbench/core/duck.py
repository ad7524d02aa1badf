"""DuckDB's engine, imported without its Python package's start-up.

``import duckdb`` runs the package's Python before the engine is usable: its version string
through ``importlib.metadata`` (which imports the standard library's e-mail parser), DB-API
type objects, value and typing classes. That is ~95 ms of the 180 ms a process importing it
takes on the benchmark machine: a third of a read command. The engine is the compiled module
``_duckdb``, which the package re-exports as it is (``duckdb.connect is _duckdb.connect``, in
every release the pin allows, 1.4 and 1.5 alike; ``tests/test_layers.py`` checks the installed
one). Workbench uses only names that module holds: ``connect``, the connection class and the
exceptions. Should a release move them, the package is imported instead.

Every module of workbench that uses DuckDB imports it from here: ``from workbench.core.duck
import duckdb``. Ibis, in notebooks and the Python API, imports the package itself; its
connections are of the same class.
"""

from __future__ import annotations

#: The names workbench uses (the fallback below is taken unless the module holds them all).
USED = (
    "connect",
    "DuckDBPyConnection",
    "Error",
    "IOException",
    "InterruptException",
    "CatalogException",
)

try:
    import _duckdb as duckdb

    if not all(hasattr(duckdb, name) for name in USED):
        raise ImportError("_duckdb lacks a name workbench uses")
except ImportError:
    import duckdb  # noqa: F401  (the package: slower to import, the same engine)
