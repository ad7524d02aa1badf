"""A deterministic synthetic corpus of Claude Code transcripts, for the demo and benchmarks.

It writes a team root (``<root>/<user>/.claude/projects/<encoded-cwd>/<session>.jsonl``) with
the line shapes real transcripts have: responses split over one line per content block with
repeated (partly partial) usage, thinking, tool calls and results (``toolUseResult`` copies),
tool errors of every friction category, retry loops and edit churn, 2.1 ``subagents/`` files
with ``.meta.json`` and 2.0 ``agent-*.jsonl`` files, a referenced-but-missing subagent,
compactions, API errors, interruptions, slash commands, skills, MCP calls, progress lines,
snapshots, summaries, multi-day pauses, an unpriced model and a few planted fake secrets.
The same seed and end date always give the same bytes.
"""

from __future__ import annotations

import json
import math
import random
import string
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from workbench.corpus.synthetic_lines import Writer

USERS = ["alice", "bob", "carol", "dan", "erin"]
PROJECTS = ["api-server", "web-frontend", "data-pipeline", "infra", "mobile-app", "docs-site"]
MODELS = [
    ("claude-sonnet-4-5-20250929", 50),
    ("claude-opus-4-6", 20),
    ("claude-sonnet-4-20250514", 12),
    ("claude-opus-4-1-20250805", 8),
    ("claude-haiku-4-5-20251001", 7),
    ("claude-nebula-preview", 3),  # not in any price table: must show as unpriced
]
SUBAGENT_MODEL = "claude-haiku-4-5-20251001"

# (category, tool, result text) - the shapes real tools print
ERRORS = [
    ("permission_denied", "Bash", "Error: This command requires approval"),
    (
        "permission_denied",
        "WebFetch",
        "Error: Claude requested permissions to use WebFetch, but you haven't granted it yet.",
    ),
    (
        "user_rejected",
        "Edit",
        "The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it "
        "was a file edit, the new_string was NOT written to the file). STOP what you are doing and "
        "wait for the user to tell you how to proceed.",
    ),
    ("command_not_found", "Bash", "Exit code 127\n/bin/bash: line 1: pnpm: command not found"),
    (
        "module_not_found",
        "Bash",
        'Exit code 1\nTraceback (most recent call last):\n  File "/app/main.py", line 3, in '
        "<module>\n    import requests\nModuleNotFoundError: No module named 'requests'",
    ),
    (
        "file_not_found",
        "Read",
        "File does not exist. Note: your current working directory is {cwd}.",
    ),
    (
        "file_not_found",
        "Bash",
        "Exit code 2\nls: cannot access 'build/output': No such file or directory",
    ),
    ("file_not_read", "Write", "File has not been read yet. Read it first before writing to it."),
    (
        "file_changed",
        "Edit",
        "File has been modified since read, either by the user or by a linter. Read it again "
        "before attempting to write it.",
    ),
    ("edit_mismatch", "Edit", "String to replace not found in file.\nString:     return total"),
    (
        "edit_mismatch",
        "Edit",
        "Found 3 matches of the string to replace, but replace_all is false. To replace all "
        "occurrences, set replace_all to true. To replace only one occurrence, please provide more "
        "context to uniquely identify the instance.\nString: import os",
    ),
    ("timeout", "Bash", "Command timed out after 2m 0.0s"),
    (
        "too_large",
        "Read",
        "File content (412.7KB) exceeds maximum allowed size (256KB). Please use offset and limit "
        "parameters to read specific portions of the file, or use the GrepTool to search for "
        "specific content.",
    ),
    (
        "syntax_error",
        "Bash",
        'Exit code 1\n  File "/app/handlers.py", line 41\n    def handle(request:\n'
        "                    ^\nSyntaxError: '(' was never closed",
    ),
    (
        "runtime_error",
        "Bash",
        'Exit code 1\nTraceback (most recent call last):\n  File "/app/jobs.py", line 88, in run\n'
        "    user = payload['user_id']\nKeyError: 'user_id'",
    ),
    (
        "runtime_error",
        "Bash",
        "Exit code 1\nTypeError: Cannot read properties of undefined (reading 'map')\n"
        "    at renderList (src/components/List.tsx:14:22)",
    ),
    ("network", "Bash", "Exit code 6\ncurl: (6) Could not resolve host: registry.internal.example"),
    (
        "auth",
        "Bash",
        "Exit code 128\nremote: Invalid username or password.\nfatal: Authentication failed for "
        "'https://github.com/example/repo.git/'",
    ),
    ("rate_limit", "WebFetch", "Request failed with status code 429: Too Many Requests"),
    ("interrupted", "Bash", "[Request interrupted by user for tool use]"),
    ("other", "Bash", "Exit code 2\nmake: *** [Makefile:14: lint] Error 2"),
]

