"""Secret redaction and safe HTML for shared output.

Transcripts hold API keys, tokens and passwords that people paste into prompts or that tools
print. Everything a report shows goes through here: :func:`redact` replaces each secret with a
labelled placeholder such as ``[REDACTED:github-token]`` and keeps the surrounding text;
:func:`escape` and :class:`Text` HTML-escape text and redact it by default (``redact=False``
opts out).

The patterns live in :data:`PATTERNS`, one labelled regular expression each, tried in order
(specific before generic). A placeholder never matches a pattern, so redaction is idempotent.
Quotes may be backslash-escaped (``\\"api_key\\": \\"…\\"`` as JSON-escaped text shows a Write
tool's file), and :func:`redact_json` redacts a tool input's *decoded* strings and masks the
values of secret-named keys (:data:`SECRET_KEY`). :func:`redact_name` is for ids, names and
paths, where a key may follow a ``-`` (``-home-ana-ghp_…``); :func:`redact_data` walks the plain
dicts and lists that commands print as JSON.
"""

from __future__ import annotations

import functools
import html
import json
import re
from dataclasses import dataclass
from typing import Any

#: Text a placeholder starts with; ``[REDACTED:<label>]``.
PLACEHOLDER_PREFIX = "[REDACTED:"

# A token must not continue into more token characters on either side.
_B = r"(?<![A-Za-z0-9_\-])"
_E = r"(?![A-Za-z0-9_\-])"
# In names and paths a "-" separates words (Claude's project folders replace "/" by "-").
_NAME_B = r"(?<![A-Za-z0-9_])"
# A quote, possibly backslash-escaped (JSON in a JSON string, any depth).
_Q = r"(?:\\*[\"'])"
# One character of an assigned value: no space, quote, bracket or separator, and a backslash only
# when it does not start a JSON escape (so a value stops before \" or \n of JSON-escaped text).
_V = r"(?:[^\s\"'`,;\[\]()<>{}\\]|\\(?![\"'\\/bfnrtu]))"

#: Key names whose values are secrets: a key *ending* in one of these words (any case, any
#: prefix: ``db_password``, ``apiKey``, ``AWS_SECRET_ACCESS_KEY``); ``max_tokens`` is not one.
SECRET_KEY = (
    r"[A-Za-z0-9_.\-]*?(?i:password|passwd|passphrase|secret|api[_\-]?key|access[_\-]?key"
    r"|private[_\-]?key|secret[_\-]?key|token|credentials?|authorization)"
)
_SECRET_KEY = re.compile(SECRET_KEY + r"\Z")


@dataclass(frozen=True, eq=False)
class Pattern:
    """A secret shape: ``label`` names it in the placeholder; ``group`` is the part replaced
    (0 = the whole match, else a named group, so key names and URL hosts stay readable)."""

    label: str
    source: str  # the regular expression
    group: str | int = 0
    #: Lower-case text every match contains (at least one of them): a text holding none is
    #: not searched, which spares most texts most patterns.
    anchors: tuple[str, ...] = ()
    flags: int = 0

    @functools.cached_property
    def regex(self) -> re.Pattern[str]:
        """Compiled when a text first holds an anchor: compiling them all costs a command
        that prints no secret some 30 ms."""
        return re.compile(self.source, self.flags)


def _p(
    label: str, regex: str, group: str | int = 0, flags: int = 0, *, anchors: tuple[str, ...]
) -> Pattern:
    return Pattern(label, regex, group, anchors, flags)


#: What a key name of :data:`SECRET_KEY` contains (lower case).
_KEY_ANCHORS = ("passw", "passphrase", "secret", "key", "token", "credential", "authorization")


