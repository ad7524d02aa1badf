"""Find transcript files and read what their paths say: agent, user, session, subagent links.

A path may be one file, a Claude ``projects`` folder (or one project folder in it), a ``~/.claude``
folder, a Codex or Gemini home, or a team root whose first-level folders are users
(``<root>/<user>/**``). Nothing here opens a transcript except to read its first few KB: to sniff
a file whose path does not tell its agent, and for Gemini CLI chats, whose file names hold only
the first 8 characters of the session id (the head holds ``sessionId`` and ``projectHash``).
"""

from __future__ import annotations

import functools
import json
import os
import re
import stat
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from workbench.core import config
from workbench.ingest import safeio

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
_HEAD_BYTES = 4096  # enough for a Gemini chat's first keys or a JSONL metadata line
_META_BYTES = 1024 * 1024  # a subagent's .meta.json is a few hundred bytes
_JSON_STR = r'"{}"\s*:\s*"((?:[^"\\]|\\.){{1,200}})"'
#: A folder's listing is kept for the next scan only when the folder was last changed this long
#: before it was listed: a change made later, even within the file system's clock tick, then
#: gives the folder another mtime or ctime (the "racy" case of git's index), with room for a
#: network file system's clock running behind this machine's.
SETTLED_NS = 10 * 1_000_000_000


@dataclass(slots=True)
class FileSpec:
    """One transcript file and what its location says about it. Never changed once made (not
    ``frozen``: a frozen dataclass costs 3 µs more to make, a tenth of a 1 GB corpus's scan)."""

    path: str
    agent: str
    user: str
    session_id: str
    kind: str = "session"  # or "subagent"
    parent_session_id: str | None = None
    agent_id: str | None = None
    project_dir: str | None = None
    meta_path: str | None = None  # agent-<id>.meta.json (Claude Code 2.1), read when needed
    document: bool = False  # one JSON document (Gemini .json chats), not JSON lines
    appendable: bool = True  # False: re-read in full whenever it changes (never appended)

    @property
    def meta_agent_type(self) -> str | None:
        return _meta(self.meta_path).get("agentType") if self.meta_path else None

    @property
    def meta_description(self) -> str | None:
        return _meta(self.meta_path).get("description") if self.meta_path else None


@dataclass
class Discovery:
    """What a scan found: the files, the folders it covered, and paths it could not use."""

    files: list[FileSpec] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)  # folders scanned in full (vanished check)
    explicit: list[str] = field(default_factory=list)  # single files named on the command line
    problems: list[str] = field(default_factory=list)
    #: folder -> its listing, for the next scan (the ingest manifest keeps it): [mtime_ns,
    #: ctime_ns, inode, device, [subfolder names], [[transcript file name, inode], ...]]
    listings: dict[str, list] = field(default_factory=dict)


@dataclass
class _Scan:
    """One folder's scan: where it really is, whether symlinks leaving it are followed, and
    the files (by device and inode) already found, so a file reached twice counts once."""

    root: str  # the scanned folder, symlinks resolved
    follow_symlinks: bool
    problems: list[str]
    inodes: dict[int, list[str]]  # inode -> the paths found with it
    visited: set[str] = field(default_factory=set)  # folders walked (symlink loops)
    links: list[tuple[str, str]] = field(default_factory=list)  # (path, user): read last
    cached: dict[str, list] | None = None  # the last scan's listings (None: none used)
    kept: dict[str, list] = field(default_factory=dict)  # this scan's, for the next one

    def inside(self, real: str) -> bool:
        return real == self.root or real.startswith(self.root.rstrip(os.sep) + os.sep)