COMMANDS = [
    "git status",
    "pytest -q",
    "npm test",
    "ls -la",
    "git diff --stat",
    "make build",
    "python manage.py migrate",
    "cargo check",
    "docker compose ps",
    "rg TODO src",
]
PROMPTS = [
    "Add pagination to the orders endpoint and cover it with tests",
    "Why is the nightly build failing? Fix it.",
    "Refactor the auth middleware to use the new token service",
    "Write a migration that adds an index on events.created_at",
    "The dashboard chart renders blank on Safari, investigate",
    "Bump the dependencies and make sure the test suite still passes",
    "Explain how the retry logic in the job runner works",
    "Add a --dry-run flag to the deploy script",
    "Port the CSV exporter to stream rows instead of loading everything",
    "Clean up the flaky integration test in test_sync.py",
]
SECRET_PROMPTS = [
    # fake credentials of the shapes redaction must catch (never real)
    "deploy with AWS_ACCESS_KEY_ID=AKIAQ3EGUK5WEXAMPLE1 and retry the upload",
    "use this token for the API: ghp_R4nd0mFak3T0k3nF0rD3m0Purp0s3s1234",
    "the db url is postgres://admin:hunter2secret@db.internal:5432/app, connect and check",
]
_CODE_WORDS = (
    "def return self value items config request response user order total async await import "
    "class for in if None True result client session cache log"
).split()
_PROSE_WORDS = (
    "the test fails because the fixture is shared between cases so I will check how the router "
    "registers handlers and whether the cache is invalidated after the migration runs then update "
    "the endpoint and run the suite again to confirm nothing else depends on this behaviour"
).split()
SLASH = ["/review", "/compact", "/init", "/clear", "/cost"]
SKILLS = ["pdf", "xlsx", "frontend-design"]
MCP = ["mcp__github__create_pull_request", "mcp__linear__get_issue", "mcp__sentry__search_issues"]


@dataclass
class CorpusStats:
    files: int = 0
    sessions: int = 0
    subagents: int = 0
    bytes: int = 0
    users: set = field(default_factory=set)


def generate(
    root: str | Path,
    *,
    sessions: int | None = 300,
    target_bytes: int | None = None,
    seed: int = 7,
    end: date | datetime | None = None,
    days: int = 30,
    payload_scale: float = 1.0,
    bad_lines: bool = True,
) -> CorpusStats:
    """Write a corpus under ``root``: ``sessions`` sessions, or as many as reach ``target_bytes``.

    Sessions start within the ``days`` before ``end`` (default: now, to the hour), at least a
    few hours before it, so "the last 7 days" always has data and nothing lies in the future.
    """
    root = Path(root)
    rng = random.Random(seed)
    if end is None:
        end = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    elif not isinstance(end, datetime):
        end = datetime(end.year, end.month, end.day, 23, 0, tzinfo=timezone.utc)
    gen = _Generator(rng, root, end, days, payload_scale)
    i = 0
    while True:
        if target_bytes is not None and gen.stats.bytes >= target_bytes:
            break
        if target_bytes is None and i >= (sessions or 0):
            break
        gen.session(i, bad_line=bad_lines and i in (5, 77))
        i += 1
    return gen.stats


