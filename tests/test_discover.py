"""Discovery: every folder shape a user may point at, and what paths say about a file."""

from __future__ import annotations

import os
import shutil
import time
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


def _tree(root: Path) -> Path:
    """A team root of every kind of folder a scan meets: Claude projects with subagents, a
    Codex and a Gemini home, a hard link, a symlinked file and folder, a FIFO, a name that is
    not UTF-8 and a non-ASCII one, a skipped folder and non-transcript files."""
    shutil.copytree(DATA / "claude" / "projects", root / "ana" / ".claude" / "projects")
    shutil.copytree(DATA / "claude" / "projects", root / "bob" / "projects")
    projects = root / "bob" / "projects"
    kinds = ("uni", "hard", "link", "dirlink", "fifo", "bad")
    odd = {k: projects / f"-home-bob-{k}" for k in kinds}
    for folder in odd.values():
        folder.mkdir()
        (folder / "plain.jsonl").write_text('{"type":"user"}\n')
    (odd["uni"] / "s-ünï.jsonl").write_text('{"type":"user"}\n')
    os.link(next((root / "ana").rglob("*.jsonl")), odd["hard"] / "hard.jsonl")
    (odd["link"] / "link.jsonl").symlink_to(next(projects.rglob("3333*.jsonl")))
    (odd["dirlink"] / "linked").symlink_to(root / "ana")
    os.mkfifo(odd["fifo"] / "pipe.jsonl")
    os.mkdir(os.fsencode(odd["bad"]) + b"/dir\xff")
    (odd["hard"] / "node_modules").mkdir()
    (odd["hard"] / "notes.txt").write_text("x")
    (odd["hard"] / "x.meta.json").write_text("{}")
    codex = root / "cyd" / ".codex" / "sessions" / "2025" / "01" / "02"
    codex.mkdir(parents=True)
    (codex / "rollout-2025-01-02T03-04-05-0123abcd-0123-4567-89ab-0123456789ab.jsonl").write_text(
        '{"type":"session_meta","payload":{}}\n'
    )
    chats = root / "dee" / ".gemini" / "tmp" / "abc" / "chats"
    chats.mkdir(parents=True)
    (chats / "session-2025-01-02T03-04-0123abcd.json").write_text(
        '{"sessionId":"0123abcd-x","projectHash":"abc","messages":[]}'
    )
    return root


def _scan_all(root: Path, listings=None):
    found = discover([root], listings=listings)
    return [(s.path, s.agent, s.user, s.session_id, s.kind) for s in found.files], found


def _listed(monkeypatch) -> list[str]:
    """The folders the scans after this call list (os.scandir in discover)."""
    from workbench.ingest import discover as module

    listed: list[str] = []
    real = module.os.scandir

    def scandir(path="."):
        listed.append(os.fsdecode(path))
        return real(path)

    monkeypatch.setattr(module.os, "scandir", scandir)
    return listed


def test_a_scan_lists_again_only_the_folders_changed_since_the_last(tmp_path, monkeypatch):
    from workbench.ingest import discover as module

    # folders count as settled 50 ms after their last change (10 s outside tests); the
    # sleeps put every change after that in a later tick of the file system's clock
    monkeypatch.setattr(module, "SETTLED_NS", 50_000_000)
    root = _tree(tmp_path / "team")
    time.sleep(0.1)
    files, first = _scan_all(root)
    assert files and len(first.listings) > 5
    # a folder with a symlink, a FIFO, a name that is not ASCII (what gives a problem, or
    # depends on more than the listing) is listed every time; one with a hard link, a skipped
    # folder and files that are no transcripts has a listing
    odd = {str(p): p.name for p in (root / "bob" / "projects").glob("-home-bob-*")}
    assert {odd[p] for p in odd if p not in first.listings} == {
        "-home-bob-uni", "-home-bob-link", "-home-bob-dirlink", "-home-bob-fifo", "-home-bob-bad"
    }  # fmt: skip
    listed = _listed(monkeypatch)
    again, second = _scan_all(root, first.listings)
    assert (again, second.problems) == (files, first.problems)
    assert second.listings == first.listings
    # what is listed: the folders without a listing, and the team root and its users' folders,
    # which every scan looks into to tell what kind of folder it was given
    users = {str(root)} | {str(p) for p in root.iterdir()}
    walked = set(listed)
    assert set(odd) - set(first.listings) <= walked and walked & set(first.listings) <= users
    assert len(set(first.listings) - users) > 10

    # a new file, a removed one, a new folder: each changes its folder's mtime
    ana = next(p for p in (root / "ana").rglob("*.jsonl") if "subagents" not in p.parts)
    (ana.parent / "new.jsonl").write_text('{"type":"user"}\n')
    gone = next(p for p in (root / "cyd").rglob("*.jsonl"))
    gone.unlink()
    (ana.parent / "later" / "subagents").mkdir(parents=True)
    (ana.parent / "later" / "subagents" / "agent-a1.jsonl").write_text('{"type":"user"}\n')
    # a file added, then the folder's mtime set back: its ctime still changed
    chats = next((root / "dee").rglob("chats"))
    before = chats.stat()
    (chats / "session-2025-01-03T00-00-0456cdef.json").write_text(
        '{"sessionId":"0456cdef-y","projectHash":"abc","messages":[]}'
    )
    os.utime(chats, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert chats.stat().st_mtime_ns == before.st_mtime_ns
    listed.clear()
    changed, third = _scan_all(root, second.listings)
    fresh, _ = _scan_all(root)
    assert changed == fresh
    paths = {p for p, *_ in changed}
    assert str(ana.parent / "new.jsonl") in paths and str(gone) not in paths
    assert str(ana.parent / "later" / "subagents" / "agent-a1.jsonl") in paths
    assert any(p.endswith("0456cdef.json") for p in paths)
    assert {str(ana.parent), str(gone.parent), str(chats)} <= set(listed)
    # a folder changed just now is listed, not kept: a change within the same tick of the
    # file system's clock would leave its mtime as it is
    assert str(ana.parent) not in third.listings and str(chats) not in third.listings


def test_listings_are_neither_used_nor_kept_when_symlinks_are_followed(tmp_path, monkeypatch):
    from workbench.ingest import discover as module

    monkeypatch.setattr(module, "SETTLED_NS", 0)
    root = _tree(tmp_path / "team")
    time.sleep(0.05)
    outside = _tree(tmp_path / "elsewhere") / "ana"
    (root / "bob" / "projects" / "-home-bob-link" / "out").symlink_to(outside)
    first = discover([root])
    followed = discover([root], follow_symlinks=True, listings=first.listings)
    assert followed.listings == {}
    fresh = discover([root], follow_symlinks=True)
    assert (followed.files, followed.problems) == (fresh.files, fresh.problems)
    assert len(followed.files) > len(first.files)  # the folder outside is walked
