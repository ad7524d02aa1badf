"""One module per command family; each has register(subparsers).

Every module here except ``common`` is a command family; ``COMMANDS`` only fixes the order in
``workbench --help`` (modules not listed follow, alphabetically).
"""

import os

COMMANDS = (
    "ingest",
    "tokens",
    "sessions",
    "friction",
    "leaders",
    "report",
    "lab",
    "status",
    "demo",
)


def all_commands() -> list[str]:
    """Command modules in help order (a folder listing: ``pkgutil`` imports ``inspect``, which
    costs every command 6 ms)."""
    found = sorted(
        name[:-3]
        for name in os.listdir(os.path.dirname(__file__))
        if name.endswith(".py") and name not in ("__init__.py", "common.py")
    )
    return [c for c in COMMANDS if c in found] + [c for c in found if c not in COMMANDS]