def discover(
    paths: Sequence[str | os.PathLike] | None = None,
    user: str | None = None,
    *,
    follow_symlinks: bool = False,
    listings: dict[str, list] | None = None,
) -> Discovery:
    """Scan ``paths`` (default: this machine's transcript folders) for transcript files.

    Only regular files are taken (a FIFO, a device or a socket named ``*.jsonl`` is skipped
    and reported), file names must be UTF-8, and a symlink whose target lies outside the
    scanned folder is not followed unless ``follow_symlinks``; every skip is a problem.

    ``listings``: the ``Discovery.listings`` of an earlier scan. A folder whose stat (mtime,
    ctime, inode, device) is the same as when that scan listed it is not listed again: its
    subfolders and transcript files are taken from there (files are appended to without a
    change to their folder; whether a file changed is the ingest's question, by its own stat).
    Only a folder of regular, ASCII-named files and plain subfolders, which gave no problem,
    settled when listed (``SETTLED_NS``), has a listing; none is used or kept when symlinks are
    followed. The files found are the same either way."""
    result = Discovery()
    targets = [Path(p).expanduser() for p in paths] if paths else config.default_roots()
    seen: set[str] = set()
    inodes: dict[int, list[str]] = {}
    for target in targets:
        shown = safeio.printable_path(str(target))
        if not target.exists():
            result.problems.append(f"{shown}: no such file or folder")
            continue
        if not target.is_dir():
            # named on the command line: followed wherever it points, but must be a file
            reason = _unusable(str(target))
            if reason:
                result.problems.append(f"{shown}: {reason}")
                continue
            spec = classify(target, user or config.default_user())
            if spec is None:
                result.problems.append(f"{shown}: not a transcript file (.jsonl or .json)")
                continue
            result.explicit.append(spec.path)
            _add(result, seen, inodes, [spec])
            continue
        result.roots.append(os.path.abspath(target))
        scan = _Scan(os.path.realpath(target), follow_symlinks, result.problems, inodes)
        if not follow_symlinks:
            scan.cached = listings or {}
        _add(result, seen, None, _scan_dir(target, user, scan))
        result.listings.update(scan.kept)
    result.files.sort(key=lambda s: s.path)
    return result


def spec_under(
    root: str | os.PathLike, path: str | os.PathLike, user: str | None = None
) -> FileSpec | None:
    """The file ``discover([root], user)`` finds at ``path`` (a file under the folder
    ``root``), as that scan reads it (its user above all: a team root's first-level folder),
    without scanning the rest of the folder. Then ``discover([path], user=spec.user)`` finds
    the same file the same way, so a watcher can ingest a changed file alone.

    ``None`` when only a scan of the whole folder can tell: the path is gone, is not a
    regular file or has other names (a hard link), lies under a symlink or a skipped folder,
    is not a transcript, or is not under ``root``."""
    top = os.path.abspath(root).rstrip(os.sep) or os.sep
    p = os.path.abspath(path)
    if not p.startswith(top.rstrip(os.sep) + os.sep) or not safeio.is_utf8_name(p):
        return None
    parts = p[len(top.rstrip(os.sep)) + 1 :].split(os.sep)
    if parts[-1] in _SKIP_FILES or any(d in _SKIP_DIRS for d in parts[:-1]):
        return None
    try:
        st = os.lstat(p)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
        return None
    if os.path.realpath(p) != os.path.join(os.path.realpath(top), *parts):
        return None  # a symlink on the way: the scan may reach it otherwise, or not at all
    # which user the scan gives it: as _scan_folders decides
    one, _ = _one_person(Path(top), _Scan(os.path.realpath(top), False, [], {}))
    if one:
        owner = user or config.default_user()
    elif len(parts) > 1:
        owner = user or parts[0]  # a team root: the first-level folder is the user
    else:
        return None
    return classify(p, owner)


def _unusable(path: str) -> str | None:
    """Why a file cannot be read as a transcript (None: it can)."""
    if not safeio.is_utf8_name(path):
        return "the file name is not valid UTF-8"
    try:
        safeio.regular_stat(path)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _add(
    result: Discovery,
    seen: set[str],
    inodes: dict[int, list[str]] | None,
    specs: Iterable[FileSpec],
) -> None:
    for spec in specs:
        if spec.path in seen:
            continue
        if inodes is not None:
            try:
                if not _first_time(inodes, spec.path, os.stat(spec.path).st_ino):
                    continue
            except OSError:
                continue
        seen.add(spec.path)
        result.files.append(spec)


def _scan_dir(root: Path, user: str | None, scan: _Scan) -> Iterable[FileSpec]:
    """Decide what kind of folder ``root`` is and yield its transcripts."""
    yield from _scan_folders(root, user, scan)
    # symlinked files last: a file reached both directly and through a link is read under
    # its own name
    for path, owner in scan.links:
        reason = _unusable_in(path, scan, link_ok=True)
        if reason:
            scan.problems.append(f"{safeio.printable_path(path)}: {reason}")
        elif reason is None and (spec := classify(path, owner)) is not None:
            yield spec


