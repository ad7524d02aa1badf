"""The line shapes of the synthetic corpus: one Claude Code transcript file at a time.

:class:`Writer` appends lines the way Claude Code writes them (uuid chain, running clock,
responses split over one line per content block with repeated usage, tool results with
``toolUseResult`` copies, hooks, progress, compactions, API errors) for
:mod:`workbench.corpus.synthetic`, which decides what happens in each session.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.corpus.synthetic import _Generator


def ts(t: datetime) -> str:
    """Claude Code's timestamp form: milliseconds and ``Z``."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


class Writer:
    """Accumulates one transcript file's lines with a running clock and uuid chain."""

    def __init__(
        self,
        gen: _Generator,
        sid: str,
        cwd: str,
        user: str,
        model: str,
        t: datetime,
        branch: str,
        sidechain: bool = False,
        agent_id: str | None = None,
    ):
        self.gen = gen
        self.rng = gen.rng
        self.sid, self.cwd, self.user, self.model, self.t = sid, cwd, user, model, t
        self.branch = branch
        self.sidechain = sidechain
        self.agent_id = agent_id
        self.version = "2.1.42"
        self.parent: str | None = None
        self.lines: list[str] = []
        self.context = 12000

    def base(self, kind: str) -> dict:
        d = {
            "parentUuid": self.parent,
            "isSidechain": self.sidechain,
            "userType": "external",
            "cwd": self.cwd,
            "sessionId": self.sid,
            "version": self.version,
            "gitBranch": self.branch,
        }
        if self.agent_id:
            d["agentId"] = self.agent_id
        d["type"] = kind
        return d

    def emit(self, d: dict) -> None:
        d.setdefault("uuid", self.gen.uid())
        d.setdefault("timestamp", ts(self.t))
        self.parent = d["uuid"]
        self.lines.append(json.dumps(d, separators=(",", ":")))

    def raw(self, text: str) -> None:
        self.lines.append(text)

    def tick(self, lo: float = 1, hi: float = 20) -> None:
        self.t += timedelta(seconds=self.rng.uniform(lo, hi))

    def meta_lines(self) -> None:
        if self.rng.random() < 0.3:
            self.lines.append(
                json.dumps(
                    {
                        "type": "summary",
                        "summary": "Work on the service",
                        "leafUuid": self.gen.uid(),
                    }
                )
            )
        self.lines.append(
            json.dumps(
                {
                    "type": "file-history-snapshot",
                    "messageId": self.gen.uid(),
                    "snapshot": {"trackedFileBackups": {}, "timestamp": ts(self.t)},
                    "isSnapshotUpdate": False,
                }
            )
        )

    @property
    def newer(self) -> bool:
        """Claude Code 2.1 writes hook attachments, progress and turn summaries."""
        return self.version.startswith("2.1")

    def hook_attachment(self) -> None:
        if not self.newer:
            return
        d = self.base("attachment")
        d["attachment"] = {
            "type": "hook_success",
            "hookName": "UserPromptSubmit",
            "toolUseID": self.gen.uid(),
            "hookEvent": "UserPromptSubmit",
            "content": "",
            "stdout": '{"continue": true}',
            "stderr": "",
            "exitCode": 0,
        }
        self.emit(d)

    def hook_progress(self, use_id: str, event: str = "PostToolUse") -> None:
        d = self.base("progress")
        d.update(
            {
                "data": {
                    "type": "hook_progress",
                    "hookEvent": event,
                    "hookName": f"{event}:Bash",
                    "command": "${CLAUDE_PLUGIN_ROOT}/scripts/notify.sh busy",
                },
                "parentToolUseID": use_id,
                "toolUseID": use_id,
            }
        )
        self.emit(d)

    def turn_end(self) -> None:
        if not self.newer:
            return
        d = self.base("system")
        d.update(
            {
                "subtype": "stop_hook_summary",
                "hookCount": 1,
                "hookInfos": [
                    {
                        "command": "${CLAUDE_PLUGIN_ROOT}/scripts/notify.sh idle",
                        "durationMs": self.rng.randint(40, 400),
                    }
                ],
                "hookErrors": [],
                "preventedContinuation": False,
                "stopReason": "",
                "hasOutput": True,
                "level": "suggestion",
                "toolUseID": self.gen.uid(),
            }
        )
        self.emit(d)
        d = self.base("system")
        d.update(
            {
                "subtype": "turn_duration",
                "durationMs": self.rng.randint(5_000, 400_000),
                "messageCount": len(self.lines),
                "isMeta": False,
            }
        )
        self.emit(d)

    def user_text(self, text: str, **extra) -> None:
        self.tick(5, 60)
        d = self.base("user")
        d["message"] = {"role": "user", "content": text}
        d.update(extra)
        self.emit(d)
        if not extra:
            self.hook_attachment()

    def command(self, name: str) -> None:
        self.tick(5, 30)
        d = self.base("user")
        d["isMeta"] = True
        d["message"] = {
            "role": "user",
            "content": "<local-command-caveat>Caveat: The messages "
            "below were generated by the user while running local commands."
            "</local-command-caveat>",
        }
        self.emit(d)
        d = self.base("user")
        d["message"] = {
            "role": "user",
            "content": f"<command-name>{name}</command-name>\n"
            f"<command-message>{name[1:]}</command-message>\n<command-args></command-args>",
        }
        self.emit(d)

    def compaction(self) -> None:
        self.tick()
        d = self.base("system")
        d.update(
            {
                "subtype": "compact_boundary",
                "content": "Conversation compacted",
                "isMeta": False,
                "level": "info",
                "compactMetadata": {"trigger": "auto", "preTokens": 167000},
            }
        )
        self.emit(d)
        self.user_text(
            "This session is being continued from a previous conversation that ran "
            "out of context. The conversation is summarized below: ...",
            isCompactSummary=True,
            isVisibleInTranscriptOnly=True,
        )
        self.context = 15000

    def api_error(self) -> None:
        self.tick()
        d = self.base("system")
        d.update(
            {
                "subtype": "api_error",
                "level": "error",
                "retryInMs": 1200,
                "retryAttempt": 1,
                "maxRetries": 10,
                "error": {"status": 529, "error": {"type": "overloaded_error"}},
            }
        )
        self.emit(d)
        d = self.base("assistant")
        d["message"] = {
            "id": self.gen.uid(),
            "model": "<synthetic>",
            "role": "assistant",
            "type": "message",
            "stop_reason": "stop_sequence",
            "content": [
                {
                    "type": "text",
                    "text": "API Error: 529 "
                    '{"type":"error","error":{"type":"overloaded_error",'
                    '"message":"Overloaded"}}',
                }
            ],
            "usage": {
                "input_tokens": 0,
                "output_tokens": 0,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        }
        d["isApiErrorMessage"] = True
        self.emit(d)

    def response(self, blocks: list[dict]) -> None:
        """One API response written as one line per content block, usage repeated."""
        rng = self.rng
        msg_id = "msg_01" + "".join(
            rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789")
            for _ in range(22)
        )
        req_id = "req_011C" + "".join(
            rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789")
            for _ in range(20)
        )
        out = rng.randint(40, 1800)
        creation = rng.randint(200, 6000)
        one_hour = creation if rng.random() < 0.15 else 0
        usage_final = {
            "input_tokens": rng.randint(1, 12),
            "cache_creation_input_tokens": creation,
            "cache_read_input_tokens": self.context,
            "cache_creation": {
                "ephemeral_5m_input_tokens": creation - one_hour,
                "ephemeral_1h_input_tokens": one_hour,
            },
            "output_tokens": out,
            "service_tier": "standard",
        }
        self.context += creation + out
        self.tick(2, 25)
        for i, block in enumerate(blocks):
            usage = dict(usage_final)
            if i < len(blocks) - 1:
                usage["output_tokens"] = rng.choice([1, 4, 8])  # partial, as streamed
            d = self.base("assistant")
            d["message"] = {
                "model": self.model,
                "id": msg_id,
                "type": "message",
                "role": "assistant",
                "content": [block],
                "stop_reason": "tool_use" if block["type"] == "tool_use" else None,
                "stop_sequence": None,
                "usage": usage,
            }
            d["requestId"] = req_id
            self.emit(d)

    def assistant_text(self, text: str) -> None:
        blocks = []
        if self.rng.random() < 0.5:
            blocks.append(
                {
                    "type": "thinking",
                    "thinking": self.rng.choice(self.gen.prose),
                    "signature": self.rng.choice(self.gen.signatures),
                }
            )
        blocks.append({"type": "text", "text": text + " " + self.rng.choice(self.gen.prose)})
        self.response(blocks)

    def assistant_tool(self, name: str, inp: dict) -> str:
        use_id = "toolu_01" + "".join(
            self.rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789")
            for _ in range(22)
        )
        blocks = []
        if self.rng.random() < 0.4:
            blocks.append(
                {
                    "type": "thinking",
                    "thinking": self.rng.choice(self.gen.prose),
                    "signature": self.rng.choice(self.gen.signatures),
                }
            )
        if self.rng.random() < 0.5:
            blocks.append({"type": "text", "text": f"Let me use {name}."})
        blocks.append({"type": "tool_use", "id": use_id, "name": name, "input": inp})
        self.response(blocks)
        return use_id

    def tool_result(
        self,
        use_id: str,
        text: str,
        error: bool = False,
        extra: dict | None = None,
        interrupted: bool = False,
    ) -> None:
        self.tick(0.2, 8)
        d = self.base("user")
        d["message"] = {
            "role": "user",
            "content": [
                {"tool_use_id": use_id, "type": "tool_result", "content": text, "is_error": error}
            ],
        }
        if error:
            d["toolUseResult"] = "Error: " + text
        else:
            d["toolUseResult"] = extra or {
                "stdout": text,
                "stderr": "",
                "interrupted": interrupted,
                "isImage": False,
            }
        self.emit(d)

    def tool_round(
        self, name: str, inp: dict, result: str, error: bool = False, interrupted: bool = False
    ) -> None:
        use_id = self.assistant_tool(name, inp)
        if name == "Bash" and self.rng.random() < 0.3:
            for sec in (3, 6):
                self.t += timedelta(seconds=3)
                d = self.base("progress")
                d.update(
                    {
                        "data": {
                            "type": "bash_progress",
                            "output": "...",
                            "elapsedTimeSeconds": sec,
                            "totalLines": 2,
                        },
                        "toolUseID": "bash-progress-0",
                        "parentToolUseID": use_id,
                    }
                )
                self.emit(d)
        extra = None
        if not error and name == "Read":
            extra = {
                "type": "text",
                "file": {
                    "filePath": inp.get("file_path", ""),
                    "content": result,
                    "numLines": result.count("\n") + 1,
                    "startLine": 1,
                    "totalLines": result.count("\n") + 1,
                },
            }
        elif not error and name == "Edit":
            extra = {
                "filePath": inp.get("file_path", ""),
                "oldString": inp.get("old_string"),
                "newString": inp.get("new_string"),
                "originalFile": self.gen.payload(),
                "structuredPatch": [
                    {
                        "oldStart": 1,
                        "oldLines": 1,
                        "newStart": 1,
                        "newLines": 1,
                        "lines": ["-a = 1", "+a = 2"],
                    }
                ],
            }
        self.tool_result(use_id, result, error=error, interrupted=interrupted, extra=extra)
        if self.newer and self.rng.random() < 0.5:
            self.hook_progress(use_id)

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = ("\n".join(self.lines) + "\n").encode("utf-8")
        path.write_bytes(data)
        self.gen.stats.files += 1
        self.gen.stats.bytes += len(data)