PATTERNS: tuple[Pattern, ...] = (
    # PEM private keys (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP …); a block cut off before its
    # END line is redacted up to the end of its base64 body.
    _p(
        "private-key",
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
        r"(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s\\:,-]*)",
        anchors=("-----begin ",),
    ),
    _p(
        "jwt",
        _B + r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*" + _E,
        anchors=("eyj",),
    ),
    _p(
        "aws-access-key",
        r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])",
        anchors=("akia", "asia", "abia", "acca"),
    ),
    _p(
        "aws-secret-key",
        r"(?i:aws_?secret_?(?:access_?)?key|secret_?access_?key)" + _Q + r"?\s*[:=]\s*" + _Q + r"?"
        r"(?P<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
        "v",
        anchors=("secret",),
    ),
    _p("google-api-key", _B + r"AIza[0-9A-Za-z_\-]{35}" + _E, anchors=("aiza",)),
    _p(
        "github-token",
        _B + r"(?:gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{22,255})" + _E,
        anchors=("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    _p(
        "gitlab-token",
        _B + r"gl(?:pat|dt|rt|ptt|soat|ft|imt|oas|cbt|agent)-[A-Za-z0-9_\-]{20,}" + _E,
        anchors=(
            "glpat-",
            "gldt-",
            "glrt-",
            "glptt-",
            "glsoat-",
            "glft-",
            "glimt-",
            "gloas-",
            "glcbt-",
            "glagent-",
        ),
    ),
    _p(
        "slack-token",
        _B + r"(?:xox[abposre]-[A-Za-z0-9\-]{10,}|xapp-\d-[A-Za-z0-9\-]{10,})" + _E,
        anchors=("xox", "xapp-"),
    ),
    _p(
        "slack-webhook",
        r"https://hooks\.slack(?:-gov)?\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_\-]+",
        anchors=("https://hooks.slack",),
    ),
    _p("anthropic-key", _B + r"sk-ant-[A-Za-z0-9_\-]{20,}" + _E, anchors=("sk-ant-",)),
    _p(
        "openai-key",
        _B + r"sk-(?:proj-|svcacct-|admin-)?(?=[A-Za-z0-9_\-]*\d)[A-Za-z0-9_\-]{20,}" + _E,
        anchors=("sk-",),
    ),
    _p(
        "stripe-key",
        _B + r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}" + _E,
        anchors=("sk_live_", "sk_test_", "rk_live_", "rk_test_"),
    ),
    _p("npm-token", _B + r"npm_[A-Za-z0-9]{36}" + _E, anchors=("npm_",)),
    _p("pypi-token", _B + r"pypi-AgE[A-Za-z0-9_\-]{50,}" + _E, anchors=("pypi-age",)),
    _p("huggingface-token", _B + r"hf_[A-Za-z0-9]{30,}" + _E, anchors=("hf_",)),
    # scheme://user:password@host — the password only; the user and host stay.
    _p(
        "url-password",
        r"(?i)\b[a-z][a-z0-9+.\-]*://[^\s/:@'\"<>]+:(?!\[REDACTED)(?P<v>[^\s/@'\"<>]+)@",
        "v",
        anchors=("://",),
    ),
    # Authorization: Bearer|Basic|Token <credential>, and a bare "Bearer <long token>".
    _p(
        "authorization",
        r"(?i:authorization)" + _Q + r"?\s*[:=]\s*" + _Q + r"?(?i:bearer|basic|token|digest)\s+"
        r"(?P<v>[A-Za-z0-9\-._~+/]+=*)",
        "v",
        anchors=("authorization",),
    ),
    _p(
        "bearer-token",
        r"(?i:\bbearer)\s+(?P<v>[A-Za-z0-9\-._~+/]{20,}=*)",
        "v",
        anchors=("bearer",),
    ),
    # password=…, "api_key": "…", DB_PASSWORD=… : a value of 8+ characters with a letter and a
    # digit (so code like ``password = request.form`` and counts like ``tokens=4096`` stay).
    _p(
        "password",
        r"(?i)(?<![A-Za-z0-9])[A-Za-z0-9_\-]*?"
        r"(?:password|passwd|secret|api[_\-]?key|access[_\-]?key|auth[_\-]?token"
        r"|access[_\-]?token|token|client[_\-]?secret)" + _Q + r"?\s*[:=]\s*" + _Q + r"?"
        r"(?P<v>(?=" + _V + r"*[A-Za-z])(?=" + _V + r"*\d)" + _V + r"{8,})",
        "v",
        anchors=("passw", "secret", "key", "token"),
    ),
    # "db_password": "…", 'token': '…', PASSWORD = "…": a quoted value of any shape under a
    # secret-named key, quotes possibly JSON-escaped.
    _p(
        "secret-field",
        r"(?:(?P<q>" + _Q + r")" + SECRET_KEY + r"(?P=q)|(?<![A-Za-z0-9_.\-])" + SECRET_KEY + r")"
        r"\s*[:=]\s*" + _Q + r"(?!\[REDACTED:)(?P<v>[^\"'\\\n]+)(?=" + _Q + r")",
        "v",
        anchors=_KEY_ANCHORS,
    ),
    # .env, YAML and command-line assignments: DB_PASSWORD=hunter2, "  password: changeme",
    # --password=s3cret (any shape, from a line start or a space to a space or a line end; a
    # line may end at a JSON-escaped \n or at the end of a JSON string). Code assigns with
    # spaces around "=" (``password = request.form``) or calls (``token=get()``) and stays.
    _p(
        "secret-field",
        r"(?:^|(?<=\s)|(?<=\\n)|(?<=\\r)|(?<=\"))(?:export[ \t]+)?"
        + SECRET_KEY
        + r"(?::[ \t]*|=)(?!\[REDACTED:|(?i:bearer|basic|token|digest)\s)"
        r"(?P<v>[^\s\"'`()\[\]{}<>;,$\\]{4,})"
        r"(?=\s|$|\\[rn]|\\*\")",
        "v",
        anchors=_KEY_ANCHORS,
    ),
)


