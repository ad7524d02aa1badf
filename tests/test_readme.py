"""Every `workbench ...` command shown in the README parses with the real argument parser."""

from __future__ import annotations

import re
import shlex

import pytest

from workbench.core import config
from workbench.frontends.cli import build_parser

README = (config.PROJECT_DIR / "README.md").read_text(encoding="utf-8")


def commands() -> list[str]:
    out = []
    for block in re.findall(r"```(?:sh|cron|ini)\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            for part in re.split(r"&&|>>|\s>\s|\s\|\s", line):
                part = part.strip()
                m = re.search(r"(?:^|/)workbench (.*)$", part.split("#")[0].strip())
                if m and not part.startswith("Description"):
                    out.append("workbench " + m.group(1).strip())
    return out


def test_the_readme_shows_commands():
    assert len(commands()) >= 30


@pytest.mark.parametrize("command", commands())
def test_readme_command_parses(command):
    argv = shlex.split(command)[1:]
    args = build_parser().parse_args(argv)
    assert getattr(args, "func", None) is not None, command


def test_the_python_example_runs(tmp_path, monkeypatch):
    from conftest import DATA

    block = re.search(r"```python\n(.*?)```", README, flags=re.S).group(1)
    code = block.replace('"~/.claude/projects"', repr(str(DATA / "claude" / "projects")))
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert namespace["signals"].kpis(namespace["r"])["sessions"] == 2
    assert namespace["con"].table("sessions").count().execute() >= 2
    assert (tmp_path / "team.duckdb").exists()


def on_test_db(argv: list[str], db) -> list[str]:
    """A README command's arguments for the test corpus: its database, its user (ana) for the
    README's alice and bob and this machine for a hub's (an unknown one is an error)."""
    argv = list(argv)
    if "--db" in argv:
        at = argv.index("--db")
        del argv[at : at + 2]
    for at, word in enumerate(argv[:-1]):
        if word in ("--user", "-u"):
            argv[at + 1] = "ana"
        elif word == "--machine":  # the machine that ingested it
            argv[at + 1] = config.default_machine()
    return [*argv, "--db", str(db)]


def test_the_readme_listing_examples_run(ingested, capsys):
    """The `sessions list` examples (filters, presets, the default view) run on a real
    database and exit 0 (the cursor example's cursor is a placeholder)."""
    from workbench.frontends.cli import main

    ran = 0
    for command in commands():
        argv = shlex.split(command)[1:]
        if argv[:2] != ["sessions", "list"] or "--cursor" in argv:
            continue
        code = main(on_test_db(argv, ingested))
        out, err = capsys.readouterr()
        assert code == 0, (command, err)
        ran += 1
    assert ran >= 8


@pytest.mark.parametrize(
    "command", [c for c in commands() if c.split()[1] in ("leaders", "friction")]
)
def test_leaderboard_and_duration_examples_run(command, ingested, capsys):
    from workbench.frontends.cli import main

    argv = shlex.split(command)[1:]
    assert main(on_test_db(argv, ingested)) == 0, command
    out = capsys.readouterr().out
    assert out.strip(), command
