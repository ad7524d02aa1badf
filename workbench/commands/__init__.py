"""One module per command family; each has register(subparsers)."""

COMMANDS = ("ingest", "tokens", "status", "demo")