@dataclass(frozen=True)
class Finding:
    """One secret found in a text: its label and where it is (``text[start:end]``)."""

    label: str
    start: int
    end: int


def find(text: str) -> list[Finding]:
    """The secrets in ``text``, in order of position (as :func:`redact` would replace them)."""
    found: list[Finding] = []
    lower = text.lower()
    for pattern in PATTERNS:
        if not any(a in lower for a in pattern.anchors):
            continue
        for m in pattern.regex.finditer(text):
            start, end = m.span(pattern.group)
            if not any(f.start < end and start < f.end for f in found):
                found.append(Finding(pattern.label, start, end))
    return sorted(found, key=lambda f: f.start)


def redact(text: str) -> str:
    """``text`` with every secret replaced by ``[REDACTED:<label>]``; the rest unchanged."""
    return _apply(PATTERNS, text)


_redact_text = redact  # for functions whose ``redact`` argument shadows the name

#: :data:`PATTERNS` for ids, names and paths: a token may follow a ``-``.
NAME_PATTERNS: tuple[Pattern, ...] = tuple(
    Pattern(p.label, p.source.replace(_B, _NAME_B), p.group, p.anchors, p.flags) for p in PATTERNS
)


def redact_name(text: str | None) -> str | None:
    """A session id, user or project name or a path with secrets replaced (``None`` stays)."""
    return text if text is None else _apply(NAME_PATTERNS, str(text))


def _apply(patterns: tuple[Pattern, ...], text: str) -> str:
    if not text:
        return text
    if len(text) <= 256:  # ids, names, models and labels repeat: each is redacted once
        return (_short_name if patterns is NAME_PATTERNS else _short_text)(text)
    return _apply_all(patterns, text)


def _apply_all(patterns: tuple[Pattern, ...], text: str) -> str:
    lower = text.lower()
    for pattern in patterns:
        if any(a in lower for a in pattern.anchors):
            text = pattern.regex.sub(_replacer(pattern), text)
    return text


# one cache per pattern set, keyed by the text alone (a key holding the patterns would hash
# every pattern on every call)
@functools.lru_cache(maxsize=1 << 16)
def _short_text(text: str) -> str:
    return _apply_all(PATTERNS, text)


@functools.lru_cache(maxsize=1 << 16)
def _short_name(text: str) -> str:
    return _apply_all(NAME_PATTERNS, text)


SECRET_FIELD = f"{PLACEHOLDER_PREFIX}secret-field]"


def redact_value(value: Any) -> Any:
    """Decoded JSON (dicts, lists, strings, numbers) with secrets replaced: every string is
    redacted (a string that is itself a JSON object or array is decoded and walked too), and the
    scalar value of a secret-named key (:data:`SECRET_KEY`) becomes ``[REDACTED:secret-field]``."""
    if isinstance(value, str):
        return _redact_string(value)
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            secret = isinstance(k, str) and _SECRET_KEY.match(k) is not None
            if secret and _maskable(v):
                out[k] = SECRET_FIELD
            else:
                out[k] = redact_value(v)
        return out
    return value


def _maskable(v: Any) -> bool:
    if isinstance(v, bool) or v is None:
        return False
    if isinstance(v, str):
        return bool(v.strip()) and not v.startswith(PLACEHOLDER_PREFIX)
    return isinstance(v, (int, float))


def _redact_string(s: str) -> str:
    out = redact(s)
    head = out.lstrip()[:1]
    if head in ("{", "[") and len(out) > 1:
        try:
            decoded = json.loads(out)
        except (ValueError, RecursionError):
            return out
        try:
            walked = redact_value(decoded)
        except RecursionError:
            return out
        if walked != decoded:
            return json.dumps(walked, ensure_ascii=False, indent=2 if "\n" in out else None)
    return out


def redact_json(text: str | None) -> str | None:
    """A tool input's JSON text with secrets replaced in its *decoded* strings and under
    secret-named keys (see :func:`redact_value`), then in the text itself (JSON-escaped quotes).
    Unchanged text comes back byte for byte; text that is not JSON is redacted as text."""
    if not text:
        return text
    try:
        decoded = json.loads(text)
        walked = redact_value(decoded)
    except (ValueError, RecursionError):
        return redact(text)
    if walked != decoded:
        text = json.dumps(walked, ensure_ascii=False)
    return redact(text)