def _scan_folders(root: Path, user: str | None, scan: _Scan) -> Iterable[FileSpec]:
    one, children = _one_person(root, scan)
    if one:
        yield from _walk(root, user or config.default_user(), scan)
        return
    # a team root: every first-level folder is one user
    for child in children:
        yield from _walk(child, user or child.name, scan)


def _one_person(root: Path, scan: _Scan) -> tuple[bool, list[Path]]:
    """Whether everything under ``root`` is one person's (an agent's home or transcript
    folder, a projects folder, one project folder, a flat folder of transcripts) rather than
    a team root's folder per user; and its first-level folders when that took listing them."""
    if _is_agent_home(root):
        return True, []
    children = _subdirs(root, scan)
    return _has_transcripts(root) or any(_has_transcripts(c) for c in children), children


def _is_agent_home(path: Path) -> bool:
    """A folder that belongs to one person: an agent's home or its transcript folder."""
    if path.name in {".claude", ".codex", ".gemini", "projects", "chats"}:
        return True
    if (path / "chats").is_dir():
        return True  # one Gemini project folder: tmp/<project>/chats/
    if (path / "projects").is_dir() and not _has_transcripts(path):
        return True  # a Claude config folder (~/.claude, $CLAUDE_CONFIG_DIR)
    if (path / "archived_sessions").is_dir() or _is_codex_sessions(path / "sessions"):
        return True  # a Codex home ($CODEX_HOME)
    if _is_gemini_tmp(path / "tmp"):
        return True  # a Gemini home
    return _is_codex_sessions(path) or _is_gemini_tmp(path)


def _dirs(path: Path) -> list[os.DirEntry]:
    try:
        return [e for e in os.scandir(path) if e.is_dir()]
    except OSError:
        return []


def _is_codex_sessions(path: Path) -> bool:
    """Codex ``sessions/`` or ``archived_sessions/``: ``YYYY/MM/DD/rollout-*.jsonl``."""
    children = _dirs(path)
    return bool(children) and all(re.fullmatch(r"\d{4}", e.name) for e in children)


def _is_gemini_tmp(path: Path) -> bool:
    """Gemini ``tmp/``: ``<project>/chats/session-*.json(l)``."""
    return any(os.path.isdir(os.path.join(e.path, "chats")) for e in _dirs(path))


def _subdirs(path: Path, scan: _Scan) -> list[Path]:
    """The first-level folders of ``path``; a symlink to a folder outside the scanned one is
    left out (and reported) unless symlinks are followed."""
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError as exc:
        scan.problems.append(
            f"{safeio.printable_path(str(path))}: cannot list folder ({exc.strerror or exc})"
        )
        return []
    out = []
    for e in entries:
        if e.name in _SKIP_DIRS or not _is_dir(e):
            continue
        if not safeio.is_utf8_name(e.path):
            scan.problems.append(
                f"{safeio.printable_path(e.path)}: the folder name is not valid UTF-8"
            )
            continue
        if e.is_symlink() and not _may_follow(e.path, scan):
            continue
        out.append(Path(e.path))
    return out


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _may_follow(link: str, scan: _Scan) -> bool:
    """Whether to follow the symlink ``link``: its target is inside the scanned folder, or
    symlinks are followed; a link left alone is reported."""
    real = os.path.realpath(link)
    if scan.follow_symlinks or scan.inside(real):
        return True
    shown = safeio.printable_path(os.path.abspath(link))
    scan.problems.append(
        f"{shown}: a symlink to {safeio.printable_path(real)}, outside the scanned folder; "
        "not followed (--follow-symlinks to follow it)"
    )
    return False


def _has_transcripts(path: Path) -> bool:
    try:
        return any(
            e.is_file()
            and (e.name.endswith(".jsonl") or _GEMINI_FILE.match(e.name))
            and e.name not in _SKIP_FILES
            for e in os.scandir(path)
        )
    except OSError:
        return False