class _Generator:
    def __init__(self, rng: random.Random, root: Path, end: datetime, days: int, scale: float):
        self.rng = rng
        self.root = root
        self.end = end
        self.days = days
        self.scale = scale
        self.stats = CorpusStats()
        self.user_projects = {u: rng.sample(PROJECTS, rng.randint(2, 4)) for u in USERS}
        # tool output sizes are log-normal (median ~1.4 kB, long tail to 40 kB), like real ones
        self.snippets = [
            self._text(min(40_000, int(rng.lognormvariate(math.log(1400), 1.0))))
            for _ in range(128)
        ]
        self.prose = [self._prose(rng.randint(120, 1800)) for _ in range(64)]
        alphabet = string.ascii_letters + string.digits + "+/"
        self.signatures = [
            "".join(rng.choice(alphabet) for _ in range(rng.randint(300, 1500))) for _ in range(16)
        ]

    # ---- helpers ---------------------------------------------------------------------------
    def uid(self) -> str:
        return str(uuidlib.UUID(int=self.rng.getrandbits(128), version=4))

    def _text(self, n_chars: int) -> str:
        """Code-like lines adding up to about ``n_chars`` characters."""
        rng = self.rng
        out: list[str] = []
        size = 0
        while size < n_chars:
            line = "    " * rng.randint(0, 3) + " ".join(
                rng.choice(_CODE_WORDS) for _ in range(rng.randint(3, 12))
            )
            out.append(line)
            size += len(line) + 1
        return "\n".join(out)

    def _prose(self, n_chars: int) -> str:
        rng = self.rng
        words: list[str] = []
        size = 0
        while size < n_chars:
            w = rng.choice(_PROSE_WORDS)
            words.append(w)
            size += len(w) + 1
        return " ".join(words).capitalize() + "."

    def payload(self) -> str:
        text = self.rng.choice(self.snippets)
        if self.scale < 1:
            text = text[: max(200, int(len(text) * self.scale))]
        elif self.scale > 1:
            text = "\n".join(self.rng.choice(self.snippets) for _ in range(int(self.scale)))
        return text

    # ---- one session -----------------------------------------------------------------------
    def session(self, index: int, bad_line: bool = False) -> None:
        rng = self.rng
        user = USERS[index % len(USERS)] if index < len(USERS) else rng.choice(USERS)
        project = rng.choice(self.user_projects[user])
        cwd = f"/home/{user}/src/{project}"
        folder = self.root / user / ".claude" / "projects" / cwd.replace("/", "-")
        sid = self.uid()
        model = rng.choices([m for m, _ in MODELS], weights=[w for _, w in MODELS])[0]
        day = self.end - timedelta(days=rng.randint(0, self.days - 1))
        start = day.replace(
            hour=rng.choice([8, 9, 10, 11, 13, 14, 15, 16, 17, 20]),
            minute=rng.randint(0, 59),
            second=rng.randint(0, 59),
        )
        long_pause = index % 97 == 13  # a session left open over a long weekend
        # keep the whole session before `end` (turns can span hours, a long pause days)
        latest = self.end - (timedelta(days=6) if long_pause else timedelta(hours=14))
        while start > latest:
            start -= timedelta(days=1)
        w = Writer(self, sid, cwd, user, model, start, branch=rng.choice(["main", "dev", "fix"]))
        w.version = rng.choice(["2.1.42", "2.1.88", "2.0.28", "2.1.114"])
        w.meta_lines()
        turns = rng.randint(2, 9)
        for turn in range(turns):
            if turn and long_pause and turn == turns // 2:
                w.t += timedelta(days=4, hours=rng.randint(0, 5))
            elif turn:
                w.t += timedelta(seconds=rng.choice([20, 45, 90, 240, 600, 1500, 3600]))
            self.turn(w, index, turn, turns)
        if index % 11 == 4:
            w.user_text(rng.choice(PROMPTS))  # abandoned: ends on the user's turn
        if bad_line:
            w.raw('{"type":"assistant","message":{"id":"msg_trunc","content":[{"type":"te')
            w.raw("\x00not json at all")
        w.write(folder / f"{sid}.jsonl")
        self.stats.sessions += 1
        self.stats.users.add(user)

    def turn(self, w: Writer, index: int, turn: int, turns: int) -> None:
        rng = self.rng
        if turn == 0 and index % 29 == 3:
            w.user_text(rng.choice(SECRET_PROMPTS))
        elif rng.random() < 0.12:
            w.command(rng.choice(SLASH))
        else:
            w.user_text(rng.choice(PROMPTS))
        if index % 41 == 7 and turn == turns - 1:
            w.compaction()
        if index % 23 == 9 and turn == 1:
            w.api_error()
        if turn == 0 and (index % 53 == 17 or index % 7 == 2):
            # a subagent; now and then one whose file is missing (Claude Code lost it)
            self.subagent_call(w, index, missing=index % 53 == 17)
        n_calls = rng.randint(1, 7)
        for k in range(n_calls):
            kind = rng.random()
            if kind < 0.05 and turn == 0:
                self.subagent_call(w, index, missing=index % 53 == 17)
            elif kind < 0.09:
                w.tool_round("Skill", {"skill": rng.choice(SKILLS)}, "Launching skill")
            elif kind < 0.13:
                w.tool_round(rng.choice(MCP), {"query": "recent failures"}, '{"items": []}')
            elif index % 17 == 5 and k == 0:
                # a retry loop: the same failing command three times
                cmd = "npm run build"
                for _ in range(3):
                    w.tool_round(
                        "Bash",
                        {"command": cmd, "description": "Build"},
                        'Exit code 1\nnpm ERR! Missing script: "build"',
                        error=True,
                    )
            elif index % 19 == 6 and k == 0:
                # edit churn: one file edited four times in a row
                path = f"{w.cwd}/src/app.py"
                for n in range(4):
                    w.tool_round(
                        "Edit",
                        {"file_path": path, "old_string": f"v{n}", "new_string": f"v{n + 1}"},
                        f"The file {path} has been updated.",
                    )
            elif rng.random() < 0.09:
                cat, tool, text = rng.choice(ERRORS)
                w.tool_round(
                    tool,
                    self.tool_input(tool, w),
                    text.format(cwd=w.cwd),
                    error=True,
                    interrupted=cat == "interrupted",
                )
            else:
                tool = rng.choices(
                    ["Read", "Bash", "Edit", "Grep", "Write", "Glob"],
                    weights=[35, 30, 15, 10, 5, 5],
                )[0]
                w.tool_round(tool, self.tool_input(tool, w), self.payload())
        w.assistant_text("Done. " + rng.choice(PROMPTS).lower() + " is in place.")
        w.turn_end()

    def tool_input(self, tool: str, w: Writer) -> dict:
        rng = self.rng
        f = f"{w.cwd}/src/{rng.choice(['app', 'models', 'views', 'utils', 'jobs'])}.py"
        if tool == "Bash":
            return {"command": rng.choice(COMMANDS), "description": "Run a command"}
        if tool in ("Read", "Write"):
            return {"file_path": f} if tool == "Read" else {"file_path": f, "content": "x = 1\n"}
        if tool == "Edit":
            return {"file_path": f, "old_string": "a = 1", "new_string": "a = 2"}
        if tool == "WebFetch":
            return {"url": "https://docs.example.com/api", "prompt": "summarise"}
        return {"pattern": rng.choice(["TODO", "def main", "import"]), "path": w.cwd}

    def subagent_call(self, w: Writer, index: int, missing: bool) -> None:
        rng = self.rng
        agent_id = "a" + "".join(rng.choice("0123456789abcdef") for _ in range(16))
        agent_type = rng.choice(["Explore", "general-purpose", "Plan"])
        desc = "Survey the code base"
        tool = "Task" if w.version.startswith("2.0") else "Agent"
        use_id = w.assistant_tool(
            tool,
            {"description": desc, "prompt": "Look around the repo", "subagent_type": agent_type},
        )
        sub = Writer(
            self,
            w.sid,
            w.cwd,
            w.user,
            SUBAGENT_MODEL,
            w.t,
            branch=w.branch,
            sidechain=True,
            agent_id=agent_id,
        )
        sub.version = w.version
        sub.user_text("Look around the repo and report the layout")
        for _ in range(rng.randint(2, 5)):
            sub.tool_round(rng.choice(["Read", "Grep", "Glob"]), {"pattern": "src"}, self.payload())
        sub.assistant_text("The repository has a src/ folder with the service code.")
        w.t = sub.t + timedelta(seconds=2)
        w.tool_result(
            use_id,
            "The repository has a src/ folder with the service code.",
            extra={
                "status": "completed",
                "agentId": agent_id,
                "totalDurationMs": 15000,
                "totalTokens": 12000,
            },
        )
        if missing:
            return
        folder = self.root / w.user / ".claude" / "projects" / w.cwd.replace("/", "-")
        if w.version.startswith("2.0"):
            sub.write(folder / f"agent-{agent_id}.jsonl")
        else:
            target = folder / w.sid / "subagents" / f"agent-{agent_id}.jsonl"
            sub.write(target)
            meta = {"agentType": agent_type, "description": desc}
            target.with_suffix("").with_suffix(".meta.json").write_text(json.dumps(meta))
        self.stats.subagents += 1