#: Keys of command output whose values are ids, names or paths (:func:`redact_name`), with
#: every key ending in ``_id``, ``_name``, ``_path`` or ``_dir``.
NAME_KEYS = frozenset(
    {"session_id", "parent_session_id", "root_session_id", "agent_id", "user_name", "project",
     "cwd", "source_path", "meta_path", "path", "tool_name", "git_branch", "subagents"}
)  # fmt: skip


def is_name_key(key: str | None) -> bool:
    """Whether command output under ``key`` is an id, a name or a path."""
    return key is not None and (key in NAME_KEYS or key.endswith(("_id", "_name", "_path", "_dir")))


def redact_data(data: Any, *, key: str | None = None) -> Any:
    """Plain command output (dicts, lists, strings, numbers, dates) with secrets replaced in
    every string: ids, names and paths (:data:`NAME_KEYS`) by :func:`redact_name`, ``input_json``
    by :func:`redact_json`, other text by :func:`redact`. Keys and non-strings stay."""
    if isinstance(data, str):
        if key == "input_json":
            return redact_json(data)
        return redact_name(data) if is_name_key(key) else redact(data)
    if isinstance(data, dict):
        return {k: redact_data(v, key=k) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [redact_data(v, key=key) for v in data]
    return data


def excerpt(body: str, snippet: str) -> str:
    """``snippet`` (a piece of ``body``) with secrets replaced as they stand in ``body``: a
    secret that the piece cuts is replaced whole, so no part of it shows."""
    start = body.find(snippet)
    if start < 0:
        return redact(snippet)
    end = start + len(snippet)
    found = [f for f in find(body) if f.start < end and start < f.end]
    if not found:
        return snippet
    start, end = min(start, found[0].start), max(end, max(f.end for f in found))
    out, last = [], start
    for f in found:
        out += [body[last : f.start], f"{PLACEHOLDER_PREFIX}{f.label}]"]
        last = f.end
    return "".join(out) + body[last:end]


def excerpt_parts(body: str, parts: list[str]) -> list[str]:
    """Consecutive ``parts`` of ``body`` (a snippet cut in pieces: before, match, after) with
    secrets replaced as they stand in ``body``, as :func:`excerpt` does: a secret is replaced
    whole in the piece where it starts (or in the first, when it starts before the snippet)
    and its rest dropped from the pieces after."""
    whole = "".join(parts)
    start = body.find(whole)
    if start < 0:
        return [redact(p) for p in parts]
    end = start + len(whole)
    found = [f for f in find(body) if f.start < end and start < f.end]
    if not found:
        return list(parts)
    bounds, at = [], start
    for p in parts:
        bounds.append((at, at + len(p)))
        at += len(p)
    bounds[0] = (min(start, found[0].start), bounds[0][1])
    bounds[-1] = (bounds[-1][0], max(end, max(f.end for f in found)))
    out = []
    for a, b in bounds:
        pieces, last = [], a
        for f in found:
            if f.end <= a or f.start >= b:
                continue
            if f.start < a:  # replaced in an earlier piece: its rest is dropped here
                last = max(last, min(f.end, b))
            elif f.start >= last:
                pieces += [body[last : f.start], f"{PLACEHOLDER_PREFIX}{f.label}]"]
                last = min(f.end, b)
        if last < b:
            pieces.append(body[last:b])
        out.append("".join(pieces))
    return out


def _replacer(pattern: Pattern):
    placeholder = f"{PLACEHOLDER_PREFIX}{pattern.label}]"

    def sub(m: re.Match[str]) -> str:
        if pattern.group == 0:
            return placeholder
        start, end = m.span(pattern.group)
        base = m.start()
        whole = m.group(0)
        return whole[: start - base] + placeholder + whole[end - base :]

    return sub


def escape(text: object, *, redact: bool = True) -> str:
    """``text`` (anything, via ``str``) redacted, then HTML-escaped (quotes too)."""
    s = "" if text is None else str(text)
    return html.escape(_redact_text(s) if redact else s, quote=True)


class Text:
    """Transcript or tool text shown safely in a notebook: ``Text(s)`` displays as an escaped,
    redacted ``<pre>`` block (or another ``tag``) in notebooks and HTML reports."""

    def __init__(self, text: object, *, tag: str = "pre", redact: bool = True) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9]*", tag):
            raise ValueError(f"not an HTML tag name: {tag!r}")
        self.text = "" if text is None else str(text)
        self.tag = tag
        self.redact = redact

    def _repr_html_(self) -> str:
        body = escape(self.text, redact=self.redact)
        return f'<{self.tag} class="wb-text">{body}</{self.tag}>'

    def __repr__(self) -> str:
        return redact(self.text) if self.redact else self.text
