"""Shared output is redacted and escaped: secrets planted in hand-written transcripts (in
prompts, tool results and, JSON-escaped, in the files Write tools write) and markup planted in
texts, ids and names never come out of `sessions show/messages/tool-calls/export`, `search`,
`friction` or the report views, unless --no-redact asks for the secrets."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import mistune
import pytest
from builders import Transcript
from test_redact import AWS_KEY, FILE_SECRETS, FILES

from workbench.frontends.cli import main
from workbench.ingest.load import ingest

TOKEN = "ghp_" + "R4nd0mFak3T0k3nF0rD3m0Purp0s3s1234"
CLAUDE = "c1a0de00-0000-4000-8000-000000000001"
PROJECT_DIR = f"-home-ana-src-shop-{TOKEN}"  # a project folder whose name holds a key
# Ids taken from file content: a Gemini sessionId and a Codex session_meta.id.
GEMINI = "g3m1n100</title><script>alert('gemini')</script>"
CODEX = f'c0dex000-"><img src=x onerror=alert(1)>-{AWS_KEY}'

# Markup that must never come out live (in Markdown rendered by mistune, or in HTML).
PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    "[click](javascript:alert(4))",
    "![x](javascript:alert(5))",
    '<a href="javascript:alert(6)">a</a>',
    "<a href=https://evil.example>b</a>",
    "&lt;script&gt;alert(7)&lt;/script&gt; &#106;avascript:alert(8)",
    "<javascript:alert(9)>",
    "[ref][r]\n\n[r]: javascript:alert(10)",
    "```\n</code></pre><script>alert(11)</script>\n```",
    "````\n```\n<b onmouseover=alert(12)>x</b>\n````",
    "`<iframe src=javascript:alert(13)>`",
    "<!-- --><style>*{x:expression(alert(14))}</style>",
    "<details open ontoggle=alert(15)>",
    '<div style="background:url(javascript:alert(16))">',
    "<https://example.com/x?a=1&b=<script>>",
    "line\n\n<p onclick=alert(17)>para</p>\n\n    <script>indented</script>",
    "| a | b |\n|---|---|\n| <script>x</script> | [y](javascript:z) |",
    "[^1]\n\n[^1]: <script>alert(18)</script>",
]
SAFE_TAGS = {
    "p", "pre", "code", "em", "strong", "ul", "ol", "li", "blockquote", "hr", "br", "del",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


class _Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def parse(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    p.close()
    return p


def assert_no_live_markup(html: str, allowed: set[str]) -> None:
    """Only ``allowed`` elements; no event handlers, no script URLs, no inline styles."""
    for tag, attrs in parse(html).tags:
        assert tag in allowed, (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, attrs)
            assert "javascript:" not in (value or "").lower(), (tag, attrs)
            if tag == "code" and name == "class":
                assert re.fullmatch(r"language-[\w-]+", value), (tag, attrs)
            elif tag in ("th", "td") and name == "style":
                assert re.fullmatch(r"text-align:\w+", value), (tag, attrs)
            else:
                assert (tag, name) in ALLOWED_ATTRS, (tag, attrs)


ALLOWED_ATTRS = {("ol", "start"), ("meta", "charset"), ("div", "class"), ("span", "class"),
                 ("span", "id")}  # fmt: skip


def run(capsys, *argv) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert err == "" or code != 0, err
    return code, out


def _gemini(root: Path) -> None:
    chats = root / "gemini" / "tmp" / "feed0001" / "chats"
    chats.mkdir(parents=True)
    ts = "2026-03-05T10:00:0{}Z"
    records = [
        {"sessionId": GEMINI, "projectHash": "feed0001"},
        {"id": "u1", "timestamp": ts.format(0), "type": "user", "content": PAYLOADS[0]},
        {"id": "g1", "timestamp": ts.format(1), "type": "gemini", "content": f"key {TOKEN}"},
    ]
    (chats / "session-2026-03-05T10-00-g3m1n100.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in records)
    )


def _codex(root: Path) -> None:
    day = root / "codex" / "sessions" / "2026" / "03" / "06"
    day.mkdir(parents=True)
    ts = "2026-03-06T09:00:0{}.000Z"
    meta = {"id": CODEX, "timestamp": ts.format(0), "cwd": "/home/ana/src/api", "source": "cli"}
    lines = [
        {"timestamp": ts.format(0), "type": "session_meta", "payload": meta},
        {
            "timestamp": ts.format(1),
            "type": "response_item",
            "payload": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": PAYLOADS[1]}],
            },
        },
        {
            "timestamp": ts.format(2),
            "type": "response_item",
            "payload": {
                "type": "function_call",
                "name": "shell_command",
                "arguments": json.dumps({"command": "cat .env", "env": {"API_TOKEN": "t0k"}}),
                "call_id": "call_1",
            },
        },
        {
            "timestamp": ts.format(3),
            "type": "response_item",
            "payload": {
                "type": "function_call_output",
                "call_id": "call_1",
                "output": "Exit code: 0\nOutput:\n" + FILES[".env"],
            },
        },
    ]
    # not named rollout-<uuid>.jsonl: the session id comes from session_meta
    (day / "shared-session.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    t = Transcript(CLAUDE, start="2026-03-04T08:00:00Z", cwd=f"/home/ana/src/shop-{TOKEN}")
    t.prompt(f"deploy with {TOKEN}, and render:\n\n" + "\n\n".join(PAYLOADS))
    for name, content in FILES.items():  # secrets JSON-escaped in the tool input
        t.tool("Write", {"file_path": f"/srv/app/{name}", "content": content})
    t.tool("Bash", {"command": "cat .env"}, FILES[".env"], error=True)
    t.tool("Bash", {"command": "cat .env"}, FILES[".env"], error=True)
    t.tool("Bash", {"command": "cat .env"}, FILES[".env"], error=True)
    t.say("All **done**: see `config.json`.")
    t.say("Done. " + " ".join(PAYLOADS)).write(root / "claude" / PROJECT_DIR)
    _gemini(root)
    _codex(root)
    path = root / "wb.duckdb"
    summary = ingest([root / "claude", root / "gemini", root / "codex"], path, user="ana")
    assert summary.bad_lines == 0
    return path


SECRETS = [TOKEN, AWS_KEY, "t0k", *FILE_SECRETS]


def leaked(text: str) -> list[str]:
    """The planted secrets in ``text`` (as written or JSON-escaped, at any depth)."""
    return [s for s in SECRETS if re.search(re.escape(s).replace('"', r'\\*"'), text)]


def session_ids(db: Path, capsys) -> list[str]:
    every = ("--include-one-shot", "--include-automated")
    _, out = run(capsys, "sessions", "list", "--db", db, "--json", "--no-redact", *every)
    return [r["session_id"] for r in json.loads(out)["rows"]]


def test_the_fixture_plants_what_the_tests_look_for(db, capsys):
    assert sorted(session_ids(db, capsys)) == sorted([CLAUDE, GEMINI, CODEX])
    code, out = run(capsys, "sessions", "show", CLAUDE, "--db", db, "--json", "--no-redact")
    assert code == 0 and set(leaked(out)) == set(SECRETS) - {AWS_KEY, "t0k"}
    _, out = run(capsys, "sessions", "show", CODEX[:8], "--db", db, "--no-redact")
    assert "t0k" in out and "hunter2" in out


@pytest.mark.parametrize("sid", [CLAUDE, GEMINI[:8], CODEX[:8]])
def test_markdown_export_renders_no_markup_and_no_secrets(db, capsys, sid):
    code, md = run(capsys, "sessions", "export", sid, "--db", db, "--format", "md")
    assert code == 0 and leaked(md) == []
    html = mistune.html(md)
    assert_no_live_markup(html, SAFE_TAGS)
    assert "alert" in html  # the payloads are shown, as text
    _, raw = run(capsys, "sessions", "export", sid, "--db", db, "--format", "md", "--no-redact")
    assert leaked(raw)  # --no-redact keeps them, and still escapes
    assert_no_live_markup(mistune.html(raw), SAFE_TAGS)


def test_markdown_keeps_plain_replies_as_markdown(db, capsys):
    _, md = run(capsys, "sessions", "export", CLAUDE, "--db", db, "--format", "md")
    assert "# Session c1a0de00-0000-4000-8000-000000000001\n" in md
    assert "- user: ana, project: shop-\\[REDACTED:github-token\\], agent: claude" in md
    assert "**Tool call** Write ·" in md and "\n\nAll **done**: see `config.json`.\n" in md
    assert "<strong>done</strong>" in mistune.html(md)
    assert "\n\nDone. " not in md and "`\nDone. " in md  # markup: fenced, not rendered


def test_html_export_renders_assistant_replies_as_markdown(db, capsys):
    _, page = run(capsys, "sessions", "export", CLAUDE, "--db", db, "--format", "html")
    assert '<div class="md"><p>All <strong>done</strong>: see <code>config.json</code>.</p>' in page
    assert "<pre>All **done**" not in page  # no longer shown as raw text
    assert "&lt;script&gt;" in page  # a reply's markup is text inside the rendered Markdown


@pytest.mark.parametrize("sid", [CLAUDE, GEMINI[:8], CODEX[:8]])
def test_html_export_is_escaped_and_redacted(db, capsys, sid):
    code, page = run(capsys, "sessions", "export", sid, "--db", db, "--format", "html")
    assert code == 0 and leaked(page) == []
    tags = parse(page)
    assert_no_live_markup(page, {"html", "head", "meta", "title", "body", "style", "div", "b",
                                 "pre", "span"} | SAFE_TAGS)  # fmt: skip
    assert tags.title.startswith("Session ") and "\n" not in tags.title
    if sid == GEMINI[:8]:
        assert tags.title == f"Session {GEMINI}"  # shown as text, not run
    if sid == CODEX[:8]:
        assert tags.title == f"Session {CODEX.replace(AWS_KEY, '[REDACTED:aws-access-key]')}"
    _, raw = run(capsys, "sessions", "export", sid, "--db", db, "--format", "html", "--no-redact")
    assert leaked(raw)
    assert not any(t == "script" or t == "img" for t, _ in parse(raw).tags)


@pytest.mark.parametrize(
    "argv",
    [
        ["sessions", "show", CLAUDE],
        ["sessions", "show", CLAUDE, "--json"],
        ["sessions", "show", CODEX[:8], "--full"],
        ["sessions", "show", CODEX[:8], "--json"],
        ["sessions", "messages", CLAUDE],
        ["sessions", "messages", CLAUDE, "--json"],
        ["sessions", "messages", GEMINI[:8], "--json"],
        ["sessions", "tool-calls", CLAUDE],
        ["sessions", "tool-calls", CLAUDE, "--json"],
        ["sessions", "tool-calls", CODEX[:8], "--json"],
        ["sessions", "get", CODEX[:8]],
        ["sessions", "get", CLAUDE, "--json"],
        ["sessions", "list", "--json", "--include-one-shot", "--include-automated"],
        ["sessions", "list", "--include-one-shot"],
        ["search", "hunter"],
        ["search", "secret", "--json"],
        ["search", "ghp_", "--json"],
        ["search", "api", "--json"],
        ["friction"],
        ["friction", "--json"],
    ],
)
def test_terminal_and_json_output_redact_by_default(db, capsys, argv):
    code, out = run(capsys, *argv, "--db", db)
    assert code == 0 and leaked(out) == [] and "R4nd0mFak3" not in out, out
    code, raw = run(capsys, *argv, "--db", db, "--no-redact")
    assert code == 0 and (leaked(raw) or "R4nd0mFak3" in raw), raw  # (tables cut long cells)


def test_search_snippets_never_show_part_of_a_key(db, capsys):
    # the snippet window (60 characters each side) cuts the token: none of it may show
    _, out = run(capsys, "search", "deploy with", "--db", db, "--json")
    (hit,) = json.loads(out)["hits"]
    assert "[REDACTED:github-token]" in hit["snippet"] and "R4nd0m" not in hit["snippet"]


def test_friction_names_and_ids_are_redacted(db, capsys):
    _, out = run(capsys, "friction", "--db", db, "--json")
    data = json.loads(out)
    projects = [r["project"] for r in data["projects"]]
    assert any("[REDACTED:github-token]" in p for p in projects), projects
    assert all(TOKEN not in json.dumps(r) for r in data["retry_loops"])
    _, out = run(capsys, "friction", "--db", db)
    assert "[REDACTED:github-token]" in out or "[REDACTED:g" in out


def test_report_views_redact_names_inputs_and_ids(db):
    from workbench.frontends import notebook
    from workbench.present import charts, views

    ctx = notebook.context(db=str(db), charts_setup=False)
    for shown in (
        views.session_transcript(ctx, CLAUDE).data,
        views.session_transcript(ctx, CODEX[:8]).data,
        views.worst_sessions(ctx).data,
        views.retry_loops(ctx).data,
        json.dumps(charts.friction_rates(ctx, "project").to_dict()),
    ):
        assert leaked(shown) == []
    page = views.session_transcript(ctx, GEMINI[:8]).data
    assert not any(t in ("script", "img", "svg") for t, _ in parse(page).tags)
    raw = notebook.context(db=str(db), redact=False, charts_setup=False)
    assert leaked(views.session_transcript(raw, CLAUDE).data)
    assert TOKEN in json.dumps(charts.friction_rates(raw, "project").to_dict())


def test_download_names_the_file_safely(db, capsys, tmp_path, monkeypatch):
    """A session id comes from the transcript: as a file name it loses every character that
    could climb out of the folder or surprise a shell (the content stays raw: it is the
    user's own file)."""
    out = tmp_path / "dl"
    out.mkdir()
    monkeypatch.chdir(out)
    for sid in (GEMINI, CODEX[:8]):
        code, printed = run(capsys, "sessions", "download", sid, "--db", db, "--json")
        assert code == 0, printed
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2 and all(re.fullmatch(r"[A-Za-z0-9._-]+", n) for n in names), names
    assert leaked(" ".join(names)) == [] and "REDACTED" in " ".join(names)
    assert [
        p for p in tmp_path.iterdir() if p.name != "dl" and p.suffix in (".json", ".jsonl")
    ] == []
