"""Transcripts as terminal text, Markdown or one self-contained HTML fragment.

Markdown and HTML are for sharing: secrets are redacted unless ``redact=False``, and in HTML
every piece of transcript text is escaped (``redact.escape``), so a transcript can never inject
markup or script into a report.
"""

from __future__ import annotations

import json
from datetime import datetime

from workbench.core import redact as redaction
from workbench.query.transcript import Event, Transcript, failed_calls

LABELS = {"user": "USER", "assistant": "ASSISTANT", "thinking": "THINKING", "system": "SYSTEM"}


def _ts(ts: datetime | None) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S") if ts else "-"


def _pretty(input_json: str | None) -> str:
    try:
        return json.dumps(json.loads(input_json or "null"), ensure_ascii=False)
    except ValueError:
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
    return f"[ERROR {e.category}] " if e.is_error else ""


def text(t: Transcript, *, errors_only: bool = False, full: bool = False, indent: str = "") -> str:
    """Chronological terminal text: USER / ASSISTANT / TOOL_USE / TOOL_RESULT lines."""
    out: list[str] = []
    events = t.events
    if errors_only:
        events = failed_calls(events)
    for e in events:
        head = f"{indent}[{_ts(e.ts)}] #{e.ordinal}"
        if e.kind == "tool_use":
            out.append(f"{head} TOOL_USE {e.tool_name} {_pretty(e.input_json)}")
        elif e.kind == "tool_result":
            body = _clip(e.text, full).replace("\n", "\n" + indent + "    ")
            out.append(f"{head} TOOL_RESULT {e.tool_name} {_error_tag(e)}\n{indent}    {body}")
        elif e.kind == "subagent":
            out.append(f"{indent}(subagent {e.subagent.session['session_id']})")
        else:
            label = LABELS.get(e.kind, e.kind.upper()) + (" (meta)" if e.is_meta else "")
            body = _clip(e.text, full).replace("\n", "\n" + indent + "    ")
            out.append(f"{head} {label}: {body}")
        if e.subagent is not None and not errors_only:
            s = e.subagent.session
            out.append(f"{indent}  ┌ subagent {s['session_id']} ({s.get('agent_type') or '?'})")
            out.append(text(e.subagent, full=full, indent=indent + "  │ "))
            out.append(f"{indent}  └ end of subagent")
    return "\n".join(out)


def markdown(t: Transcript, *, redact: bool = True, level: int = 1) -> str:
    """The transcript as Markdown (code blocks for tool input and output)."""
    r = redaction.redact if redact else (lambda s: s)
    s = t.session
    out = [
        f"{'#' * level} Session {s['session_id']}",
        "",
        f"- user: {s['user_name']}, project: {s['project']}, agent: {s['agent']}",
        f"- started {_ts(s['started_at'])}, ended {_ts(s['ended_at'])}",
        f"- model: {s['primary_model']}; outcome: {s['outcome']}; health: "
        f"{s['health_score']} ({s['health_grade']})",
        "",
    ]
    for e in t.events:
        if e.kind == "tool_use":
            out += [
                f"**Tool call** `{e.tool_name}` · {_ts(e.ts)}",
                "",
                _fence(r(_pretty(e.input_json)), "json"),
                "",
            ]
        elif e.kind == "tool_result":
            tag = f" — ERROR ({e.category})" if e.is_error else ""
            out += [f"**Result** `{e.tool_name}`{tag}", "", _fence(r(e.text)), ""]
        elif e.kind != "subagent":
            label = LABELS.get(e.kind, e.kind).title()
            out += [f"**{label}** · {_ts(e.ts)}", "", r(e.text), ""]
        if e.subagent is not None:
            out += [markdown(e.subagent, redact=redact, level=min(level + 1, 6)), ""]
    return "\n".join(out)


def _fence(body: str, lang: str = "") -> str:
    ticks = "```"
    while ticks in body:
        ticks += "`"
    return f"{ticks}{lang}\n{body}\n{ticks}"


CSS = """
.wb-transcript{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1000px}
.wb-transcript .ev{margin:.5em 0;padding:.4em .7em;border-left:4px solid #ccc;background:#fafafa}
.wb-transcript .user{border-color:#3b82f6}.wb-transcript .assistant{border-color:#10b981}
.wb-transcript .thinking{border-color:#a78bfa;color:#555}
.wb-transcript .system{border-color:#9ca3af;color:#555}
.wb-transcript .tool_use{border-color:#f59e0b}.wb-transcript .tool_result{border-color:#d1d5db}
.wb-transcript .error{border-color:#dc2626;background:#fef2f2}
.wb-transcript .meta{font-size:12px;color:#6b7280}
.wb-transcript pre{white-space:pre-wrap;word-break:break-word;margin:.3em 0;font-size:12.5px}
.wb-transcript .sub{margin-left:1.5em;border-left:2px dashed #a78bfa;padding-left:.8em}
.wb-transcript .tag{color:#dc2626;font-weight:600}
.wb-transcript details>summary{cursor:pointer;color:#374151;font-size:12.5px}
.wb-transcript .md p{margin:.3em 0}.wb-transcript .md pre{background:#f3f4f6;padding:.4em}
"""