def _walk(root: Path, user: str, scan: _Scan) -> Iterable[FileSpec]:
    """The transcripts under ``root``, top-down, folders and files in name order. What each
    entry is comes from the folder listing (``os.scandir``): a scan costs no system call per
    file or folder, only per symlink and per file that is not regular."""
    top = os.path.abspath(root)
    if os.path.islink(top) and not _may_follow(top, scan):
        return
    stack = [top]
    while stack:
        dirpath = stack.pop()
        if scan.follow_symlinks:  # only then can a walk loop, or reach a folder twice
            real = os.path.realpath(dirpath)
            if real in scan.visited:
                continue
            scan.visited.add(real)
        listed = _stat_dir(dirpath) if scan.cached is not None else None
        cached = scan.cached.get(dirpath) if listed is not None else None
        if cached is not None and cached[:4] == listed:
            scan.kept[dirpath] = cached
            yield from _replay(dirpath, cached, user, scan, stack)
            continue
        try:
            with os.scandir(dirpath) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            scan.problems.append(
                f"{safeio.printable_path(dirpath)}: cannot list folder ({exc.strerror or exc})"
            )
            continue
        folders = []
        # what a next scan may take instead of listing the folder again (None: not kept)
        folder_names: list[str] | None = []
        file_names: list[list] = []
        # a folder's own name was checked before it was walked: a file's name is checked
        # again only when it is not ASCII
        dir_utf8 = safeio.is_utf8_name(dirpath)
        here = None  # what the folder says of its transcripts, once one is found
        for e in entries:
            name, path = e.name, e.path
            transcript = _candidate(name)
            try:
                link = e.is_symlink()
                folder = e.is_dir() if link else e.is_dir(follow_symlinks=False)
            except OSError:
                folder_names = None
                continue
            if folder and not (link and transcript):
                if name in _SKIP_DIRS:
                    continue
                if not link and dir_utf8 and name.isascii():
                    folders.append(path)
                    if folder_names is not None:
                        folder_names.append(name)
                    continue
                folder_names = None
                if not safeio.is_utf8_name(path):
                    scan.problems.append(
                        f"{safeio.printable_path(path)}: the folder name is not valid UTF-8"
                    )
                elif not link or scan.follow_symlinks:
                    folders.append(path)
                else:
                    # never walked into (the folder it points to is scanned itself when it is
                    # inside); one outside is reported
                    _may_follow(path, scan)
                continue
            if not transcript:
                continue
            if link:
                folder_names = None
                scan.links.append((path, user))
                continue
            if dir_utf8 and name.isascii() and e.is_file(follow_symlinks=False):
                # the common case, inline: a regular file with an ASCII name, its inode from
                # the listing (no system call)
                ino = e.inode()
                file_names.append([name, ino])
                if not _first_time(scan.inodes, path, ino):
                    continue
            else:
                folder_names = None
                reason = _unusable_in(path, scan, entry=e)
                if reason is not None:
                    if reason:
                        scan.problems.append(f"{safeio.printable_path(path)}: {reason}")
                    continue
            if here is None:
                here = _Folder(dirpath)  # absolute and normalised
            spec = _classify(here, path, name, user)
            if spec is not None:
                yield spec
        stack.extend(reversed(folders))
        if (
            listed is not None
            and folder_names is not None
            and time.time_ns() - max(listed[0], listed[1]) >= SETTLED_NS
        ):
            scan.kept[dirpath] = [*listed, folder_names, file_names]


