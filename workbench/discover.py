"""Find transcript files and read what their paths say: agent, user, session, subagent links.

A path may be one file, a Claude ``projects`` folder (or one project folder in it), a ``~/.claude``
folder, a Codex or Gemini home, or a team root whose first-level folders are users
(``<root>/<user>/**``). Nothing here opens a transcript except to sniff a file whose path does
not tell its agent.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from workbench import config

AGENTS = ("claude", "codex", "gemini")

# Folders under an agent's home that never hold transcripts (and can be large).
_SKIP_DIRS = {
    ".git",
    "node_modules",
    "todos",
    "statsig",
    "shell-snapshots",
    "plugins",
    "file-history",
    "debug",
    "ide",
    "cache",
    "log",
    "logs",
    "tool-results",
    "shell_snapshots",
}
# Files that are JSONL but not transcripts (prompt history of Claude Code and Codex).
_SKIP_FILES = {"history.jsonl"}

_AGENT_FILE = re.compile(r"^agent-(?P<id>[A-Za-z0-9_-]+)\.jsonl$")
_CODEX_FILE = re.compile(r"^rollout-.*\.jsonl$")
_GEMINI_FILE = re.compile(r"^session-.*\.jsonl?$")


@dataclass(frozen=True)
class FileSpec:
    """One transcript file and what its location says about it."""

    path: str
    agent: str
    user: str
    session_id: str
    kind: str = "session"  # or "subagent"
    parent_session_id: str | None = None
    agent_id: str | None = None
    project_dir: str | None = None
    meta_agent_type: str | None = None
    meta_description: str | None = None


@dataclass
class Discovery:
    """What a scan found: the files, the folders it covered, and paths it could not use."""

    files: list[FileSpec] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)  # folders scanned in full (vanished check)
    explicit: list[str] = field(default_factory=list)  # single files named on the command line
    problems: list[str] = field(default_factory=list)


def discover(
    paths: Sequence[str | os.PathLike] | None = None, user: str | None = None
) -> Discovery:
    """Scan ``paths`` (default: this machine's transcript folders) for transcript files."""
    result = Discovery()
    targets = [Path(p).expanduser() for p in paths] if paths else config.default_roots()
    seen: set[str] = set()
    for target in targets:
        if not target.exists():
            result.problems.append(f"{target}: no such file or folder")
            continue
        if target.is_file():
            spec = classify(target, user or config.default_user())
            if spec is None:
                result.problems.append(f"{target}: not a transcript file (.jsonl or .json)")
                continue
            result.explicit.append(spec.path)
            _add(result, seen, [spec])
            continue
        result.roots.append(os.path.abspath(target))
        _add(result, seen, _scan_dir(target, user, result.problems))
    result.files.sort(key=lambda s: s.path)
    return result


def _add(result: Discovery, seen: set[str], specs: Iterable[FileSpec]) -> None:
    for spec in specs:
        if spec.path not in seen:
            seen.add(spec.path)
            result.files.append(spec)


def _scan_dir(root: Path, user: str | None, problems: list[str]) -> Iterable[FileSpec]:
    """Decide what kind of folder ``root`` is and yield its transcripts."""
    if _is_agent_home(root):
        yield from _walk(root, user or config.default_user(), problems)
        return
    children = _subdirs(root, problems)
    if _has_transcripts(root) or any(_has_transcripts(c) for c in children):
        # a projects folder (or one project folder, or a flat folder of transcripts)
        yield from _walk(root, user or config.default_user(), problems)
        return
    # a team root: every first-level folder is one user
    for child in children:
        yield from _walk(child, user or child.name, problems)


def _is_agent_home(path: Path) -> bool:
    """A folder that belongs to one person: an agent's home or its transcript folder."""
    if path.name in {".claude", ".codex", ".gemini", "projects"}:
        return True
    if (path / "projects").is_dir() and not _has_transcripts(path):
        return True  # a Claude config folder (~/.claude, $CLAUDE_CONFIG_DIR)
    try:
        children = [e for e in os.scandir(path) if e.is_dir()]
    except OSError:
        return False
    if children and all(re.fullmatch(r"\d{4}", e.name) for e in children):
        return True  # Codex sessions/ or archived_sessions/: YYYY/MM/DD/rollout-*.jsonl
    # Gemini tmp/: <projectHash>/chats/session-*.json
    return bool(children) and any(os.path.isdir(os.path.join(e.path, "chats")) for e in children)


def _subdirs(path: Path, problems: list[str]) -> list[Path]:
    try:
        return sorted(p for p in path.iterdir() if p.is_dir() and p.name not in _SKIP_DIRS)
    except OSError as exc:
        problems.append(f"{path}: cannot list folder ({exc.strerror or exc})")
        return []


def _has_transcripts(path: Path) -> bool:
    try:
        return any(
            e.is_file() and e.name.endswith(".jsonl") and e.name not in _SKIP_FILES
            for e in os.scandir(path)
        )
    except OSError:
        return False


def _walk(root: Path, user: str, problems: list[str]) -> Iterable[FileSpec]:
    def onerror(exc: OSError) -> None:
        problems.append(f"{exc.filename}: cannot list folder ({exc.strerror or exc})")

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for name in sorted(filenames):
            if name in _SKIP_FILES or not (name.endswith(".jsonl") or name.endswith(".json")):
                continue
            spec = classify(Path(dirpath) / name, user)
            if spec is not None:
                yield spec


def classify(path: Path, user: str) -> FileSpec | None:
    """Read agent, session id and subagent links from a transcript's path (``None``: not one)."""
    name = path.name
    abspath = os.path.abspath(path)
    if _CODEX_FILE.match(name):
        return FileSpec(abspath, "codex", user, session_id=_codex_id(name))
    if _GEMINI_FILE.match(name) and "chats" in path.parts[-3:]:
        return FileSpec(abspath, "gemini", user, session_id=path.stem)
    if not name.endswith(".jsonl"):
        return None
    agent = _sniff(path)
    if agent == "codex":
        return FileSpec(abspath, "codex", user, session_id=_codex_id(name))
    if agent == "gemini":
        return FileSpec(abspath, "gemini", user, session_id=path.stem)
    m = _AGENT_FILE.match(name)
    if m and path.parent.name == "subagents":
        # Claude Code 2.1: <project>/<sessionId>/subagents/agent-<id>.jsonl (+ .meta.json)
        meta = _read_meta(path.with_name(path.stem + ".meta.json"))
        return FileSpec(
            abspath,
            "claude",
            user,
            session_id=path.stem,
            kind="subagent",
            parent_session_id=path.parent.parent.name,
            agent_id=m["id"],
            project_dir=path.parent.parent.parent.name,
            meta_agent_type=meta.get("agentType"),
            meta_description=meta.get("description"),
        )
    if m:
        # Claude Code 2.0: agent-<id>.jsonl beside the sessions; the parent is in the lines
        return FileSpec(
            abspath,
            "claude",
            user,
            session_id=path.stem,
            kind="subagent",
            agent_id=m["id"],
            project_dir=path.parent.name,
        )
    return FileSpec(abspath, "claude", user, session_id=path.stem, project_dir=path.parent.name)


def _codex_id(name: str) -> str:
    # rollout-2025-12-09T19-55-16-<uuid>.jsonl: the session id is the trailing UUID
    m = re.search(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$", name)
    return m.group(1) if m else Path(name).stem


def _sniff(path: Path) -> str:
    """Tell Codex from Claude JSONL by the first line when the path does not say."""
    parts = path.parts[-5:]
    if ".codex" in parts:
        return "codex"
    if "projects" in parts or ".claude" in parts:
        return "claude"
    try:
        with open(path, "rb") as fh:
            head = fh.readline(65536)
    except OSError:
        return "claude"
    if b'"session_meta"' in head and b'"payload"' in head:
        return "codex"
    if b'"projectHash"' in head and b'"sessionId"' in head and b'"kind"' in head:
        return "gemini"
    return "claude"


def _read_meta(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}