#: Tool output longer than this (lines or characters) is collapsed in ``<details>``.
FOLD_LINES, FOLD_CHARS = 12, 1200


def html(
    t: Transcript, *, redact: bool = True, max_chars: int | None = 20_000, with_style: bool = True
) -> str:
    """The transcript as an HTML fragment: escaped, redacted unless ``redact=False``, errors
    marked (class ``error``, ids ``err-N`` in order for a "next error" link)."""
    esc = lambda s: redaction.escape(s, redact=redact)  # noqa: E731
    parts: list[str] = [f"<style>{CSS}</style>"] if with_style else []
    parts.append(_html_body(t, esc, max_chars, [0], redact))
    return "\n".join(parts)


def _markdown(text: str, redact: bool) -> str:
    """Assistant Markdown as HTML: redacted first, raw HTML escaped, no images."""
    from workbench.present.page import markdown

    return f'<div class="md">{markdown(redaction.redact(text) if redact else text)}</div>'


def _fold(body_html: str, text: str, open_: bool) -> str:
    """Long output in a ``<details>`` (open when it is an error)."""
    lines = text.count("\n") + 1
    if lines <= FOLD_LINES and len(text) <= FOLD_CHARS:
        return body_html
    summary = f"{lines:,} lines, {len(text):,} characters"
    return f"<details{' open' if open_ else ''}><summary>{summary}</summary>{body_html}</details>"


def _html_body(
    t: Transcript, esc, max_chars: int | None, counter: list[int], redact: bool = True
) -> str:
    s = t.session
    out = [
        '<div class="wb-transcript">',
        f'<div class="meta">Session {esc(s["session_id"])} · {esc(s["user_name"])} · '
        f"{esc(s['project'])} · {esc(s['agent'])} · {esc(_ts(s['started_at']))} → "
        f"{esc(_ts(s['ended_at']))} · {esc(s['primary_model'])} · outcome "
        f"{esc(s['outcome'])} · health {esc(s['health_score'])} ({esc(s['health_grade'])})</div>",
    ]
    for e in t.events:
        when = f'<div class="meta">#{e.ordinal} · {esc(_ts(e.ts))}'
        if e.kind == "tool_use":
            out.append(
                f'<div class="ev tool_use">{when} · tool call <b>{esc(e.tool_name)}</b>'
                f"</div><pre>{esc(_pretty(e.input_json))}</pre></div>"
            )
        elif e.kind == "tool_result":
            cls, tag = "tool_result", ""
            if e.is_error:
                cls += " error"
                tag = f' <span class="tag" id="err-{counter[0]}">ERROR {esc(e.category)}</span>'
                counter[0] += 1
            body = e.text if max_chars is None else e.text[:max_chars]
            more = (
                ""
                if len(body) == len(e.text)
                else (f'<div class="meta">… {len(e.text) - len(body):,} more characters</div>')
            )
            out.append(
                f'<div class="ev {cls}">{when} · result of <b>{esc(e.tool_name)}</b>'
                f"{tag}</div>{_fold(f'<pre>{esc(body)}</pre>', body, e.is_error)}{more}</div>"
            )
        elif e.kind != "subagent":
            label = LABELS.get(e.kind, e.kind).title()
            shown = (
                _markdown(e.text, redact) if e.kind == "assistant" else f"<pre>{esc(e.text)}</pre>"
            )
            out.append(f'<div class="ev {e.kind}">{when} · {label}</div>{shown}</div>')
        if e.subagent is not None:
            sub = e.subagent
            inner = _html_body(sub, esc, max_chars, counter, redact)
            errors = sum(1 for x in sub.events if x.kind == "tool_result" and x.is_error)
            summary = (
                f"subagent {esc(sub.session.get('agent_type') or '')} · {len(sub.events):,} "
                f"events{f' · {errors} tool errors' if errors else ''}"
            )
            out.append(
                f'<details class="sub"{" open" if errors else ""}><summary>{summary}</summary>'
                f"{inner}</details>"
            )
    out.append("</div>")
    return "\n".join(out)
