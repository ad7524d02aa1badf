"""Transcripts as terminal text, Markdown or one self-contained HTML fragment.

Secrets are redacted unless ``redact=False``: message text and results by ``redact.redact``, tool
inputs on their decoded strings (``redact.redact_json``), ids, names and paths by
``redact.redact_name``. HTML comes from jinja2 templates in ``present/templates`` with
auto-escaping, so no transcript text can add markup; in Markdown, text that could make a tag, an
entity or a link is written in a fenced code block and one-line fields are escaped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from workbench.core import redact as redaction
from workbench.query.transcript import Event, Transcript, failed_calls

LABELS = {"user": "USER", "assistant": "ASSISTANT", "thinking": "THINKING", "system": "SYSTEM"}
TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Shown:
    """How transcript text is shown: redacted (the default) or as written."""

    redact: bool = True

    def text(self, s: str | None) -> str:
        """Message or tool-result text."""
        return (redaction.redact(s or "") if self.redact else s) or ""

    def name(self, s: object) -> str:
        """An id, a user, project, tool or model name, a path."""
        s = "-" if s is None else str(s)
        return redaction.redact_name(s) if self.redact else s

    def tool_input(self, input_json: str | None) -> str:
        """A tool call's input as one line of JSON, secrets in its decoded strings replaced."""
        text = _pretty(input_json)
        return redaction.redact_json(text) if self.redact else text


def _ts(ts: datetime | None) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S") if ts else "-"


def _pretty(input_json: str | None) -> str:
    try:
        return json.dumps(json.loads(input_json or "null"), ensure_ascii=False)
    except (ValueError, RecursionError):
        return input_json or ""


def _clip(text: str, full: bool, max_lines: int = 20, max_chars: int = 2000) -> str:
    if full:
        return text
    lines = text.splitlines()
    clipped = "\n".join(lines[:max_lines])[:max_chars]
    if len(clipped) < len(text):
        clipped += f"\n… ({len(text) - len(clipped):,} more characters; --full shows all)"
    return clipped


def _error_tag(e: Event) -> str:
    return f"[ERROR {e.error_category}] " if e.is_error else ""


def text(
    t: Transcript,
    *,
    errors_only: bool = False,
    full: bool = False,
    indent: str = "",
    redact: bool = True,
) -> str:
    """Chronological terminal text: USER / ASSISTANT / TOOL_USE / TOOL_RESULT lines."""
    shown = Shown(redact)
    out: list[str] = []
    events = t.events
    if errors_only:
        events = failed_calls(events)
    for e in events:
        head = f"{indent}[{_ts(e.ts)}] #{e.ordinal}"
        if e.kind == "tool_use":
            out.append(
                f"{head} TOOL_USE {shown.name(e.tool_name)} {shown.tool_input(e.input_json)}"
            )
        elif e.kind == "tool_result":
            body = _clip(shown.text(e.text), full).replace("\n", "\n" + indent + "    ")
            out.append(
                f"{head} TOOL_RESULT {shown.name(e.tool_name)} {_error_tag(e)}\n{indent}    {body}"
            )
        elif e.kind == "subagent":
            out.append(f"{indent}(subagent {shown.name(e.subagent.session['session_id'])})")
        else:
            label = LABELS.get(e.kind, e.kind.upper()) + (" (meta)" if e.is_meta else "")
            body = _clip(shown.text(e.text), full).replace("\n", "\n" + indent + "    ")
            out.append(f"{head} {label}: {body}")
        if e.subagent is not None and not errors_only:
            s = e.subagent.session
            out.append(
                f"{indent}  ┌ subagent {shown.name(s['session_id'])} "
                f"({shown.name(s.get('agent_type') or '?')})"
            )
            out.append(text(e.subagent, full=full, indent=indent + "  │ ", redact=redact))
            out.append(f"{indent}  └ end of subagent")
    return "\n".join(out)


# -- Markdown ---------------------------------------------------------------------------------

# Text with none of these renders as Markdown without making a tag, an entity, a link or an
# image; text with any of them (or a fence line, which would swallow what follows) is fenced.
_LIVE = re.compile(r"[<&\[]|^ {0,3}(?:```|~~~)", re.MULTILINE)
# One-line fields: HTML-significant characters as entities, Markdown punctuation escaped.
_MD_PUNCT = re.compile(r"([\\`*_\[\]#!|~])")


