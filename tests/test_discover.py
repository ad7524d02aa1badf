"""Discovery: every folder shape a user may point at, and what paths say about a file."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import DATA, S1

from workbench.core import config
from workbench.ingest.discover import classify, discover


def _names(found) -> list[tuple[str, str, str]]:
    return sorted((Path(f.path).name, f.user, f.kind) for f in found.files)


def test_projects_folder_uses_the_os_user(monkeypatch):
    monkeypatch.setattr(config, "default_user", lambda: "osuser")
    found = discover([DATA / "claude" / "projects"])
    assert _names(found) == [
        (f"{S1}.jsonl", "osuser", "session"),
        ("22222222-2222-4222-8222-222222222222.jsonl", "osuser", "session"),
        ("33333333-3333-4333-8333-333333333333.jsonl", "osuser", "session"),
        ("agent-sub001.jsonl", "osuser", "subagent"),
        ("agent-warm0001.jsonl", "osuser", "subagent"),
    ]
    assert found.roots == [str((DATA / "claude" / "projects").absolute())]


def test_claude_home_and_one_project_folder(monkeypatch):
    monkeypatch.setattr(config, "default_user", lambda: "osuser")
    home = discover([DATA / "claude"])  # like ~/.claude: contains projects/
    project = discover([DATA / "claude" / "projects" / "-home-ana-src-shop"])
    assert len(home.files) == len(project.files) == 5


def test_team_root_takes_the_user_from_the_folder(tmp_path):
    src = DATA / "claude" / "projects"
    shutil.copytree(src, tmp_path / "team" / "ana" / ".claude" / "projects")
    shutil.copytree(src / "-home-ana-src-shop", tmp_path / "team" / "ben" / "-home-ben-shop")
    # files that are not transcripts are ignored
    (tmp_path / "team" / "ana" / ".claude" / "history.jsonl").write_text('{"display": "x"}\n')
    (tmp_path / "team" / "ana" / ".claude" / "todos").mkdir()
    (tmp_path / "team" / "ana" / ".claude" / "todos" / "t.jsonl").write_text("{}\n")
    found = discover([tmp_path / "team"])
    users = sorted({f.user for f in found.files})
    assert users == ["ana", "ben"]
    assert sum(f.user == "ana" for f in found.files) == 5
    assert sum(f.user == "ben" for f in found.files) == 5
    assert not any(Path(f.path).name == "history.jsonl" for f in found.files)
    # --user overrides the folder name
    assert {f.user for f in discover([tmp_path / "team"], user="zoe").files} == {"zoe"}


def test_single_file_and_missing_paths(tmp_path):
    f = DATA / "claude" / "projects" / "-home-ana-src-shop" / f"{S1}.jsonl"
    found = discover([f, tmp_path / "nope"], user="ana")
    assert [Path(x.path).name for x in found.files] == [f.name]
    assert found.explicit == [str(f.absolute())]
    assert found.problems == [f"{tmp_path / 'nope'}: no such file or folder"]


def test_subagent_paths_of_each_era():
    p = DATA / "claude" / "projects" / "-home-ana-src-shop"
    new = classify(p / S1 / "subagents" / "agent-sub001.jsonl", "ana")
    assert (
        new.kind,
        new.session_id,
        new.parent_session_id,
        new.agent_id,
        new.project_dir,
        new.meta_agent_type,
        new.meta_description,
    ) == ("subagent", "agent-sub001", S1, "sub001", "-home-ana-src-shop", "Explore", "Survey tests")
    old = classify(p / "agent-warm0001.jsonl", "ana")
    assert (old.kind, old.agent_id, old.parent_session_id) == ("subagent", "warm0001", None)
    main = classify(p / f"{S1}.jsonl", "ana")
    assert (main.kind, main.session_id, main.agent) == ("session", S1, "claude")


def test_other_agents_are_recognised_by_path(tmp_path):
    codex = (
        tmp_path
        / "2025"
        / "12"
        / "09"
        / ("rollout-2025-12-09T19-55-16-019b04ae-b1c6-7c72-a134-a4c2de66058c.jsonl")
    )
    gemini = tmp_path / "9126edde" / "chats" / "session-2025-12-09T19-50-f0a689a6.json"
    for f in (codex, gemini):
        f.parent.mkdir(parents=True)
        f.write_text("{}\n")
    c = classify(codex, "u")
    g = classify(gemini, "u")
    assert (c.agent, c.session_id) == ("codex", "019b04ae-b1c6-7c72-a134-a4c2de66058c")
    assert (g.agent, g.session_id) == ("gemini", "session-2025-12-09T19-50-f0a689a6")
    assert classify(tmp_path / "notes.txt", "u") is None
