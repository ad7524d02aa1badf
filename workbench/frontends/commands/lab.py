"""`workbench lab`: JupyterLab on the notebooks folder, with this project's Python kernel."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from workbench.core import config
from workbench.frontends.commands.common import database, dedent


def register(sub) -> None:
    p = sub.add_parser(
        "lab",
        help="start JupyterLab on notebooks/",
        description="Start JupyterLab with notebooks/ as its root folder; the python3 kernel "
        "is this installation's Python, so `import workbench` works in every notebook.",
        epilog=dedent("""
examples:
  workbench lab
  workbench lab --port 8899 --no-browser
  workbench lab --db team.duckdb              # sets $WORKBENCH_DB for the notebooks
  workbench lab -- --ServerApp.ip=0.0.0.0     # anything after -- goes to jupyter lab
"""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--notebooks",
        type=Path,
        default=config.PROJECT_DIR / "notebooks",
        help="folder to open (default: the project's notebooks/)",
    )
    p.add_argument("--port", type=int, help="port (default: 8888 or the next free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument(
        "--db",
        type=database,
        help="database file or team hub postgresql:// URL, exported as $WORKBENCH_DB",
    )
    p.add_argument("extra", nargs=argparse.REMAINDER, help="arguments for jupyter lab after --")
    p.set_defaults(func=cmd_lab)


def command(args: argparse.Namespace) -> list[str]:
    """The ``jupyter lab`` command line for ``args``."""
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={args.notebooks}"]
    if args.port:
        cmd.append(f"--port={args.port}")
    if args.no_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI run as root; Jupyter refuses otherwise
    extra = list(args.extra or [])
    if extra[:1] == ["--"]:
        extra = extra[1:]
    return cmd + extra


def cmd_lab(args: argparse.Namespace) -> int:
    args.notebooks.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if isinstance(args.db, str):  # a hub: its password goes to the kernels as $PGPASSWORD
        from workbench.core.engines import without_password

        env["WORKBENCH_DB"], password = without_password(args.db)
        if password is not None:
            env["PGPASSWORD"] = password
    elif args.db:
        env["WORKBENCH_DB"] = str(args.db.expanduser().resolve())
    # Prefer this environment's kernelspecs (its python3 kernel) over ~/.local ones.
    env.setdefault("JUPYTER_PREFER_ENV_PATH", "1")
    cmd = command(args)
    if os.name == "posix":
        sys.stdout.flush()
        os.execve(cmd[0], cmd, env)  # become JupyterLab: signals reach it directly
    return subprocess.call(cmd, env=env)
