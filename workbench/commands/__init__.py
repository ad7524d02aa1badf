"""One module per command family; each has register(subparsers).

Every module here except ``common`` is a command family; ``COMMANDS`` only fixes the order in
``workbench --help`` (modules not listed follow, alphabetically).
"""

import pkgutil

COMMANDS = ("ingest", "tokens", "sessions", "friction", "report", "lab", "status", "demo")


def all_commands() -> list[str]:
    """Command modules in help order."""
    found = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "common")
    return [c for c in COMMANDS if c in found] + [c for c in found if c not in COMMANDS]