def md_inline(s: object) -> str:
    """``s`` as literal Markdown text on one line: no markup, no links, no tags."""
    s = " ".join(str(s).split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_PUNCT.sub(r"\\\1", s)


def md_text(s: str) -> str:
    """Message text as Markdown: as written when it cannot make markup, else fenced."""
    return _fence(s) if _LIVE.search(s) else s


def _fence(body: str, lang: str = "") -> str:
    """``body`` verbatim in a fenced code block whose fence no backtick run inside can close."""
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{body}\n{ticks}"


def markdown(t: Transcript, *, redact: bool = True, level: int = 1) -> str:
    """The transcript as Markdown (code blocks for tool input and output)."""
    shown = Shown(redact)
    s = t.session

    def field(key: str) -> str:
        return md_inline(shown.name(s[key]))

    out = [
        f"{'#' * level} Session {field('session_id')}",
        "",
        f"- user: {field('user_name')}, project: {field('project')}, agent: {field('agent')}",
        f"- started {_ts(s['started_at'])}, ended {_ts(s['ended_at'])}",
        f"- model: {field('primary_model')}; outcome: {field('outcome')}; health: "
        f"{field('health_score')} ({field('health_grade')})",
        "",
    ]
    for e in t.events:
        tool = md_inline(shown.name(e.tool_name))
        if e.kind == "tool_use":
            out += [
                f"**Tool call** {tool} · {_ts(e.ts)}",
                "",
                _fence(shown.tool_input(e.input_json), "json"),
                "",
            ]
        elif e.kind == "tool_result":
            tag = f" — ERROR ({md_inline(e.error_category)})" if e.is_error else ""
            out += [f"**Result** {tool}{tag}", "", _fence(shown.text(e.text)), ""]
        elif e.kind != "subagent":
            label = LABELS.get(e.kind, e.kind).title()
            out += [f"**{md_inline(label)}** · {_ts(e.ts)}", "", md_text(shown.text(e.text)), ""]
        if e.subagent is not None:
            out += [markdown(e.subagent, redact=redact, level=min(level + 1, 6)), ""]
    return "\n".join(out)


# -- HTML -------------------------------------------------------------------------------------


def _environment():
    """The jinja2 environment for ``present/templates``: auto-escaping, strict undefined."""
    global _ENV
    if _ENV is None:
        import jinja2

        from workbench.present.page import markdown

        _ENV = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        _ENV.filters["markdown"] = markdown  # raw HTML escaped, no images
    return _ENV


_ENV = None


def template(name: str):
    """A template from ``present/templates`` (auto-escaped)."""
    return _environment().get_template(name)


#: Tool output longer than this (lines or characters) is collapsed in ``<details>``.
FOLD_LINES, FOLD_CHARS = 12, 1200


def html(
    t: Transcript, *, redact: bool = True, max_chars: int | None = 20_000, with_style: bool = True
) -> str:
    """The transcript as an HTML fragment: escaped, redacted unless ``redact=False``, errors
    marked (class ``error``, ids ``err-N`` in order for a "next error" link)."""
    view = _view(t, Shown(redact), max_chars, [0])
    return template("transcript.html").render(view=view, with_style=with_style)


def html_page(t: Transcript, *, redact: bool = True) -> str:
    """A whole HTML page with the transcript (``sessions export --format html``)."""
    shown = Shown(redact)
    return template("export.html").render(
        title=shown.name(t.session["session_id"]),
        view=_view(t, shown, None, [0]),
        with_style=True,
    )


#: Tool output longer than this (lines or characters) is folded in a ``<details>``.
FOLD_LINES, FOLD_CHARS = 12, 1200


def _view(t: Transcript, shown: Shown, max_chars: int | None, errors: list[int]) -> dict:
    """What the template shows: plain strings (redacted when asked), errors numbered in order."""
    s = t.session
    view = {
        "session_id": shown.name(s["session_id"]),
        "user_name": shown.name(s["user_name"]),
        "project": shown.name(s["project"]),
        "agent": shown.name(s["agent"]),
        "started": _ts(s["started_at"]),
        "ended": _ts(s["ended_at"]),
        "model": shown.name(s["primary_model"]),
        "outcome": shown.name(s["outcome"]),
        "health_score": shown.name(s["health_score"]),
        "health_grade": shown.name(s["health_grade"]),
        "events": [],
    }
    for e in t.events:
        ev = {
            "kind": e.kind,
            "ordinal": e.ordinal,
            "ts": _ts(e.ts),
            "label": LABELS.get(e.kind, e.kind).title(),
            "tool_name": shown.name(e.tool_name),
            "error_category": shown.name(e.error_category),
            "body": "",
            "more": 0,
            "error_id": None,
            "subagent": None,
            "fold": None,
        }
        if e.kind == "tool_use":
            ev["body"] = shown.tool_input(e.input_json)
        elif e.kind == "tool_result":
            full = shown.text(e.text)  # redacted whole, then cut: no half secret shows
            body = full if max_chars is None else full[:max_chars]
            ev["body"], ev["more"] = body, len(full) - len(body)
            lines = body.count("\n") + 1
            if lines > FOLD_LINES or len(body) > FOLD_CHARS:  # long output: folded
                ev["fold"] = f"{lines:,} lines, {len(body):,} characters"
            if e.is_error:
                ev["error_id"] = errors[0]
                errors[0] += 1
        else:
            ev["body"] = shown.text(e.text)
        if e.subagent is not None:
            ev["subagent"] = _view(e.subagent, shown, max_chars, errors)
        view["events"].append(ev)
    return view
