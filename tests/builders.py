"""A tiny Claude Code transcript writer for tests: readable fixtures with known answers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path


class Transcript:
    """Lines of one Claude Code session; the clock advances ``step`` seconds per event."""

    def __init__(
        self,
        session_id: str,
        *,
        start: str = "2026-05-04T09:00:00Z",
        cwd: str = "/home/ana/src/shop",
        model: str = "claude-sonnet-4-5-20250929",
        step: float = 10,
        sidechain: bool = False,
        agent_id: str | None = None,
        entrypoint: str | None = None,
    ):
        self.sid = session_id
        self.t = datetime.fromisoformat(start.replace("Z", "+00:00")).astimezone(timezone.utc)
        self.cwd, self.model, self.step = cwd, model, step
        self.sidechain, self.agent_id = sidechain, agent_id
        self.entrypoint = entrypoint  # Claude Code's "entrypoint": cli, sdk-cli (claude -p), ...
        self.lines: list[dict] = []
        self.n = 0
        self.parent: str | None = None

    def wait(self, seconds: float) -> Transcript:
        self.t += timedelta(seconds=seconds)
        return self

    def _base(self, kind: str, **extra) -> dict:
        self.n += 1
        self.t += timedelta(seconds=self.step)
        d = {
            "parentUuid": self.parent,
            "isSidechain": self.sidechain,
            "userType": "external",
            "cwd": self.cwd,
            "sessionId": self.sid,
            "version": "2.1.42",
            "gitBranch": "main",
            "type": kind,
            "uuid": f"{self.sid[:8]}-{self.n:04d}",
            "timestamp": self.t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        }
        if self.agent_id:
            d["agentId"] = self.agent_id
        if self.entrypoint:
            d["entrypoint"] = self.entrypoint
        d.update(extra)
        self.parent = d["uuid"]
        self.lines.append(d)
        return d

    def prompt(self, text: str, **extra) -> Transcript:
        self._base("user", message={"role": "user", "content": text}, **extra)
        return self

    def meta(self, text: str) -> Transcript:
        return self.prompt(text, isMeta=True)

    def say(
        self, text: str, *, model: str | None = None, usage: dict | None = None, **extra
    ) -> Transcript:
        self._assistant([{"type": "text", "text": text}], model=model, usage=usage, **extra)
        return self

    def _assistant(
        self, blocks: list[dict], model: str | None = None, usage: dict | None = None, **extra
    ) -> dict:
        n = self.n + 1
        u = usage or {
            "input_tokens": 1,
            "output_tokens": 10,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 100,
        }
        return self._base(
            "assistant",
            requestId=f"req_{self.sid[:8]}_{n}",
            message={
                "model": model or self.model,
                "id": f"msg_{self.sid[:8]}_{n}",
                "type": "message",
                "role": "assistant",
                "content": blocks,
                "stop_reason": None,
                "usage": u,
            },
            **extra,
        )

    def tool(
        self, name: str, inp: dict, result: str = "ok", *, error: bool = False, flag: bool = True
    ) -> Transcript:
        """A call and its result; ``flag=False`` leaves is_error out (text evidence only)."""
        use_id = f"toolu_{self.sid[:8]}_{self.n + 1}"
        self._assistant([{"type": "tool_use", "id": use_id, "name": name, "input": inp}])
        block = {"tool_use_id": use_id, "type": "tool_result", "content": result}
        if flag:
            block["is_error"] = error
        extra = {"toolUseResult": ("Error: " + result) if error else {"stdout": result}}
        self._base("user", message={"role": "user", "content": [block]}, **extra)
        return self

    def think(self, thought: str, text: str) -> Transcript:
        """An assistant turn with a thinking block before its text."""
        self._assistant(
            [
                {"type": "thinking", "thinking": thought, "signature": "sig"},
                {"type": "text", "text": text},
            ]
        )
        return self

    def spawn(self, agent_id: str, prompt: str, result: str, *, name: str = "Task") -> Transcript:
        """A Task/Agent call whose result names the subagent it ran (toolUseResult.agentId)."""
        use_id = f"toolu_{self.sid[:8]}_{self.n + 1}"
        inp = {"description": "look around", "prompt": prompt, "subagent_type": "Explore"}
        self._assistant([{"type": "tool_use", "id": use_id, "name": name, "input": inp}])
        block = {"tool_use_id": use_id, "type": "tool_result", "content": result}
        self._base(
            "user",
            message={"role": "user", "content": [block]},
            toolUseResult={"status": "completed", "agentId": agent_id, "content": result},
        )
        return self

    def system(self, subtype: str, **extra) -> Transcript:
        """A system line of that subtype (stop_hook_summary, turn_duration, ...)."""
        self._base("system", subtype=subtype, level="info", **extra)
        return self

    def compaction(self) -> Transcript:
        self._base(
            "system",
            subtype="compact_boundary",
            content="Conversation compacted",
            level="info",
            compactMetadata={"trigger": "auto", "preTokens": 160000},
        )
        self._base(
            "user",
            isCompactSummary=True,
            message={
                "role": "user",
                "content": "This session is being continued from a previous ...",
            },
        )
        return self

    def api_error(self) -> Transcript:
        self._base("system", subtype="api_error", level="error", error={"status": 529})
        self._assistant(
            [{"type": "text", "text": "API Error: 529 Overloaded"}],
            model="<synthetic>",
            isApiErrorMessage=True,
            usage={"input_tokens": 0, "output_tokens": 0},
        )
        return self

    def interrupt(self) -> Transcript:
        self._base(
            "user",
            message={
                "role": "user",
                "content": [{"type": "text", "text": "[Request interrupted by user]"}],
            },
        )
        return self

    def write(self, folder: Path, name: str | None = None) -> Path:
        path = folder / (name or f"{self.sid}.jsonl")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(d) + "\n" for d in self.lines))
        return path
