"""Secret redaction and safe HTML for shared output.

Transcripts hold API keys, tokens and passwords that people paste into prompts or that tools
print. Everything a report shows goes through here: :func:`redact` replaces each secret with a
labelled placeholder such as ``[REDACTED:github-token]`` and keeps the surrounding text;
:func:`escape` and :class:`Text` HTML-escape text and redact it by default (``redact=False``
opts out).

The patterns live in :data:`PATTERNS`, one labelled regular expression each, tried in order
(specific before generic). A placeholder never matches a pattern, so redaction is idempotent.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

#: Text a placeholder starts with; ``[REDACTED:<label>]``.
PLACEHOLDER_PREFIX = "[REDACTED:"

# A token must not continue into more token characters on either side.
_B = r"(?<![A-Za-z0-9_\-])"
_E = r"(?![A-Za-z0-9_\-])"


@dataclass(frozen=True)
class Pattern:
    """A secret shape: ``label`` names it in the placeholder; ``group`` is the part replaced
    (0 = the whole match, else a named group, so key names and URL hosts stay readable)."""

    label: str
    regex: re.Pattern[str]
    group: str | int = 0


def _p(label: str, regex: str, group: str | int = 0, flags: int = 0) -> Pattern:
    return Pattern(label, re.compile(regex, flags), group)


PATTERNS: tuple[Pattern, ...] = (
    # PEM private keys (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP …); a block cut off before its
    # END line is redacted up to the end of its base64 body.
    _p(
        "private-key",
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
        r"(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s\\:,-]*)",
    ),
    _p("jwt", _B + r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*" + _E),
    _p("aws-access-key", r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])"),
    _p(
        "aws-secret-key",
        r"(?i:aws_?secret_?(?:access_?)?key|secret_?access_?key)[\"']?\s*[:=]\s*[\"']?"
        r"(?P<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
        "v",
    ),
    _p("google-api-key", _B + r"AIza[0-9A-Za-z_\-]{35}" + _E),
    _p(
        "github-token",
        _B + r"(?:gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{22,255})" + _E,
    ),
    _p(
        "gitlab-token",
        _B + r"gl(?:pat|dt|rt|ptt|soat|ft|imt|oas|cbt|agent)-[A-Za-z0-9_\-]{20,}" + _E,
    ),
    _p("slack-token", _B + r"(?:xox[abposre]-[A-Za-z0-9\-]{10,}|xapp-\d-[A-Za-z0-9\-]{10,})" + _E),
    _p(
        "slack-webhook",
        r"https://hooks\.slack(?:-gov)?\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_\-]+",
    ),
    _p("anthropic-key", _B + r"sk-ant-[A-Za-z0-9_\-]{20,}" + _E),
    _p(
        "openai-key",
        _B + r"sk-(?:proj-|svcacct-|admin-)?(?=[A-Za-z0-9_\-]*\d)[A-Za-z0-9_\-]{20,}" + _E,
    ),
    _p("stripe-key", _B + r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}" + _E),
    _p("npm-token", _B + r"npm_[A-Za-z0-9]{36}" + _E),
    _p("pypi-token", _B + r"pypi-AgE[A-Za-z0-9_\-]{50,}" + _E),
    _p("huggingface-token", _B + r"hf_[A-Za-z0-9]{30,}" + _E),
    # scheme://user:password@host — the password only; the user and host stay.
    _p(
        "url-password",
        r"(?i)\b[a-z][a-z0-9+.\-]*://[^\s/:@'\"<>]+:(?!\[REDACTED)(?P<v>[^\s/@'\"<>]+)@",
        "v",
    ),
    # Authorization: Bearer|Basic|Token <credential>, and a bare "Bearer <long token>".
    _p(
        "authorization",
        r"(?i:authorization)[\"']?\s*[:=]\s*[\"']?(?i:bearer|basic|token|digest)\s+"
        r"(?P<v>[A-Za-z0-9\-._~+/]+=*)",
        "v",
    ),
    _p("bearer-token", r"(?i:\bbearer)\s+(?P<v>[A-Za-z0-9\-._~+/]{20,}=*)", "v"),
    # password=…, "api_key": "…", DB_PASSWORD=… : a value of 8+ characters with a letter and a
    # digit (so code like ``password = request.form`` and counts like ``tokens=4096`` stay).
    _p(
        "password",
        r"(?i)(?<![A-Za-z0-9])[A-Za-z0-9_\-]*?"
        r"(?:password|passwd|secret|api[_\-]?key|access[_\-]?key|auth[_\-]?token"
        r"|access[_\-]?token|token|client[_\-]?secret)[\"']?\s*[:=]\s*[\"']?"
        r"(?P<v>(?=[^\s\"'`,;]*[A-Za-z])(?=[^\s\"'`,;]*\d)[^\s\"'`,;\[\]()<>{}]{8,})",
        "v",
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
    for pattern in PATTERNS:
        for m in pattern.regex.finditer(text):
            start, end = m.span(pattern.group)
            if not any(f.start < end and start < f.end for f in found):
                found.append(Finding(pattern.label, start, end))
    return sorted(found, key=lambda f: f.start)


def redact(text: str) -> str:
    """``text`` with every secret replaced by ``[REDACTED:<label>]``; the rest unchanged."""
    if not text:
        return text
    for pattern in PATTERNS:
        text = pattern.regex.sub(_replacer(pattern), text)
    return text


_redact_text = redact  # for functions whose ``redact`` argument shadows the name


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