def _stat_dir(path: str) -> list[int] | None:
    """What tells whether a folder changed since it was listed: its mtime and ctime (entries
    added, removed or renamed; its mode changed), inode and device (None: no stat)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def _replay(
    dirpath: str, listing: list, user: str, scan: _Scan, stack: list[str]
) -> Iterable[FileSpec]:
    """The transcripts of a folder unchanged since ``listing`` was made: as ``_walk`` found
    them then, each classified again (a file's head may tell its agent, and may have changed)."""
    folder_names, file_names = listing[4], listing[5]
    prefix = dirpath if dirpath.endswith(os.sep) else dirpath + os.sep
    if file_names:  # (many folders hold only folders: a session's, of its subagents)
        here = _Folder(dirpath.rstrip(os.sep) or os.sep)
        for name, ino in file_names:
            path = prefix + name
            if not _first_time(scan.inodes, path, ino):
                continue
            spec = _classify(here, path, name, user)
            if spec is not None:
                yield spec
    stack.extend(reversed([prefix + name for name in folder_names]))


def _candidate(name: str) -> bool:
    """Whether a file named ``name`` may be a transcript (``_classify`` decides): JSON lines,
    or a JSON document named as Gemini CLI names its chats (other ``.json`` files, settings,
    credentials or a subagent's ``.meta.json``, are never opened)."""
    if name.endswith(".jsonl"):
        return name not in _SKIP_FILES
    return name.endswith(".json") and name.startswith("session-")


def _unusable_in(
    path: str, scan: _Scan, link_ok: bool = False, entry: os.DirEntry | None = None
) -> str | None:
    """Why a file found in a folder scan is not read (None: it is read; "": skipped
    silently, already reported or seen)."""
    if not safeio.is_utf8_name(path):
        return "the file name is not valid UTF-8"
    if link_ok and not _may_follow(path, scan):
        return ""
    try:
        if entry is not None and entry.is_file(follow_symlinks=False):
            ino = entry.inode()  # from the listing: no system call
        else:
            ino = safeio.regular_stat(path).st_ino
    except OSError as exc:
        return exc.strerror or str(exc)
    return None if _first_time(scan.inodes, path, ino) else ""


def _first_time(inodes: dict[int, list[str]], path: str, ino: int) -> bool:
    """Whether ``path`` (inode ``ino``) is a file not found before under another name (a
    symlink, a second scanned folder). Inode numbers repeat across file systems: the device
    is compared only when one does."""
    seen = inodes.get(ino)
    if seen is None:
        inodes[ino] = [path]
        return True
    try:
        dev = os.stat(path).st_dev
        if any(os.stat(other).st_dev == dev for other in seen):
            return False
    except OSError:
        return False
    seen.append(path)
    return True


def classify(path: str | os.PathLike, user: str) -> FileSpec | None:
    """Read agent, session id and subagent links from a transcript's path (``None``: not one).

    String operations on the absolute path, not ``pathlib``: a scan classifies every file of
    a corpus, and a no-op ingest is mostly this."""
    abspath = os.path.abspath(path)
    folder, _, name = abspath.rpartition(os.sep)
    return _classify(_Folder(folder or os.sep), abspath, name, user)


class _Folder:
    """What a file's folder says about it, worked out once for all the files a scan finds in
    one folder: its last names (``_part``) and the agent its path names, if any."""

    __slots__ = ("name", "parent", "grandparent", "near_chats", "path_agent")

    def __init__(self, folder: str) -> None:
        parts = folder.split(os.sep)
        self.name, self.parent = _part(parts, -1), _part(parts, -2)
        self.grandparent = _part(parts, -3)
        # a Gemini chat's session-*.json(l) is in chats/ or chats/<parentSessionId>/
        self.near_chats = "chats" in (self.name, self.parent)
        # the agent whose folders these are, when the path says (a JSON lines file only)
        near = parts[-4:]
        self.path_agent = (
            "codex"
            if ".codex" in near
            else "claude"
            if "projects" in near or ".claude" in near
            else None
        )


def _classify(folder: _Folder, abspath: str, name: str, user: str) -> FileSpec | None:
    """``classify`` of the file ``name`` at ``abspath`` (absolute, normalised: a folder scan's
    entries) in ``folder``."""
    # the name's prefix first: a regular expression costs more than the rest of a file's scan
    jsonl = name.endswith(".jsonl")
    if jsonl and name.startswith("rollout-") and _CODEX_FILE.match(name):
        return _codex(abspath, user)
    session = name.startswith("session-")
    if session and folder.near_chats and _GEMINI_FILE.match(name):
        return _gemini(abspath, user)
    if jsonl and folder.parent == "chats":
        # newer Gemini CLI: chats/<parentSessionId>/<sessionId>.jsonl
        return _gemini(abspath, user)
    if name.endswith(".json"):
        # only Gemini chats are JSON documents; other .json files (settings, credentials) are
        # never opened
        return _gemini(abspath, user) if session and _sniff(abspath) == "gemini" else None
    if not jsonl:
        return None
    agent = folder.path_agent or _sniff(abspath)
    if agent == "codex":
        return _codex(abspath, user, _json_str(_head(abspath), "id"))
    if agent == "gemini":
        return _gemini(abspath, user)
    stem = name[: -len(".jsonl")]
    m = _AGENT_FILE.match(name) if name.startswith("agent-") else None
    if m and folder.name == "subagents":
        # Claude Code 2.1: <project>/<sessionId>/subagents/agent-<id>.jsonl (+ .meta.json)
        return FileSpec(
            abspath,
            "claude",
            user,
            session_id=stem,
            kind="subagent",
            parent_session_id=folder.parent,
            agent_id=m["id"],
            project_dir=folder.grandparent,
            meta_path=abspath[: -len(".jsonl")] + ".meta.json",
        )
    if m:
        # Claude Code 2.0: agent-<id>.jsonl beside the sessions; the parent is in the lines
        return FileSpec(
            abspath,
            "claude",
            user,
            session_id=stem,
            kind="subagent",
            agent_id=m["id"],
            project_dir=folder.name,
        )
    return FileSpec(abspath, "claude", user, session_id=stem, project_dir=folder.name)


def _part(parts: list[str], i: int) -> str:
    """``parts[i]`` of a split absolute path, or "" above the root (as ``Path('/').name``)."""
    return parts[i] if len(parts) >= -i else ""


def _codex(abspath: str, user: str, meta_id: str | None = None) -> FileSpec:
    """A Codex CLI rollout; its session id is the UUID that ends ``rollout-*.jsonl`` (the
    ``session_meta`` id). A line's model and session come from the ``turn_context`` and
    ``session_meta`` lines before it, so a changed rollout is re-read in full, never appended."""
    session_id = _codex_id(os.path.basename(abspath), meta_id)
    return FileSpec(abspath, "codex", user, session_id=session_id, appendable=False)


def _gemini(abspath: str, user: str) -> FileSpec:
    """A Gemini CLI chat: ``chats/session-*.json`` (one JSON document, before April 2026),
    ``chats/session-*.jsonl`` (records: the latest per message id wins, ``$set``,
    ``$rewindTo``) or a subagent's ``chats/<parentSessionId>/<sessionId>.jsonl``. The session id
    and project hash come from the head (else the file name and the ``tmp/<project>`` folder);
    the file is re-read in full whenever it changes."""
    path = Path(abspath)
    head = _head(abspath)
    subagent = len(path.parts) >= 3 and path.parts[-3] == "chats"
    chats = path.parent.parent if subagent else path.parent
    session_id = _json_str(head, "sessionId") or path.stem
    return FileSpec(
        abspath,
        "gemini",
        user,
        session_id=session_id,
        kind="subagent" if subagent else "session",
        parent_session_id=path.parent.name if subagent else None,
        agent_id=session_id if subagent else None,
        project_dir=_json_str(head, "projectHash")
        or (chats.parent.name if chats.name == "chats" else None),
        document=path.name.endswith(".json"),
        appendable=False,
    )


def _head(path: str) -> bytes:
    try:
        return safeio.read_range(path, 0, _HEAD_BYTES)
    except OSError:
        return b""


def _json_str(head: bytes, key: str) -> str | None:
    """The string value of ``key`` near the start of a JSON text (first match), if any."""
    m = re.search(_JSON_STR.format(key).encode(), head)
    if not m:
        return None
    try:
        value = json.loads(b'"' + m.group(1) + b'"')
    except ValueError:
        return None
    return value if isinstance(value, str) and value else None


def _codex_id(name: str, meta_id: str | None = None) -> str:
    # rollout-2025-12-09T19-55-16-<uuid>.jsonl: the session id is the trailing UUID
    m = re.search(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$", name)
    return m.group(1) if m else meta_id or Path(name).stem


def _sniff(path: str) -> str:
    """Tell Codex, Gemini and Claude apart by the start of the file at absolute ``path``, when
    its folders do not say (``_Folder.path_agent``; ``"none"``: a ``.json`` file that is not a
    Gemini chat)."""
    document = path.endswith(".json")
    try:
        head = safeio.read_range(path, 0, _HEAD_BYTES if document else 65536)
    except OSError:
        return "none" if document else "claude"
    if not document:
        head = head.split(b"\n", 1)[0]
    if b'"projectHash"' in head and b'"sessionId"' in head:
        return "gemini"
    if document:
        return "none"
    if b'"session_meta"' in head and b'"payload"' in head:
        return "codex"
    return "claude"


@functools.lru_cache(maxsize=4096)
def _meta(path: str) -> dict:
    """A subagent's ``.meta.json`` (``{}`` when missing or broken); read only for files that
    are parsed, so an unchanged corpus costs a directory listing."""
    try:
        data = json.loads(safeio.read_range(path, 0, _META_BYTES).decode("utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError, RecursionError):
        return {}
