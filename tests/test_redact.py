"""Secret patterns: each caught with its label, near-misses left alone, idempotent, escaped."""

from __future__ import annotations

import json

import pytest

from workbench.core import redact as r
from workbench.corpus.synthetic import SECRET_PROMPTS

# Fake secrets, assembled from pieces so that secret scanners do not flag this file.
AWS_KEY = "AKIA" + "Q3EGUK5WEXAMPLE1"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2Kp0xhbp3C9aG1wUXZW5Y9ZT8FH4\n"
    "q0m3nU8Wq0D7n1E3v6b9yqS0bH8w3c2O3Z4t7Yf0uK1Q==\n"
    "-----END RSA PRIVATE KEY-----"
)

CAUGHT = [
    ("aws-access-key", f"export AWS_ACCESS_KEY_ID={AWS_KEY}", AWS_KEY),
    ("aws-access-key", "temp creds ASIA" + "JEXAMPLEXEG2JICE done", "ASIAJEXAMPLEXEG2JICE"),
    ("aws-secret-key", f"aws_secret_access_key = {AWS_SECRET}", AWS_SECRET),
    ("aws-secret-key", f'"AWS_SECRET_ACCESS_KEY": "{AWS_SECRET}"', AWS_SECRET),
    ("google-api-key", "key=AIza" + "SyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe&q=1", None),
    ("github-token", "token ghp_" + "R4nd0mFak3T0k3nF0rD3m0Purp0s3s1234 here", None),
    ("github-token", "gho_" + "16C7e42F292c6912E7710c838347Ae178B4a", None),
    ("github-token", "ghs_" + "abcdefghijklmnopqrstuvwxyz0123456789", None),
    ("github-token", "ghu_" + "abcdefghijklmnopqrstuvwxyz0123456789", None),
    ("github-token", "ghr_" + "abcdefghijklmnopqrstuvwxyz0123456789", None),
    (
        "github-token",
        "github_pat_" + "11ABCDEFG0abcdefghijkl_mnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUV",
        None,
    ),
    ("gitlab-token", "GITLAB=glpat-" + "xYz12AbCdEfGhIjKlMnO3", None),
    ("slack-token", "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", None),
    ("slack-token", "xoxp-" + "1234567890-abcdefghij", None),
    (
        "slack-webhook",
        "post to https://hooks.slack.com/services/"
        + "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        None,
    ),
    (
        "anthropic-key",
        "ANTHROPIC_API_KEY=sk-ant-" + "api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AA",
        None,
    ),
    ("openai-key", "OPENAI_API_KEY=sk-" + "proj-AbC123dEf456GhI789jKl012MnO345pQr678", None),
    ("openai-key", "key sk-" + "T3BlbkFJ1234567890abcdefghijklmnopqrstuvwx end", None),
    ("jwt", f"token: {JWT}", JWT),
    ("private-key", f"here it is:\n{PEM}\nthanks", PEM),
    (
        "private-key",
        '{"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC'
        '\\n-----END PRIVATE KEY-----\\n", "x": 1}',
        None,
    ),
    ("url-password", "postgres://admin:hunter2secret@db.internal:5432/app", "hunter2secret"),
    ("url-password", "git clone https://bob:s3cr3t-pw@git.example.com/x.git", "s3cr3t-pw"),
    ("authorization", 'curl -H "Authorization: Bearer abcdef0123456789xyz" url', None),
    ("authorization", "Authorization: Basic dXNlcjpwYXNzd29yZDEyMw==", None),
    ("bearer-token", "use Bearer 0123456789abcdefABCDEF.xyz in the header", None),
    ("stripe-key", "sk_" + "live_4eC39HqLyjWDarjtT1zdp7dc", None),
    ("npm-token", "//registry.npmjs.org/:_authToken=npm_" + "a" * 30 + "123456", None),
    ("huggingface-token", "HF_TOKEN=hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz012345", None),
    ("password", "PGPASSWORD=hunter2secret psql", "hunter2secret"),
    ("password", '{"password": "c0rrect-h0rse"}', "c0rrect-h0rse"),
    ("password", "DB_PASSWORD: Xk9mZq2Lp7", "Xk9mZq2Lp7"),
]


@pytest.mark.parametrize(("label", "text", "secret"), CAUGHT)
def test_each_pattern_is_caught(label: str, text: str, secret: str | None) -> None:
    out = r.redact(text)
    assert f"[REDACTED:{label}]" in out, out
    if secret:
        assert secret not in out
    assert [f.label for f in r.find(text)][:1] == [label]


def test_surrounding_text_is_kept() -> None:
    out = r.redact("the db url is postgres://admin:hunter2secret@db.internal:5432/app, go")
    assert out == "the db url is postgres://admin:[REDACTED:url-password]@db.internal:5432/app, go"
    assert r.redact(f"a {JWT} b") == "a [REDACTED:jwt] b"
    assert r.redact(f"x\n{PEM}\ny") == "x\n[REDACTED:private-key]\ny"


def test_unterminated_private_key_is_redacted() -> None:
    cut = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"
    assert r.redact(cut) == "[REDACTED:private-key]"


def test_demo_corpus_secrets_are_caught() -> None:
    planted = ["AKIAQ3EGUK5WEXAMPLE1", "ghp_R4nd0mFak3T0k3nF0rD3m0Purp0s3s1234", "hunter2secret"]
    joined = "\n".join(SECRET_PROMPTS)
    assert all(p in joined for p in planted)  # the corpus still plants them
    out = r.redact(joined)
    assert not any(p in out for p in planted)
    assert out.count("[REDACTED:") == 3


NEAR_MISSES = [
    "The quick brown fox jumps over the lazy dog; secrets are discussed here.",
    "commit 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39 and sha256 "
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "session 11111111-1111-4111-8111-111111111111 and uuid 550e8400-e29b-41d4-a716-446655440000",
    "/home/alice/projects/api-keys/src/token_store.py:42",
    "see https://github.com/org/repo and http://localhost:8080/path@v2 and git@github.com:o/r",
    "ssh://git@github.com/org/repo.git",
    "max_tokens: 4096, token_count = 12345678, input_tokens=123456",
    "password = request.form['password']; token = get_token()",
    "password = request.form\ntoken = get_token",
    "the task-manager-refactor-branch-2024 and risk-assessment-framework-v2",
    "AKIA is a prefix; AKIAshort; ghp_short; sk-abc; eyJhbGci",
    "Bearer tokens are sent in the Authorization header.",
    "PWD=/home/alice2/projects OLDPWD=/tmp/x1y2z3w4",
    "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n"
    "-----END PUBLIC KEY-----",
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_are_left_alone(text: str) -> None:
    assert r.redact(text) == text
    assert r.find(text) == []


@pytest.mark.parametrize("text", [t for _, t, _ in CAUGHT] + SECRET_PROMPTS)
def test_idempotent(text: str) -> None:
    once = r.redact(text)
    assert r.redact(once) == once


def test_placeholders_match_no_pattern() -> None:
    for p in r.PATTERNS:
        assert r.find(f"x [REDACTED:{p.label}] y") == []


def test_escape_redacts_and_escapes() -> None:
    text = f'<script>alert(1)</script> "q" & {AWS_KEY}'
    assert r.escape(text) == (
        "&lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot; &amp; [REDACTED:aws-access-key]"
    )
    assert AWS_KEY in r.escape(text, redact=False)
    assert "<script>" not in r.escape(text, redact=False)
    assert r.escape(None) == ""


def test_text_displays_escaped_and_redacted() -> None:
    t = r.Text(f"<b>hi</b> {AWS_KEY}")
    assert (
        t._repr_html_()
        == '<pre class="wb-text">&lt;b&gt;hi&lt;/b&gt; [REDACTED:aws-access-key]</pre>'
    )
    assert AWS_KEY in r.Text(AWS_KEY, redact=False)._repr_html_()
    assert "[REDACTED:aws-access-key]" in repr(t)
    with pytest.raises(ValueError):
        r.Text("x", tag="script onload=alert(1)")


# -- secrets inside tool input: JSON-escaped, decoded, under secret-named keys ------------------

# Files a Write tool writes, each holding secrets in a quoted form the plain patterns match only
# when the quotes are not JSON-escaped (and some too short or plain for the value patterns).
FILES = {
    "config.json": '{\n  "db_password": "hunter2",\n  "api_key": "k3y-Zz9q-long-enough"\n}\n',
    ".env": "DB_PASSWORD=hunter2\nSTRIPE_SECRET='s3cr3t-v4lue'\nDEBUG=1\n",
    "config.yaml": 'db:\n  host: db.internal\n  password: changeme\n  token: "tok"\n',
    "curl.sh": 'curl -H "Authorization: Basic dXNlcjpwYXNzd29yZDEyMw==" https://x\n',
    "credentials": f"[default]\naws_secret_access_key = {AWS_SECRET}\n",
}
FILE_SECRETS = [
    "hunter2",
    "k3y-Zz9q-long-enough",
    "s3cr3t-v4lue",
    "changeme",
    '"tok"',
    "dXNlcjpwYXNzd29yZDEyMw==",
    AWS_SECRET,
]


def _write_input(name: str, content: str) -> str:
    import json

    return json.dumps({"file_path": f"/srv/app/{name}", "content": content})


@pytest.mark.parametrize("name", sorted(FILES))
def test_tool_input_secrets_are_caught_decoded_and_escaped(name: str) -> None:
    raw = _write_input(name, FILES[name])
    planted = [s for s in FILE_SECRETS if s in FILES[name]]
    assert planted and all(s.replace('"', '\\"') in raw for s in planted)
    decoded = r.redact_json(raw)
    assert not any(s.replace('"', '\\"') in decoded for s in planted), decoded
    assert "/srv/app/" + name in decoded  # the rest stays readable
    # the JSON-escaped text alone (a search snippet, a retry-loop excerpt)
    text = r.redact(raw)
    assert not any(s.replace('"', '\\"') in text for s in planted), text
    # and the decoded file content itself
    assert not any(s in r.redact(FILES[name]) for s in planted)


def test_secret_named_keys_are_masked_at_any_depth() -> None:
    import json

    inner = json.dumps({"apiKey": "abc", "name": "x"})
    raw = json.dumps({"password": "x", "args": [{"client_secret": 12345678}], "body": inner})
    out = json.loads(r.redact_json(raw))
    assert out["password"] == "[REDACTED:secret-field]"
    assert out["args"] == [{"client_secret": "[REDACTED:secret-field]"}]
    assert json.loads(out["body"]) == {"apiKey": "[REDACTED:secret-field]", "name": "x"}
    # counts, flags and empty values under look-alike keys stay; clean input is unchanged
    clean = '{"max_tokens": 4096, "token_count": "12", "secret": true, "password": ""}'
    assert r.redact_json(clean) == clean
    assert r.redact_json("not json {") == "not json {"
    assert r.redact_json("[" * 5000) == "[" * 5000  # too deep to decode: redacted as text


def test_names_and_ids_are_redacted_after_a_dash() -> None:
    token = "ghp_" + "R4nd0mFak3T0k3nF0rD3m0Purp0s3s1234"
    assert r.redact_name(f"-home-ana-{token}") == "-home-ana-[REDACTED:github-token]"
    assert r.redact_name(f"sess-{AWS_KEY}") == "sess-[REDACTED:aws-access-key]"
    assert r.redact_name(None) is None
    assert r.redact_name("-home-ana-src-shop") == "-home-ana-src-shop"


def test_redact_data_walks_command_output() -> None:
    token = "ghp_" + "R4nd0mFak3T0k3nF0rD3m0Purp0s3s1234"
    data = {
        "session_id": f"x-{token}",
        "tool_calls": [{"input_json": '{"api_key": "abc"}', "ordinal": 3, "is_error": False}],
        "content": f"use {token}",
        "total": 2,
    }
    assert r.redact_data(data) == {
        "session_id": "x-[REDACTED:github-token]",
        "tool_calls": [
            {
                "input_json": '{"api_key": "[REDACTED:secret-field]"}',
                "ordinal": 3,
                "is_error": False,
            }
        ],
        "content": "use [REDACTED:github-token]",
        "total": 2,
    }


def test_excerpt_never_shows_part_of_a_secret() -> None:
    token = "ghp_" + "R4nd0mFak3T0k3nF0rD3m0Purp0s3s1234"
    body = f"first use the key {token} and then go on"
    for cut in (body[5:30], body[25:50], body[30:]):
        out = r.excerpt(body, cut)
        assert "[REDACTED:github-token]" in out and "R4nd0m" not in out and "Purp0s3" not in out
    assert r.excerpt(body, "then go") == "then go"


def _samples() -> list[str]:
    files = [json.dumps(v) if not isinstance(v, str) else v for v in FILES.values()]
    return [t for _, t, _ in CAUGHT] + SECRET_PROMPTS + files + NEAR_MISSES


def test_every_match_holds_one_of_its_patterns_anchors() -> None:
    """The anchors only skip searches that could not match: every match of every pattern in
    the samples (searched without the anchors) contains one of that pattern's anchors."""
    from workbench.core.redact import NAME_PATTERNS, PATTERNS

    seen = 0
    for pattern in PATTERNS + NAME_PATTERNS:
        assert pattern.anchors and all(a == a.lower() for a in pattern.anchors), pattern.label
        for text in _samples():
            for m in pattern.regex.finditer(text):
                seen += 1
                assert any(a in m.group(0).lower() for a in pattern.anchors), (pattern.label, m)
    assert seen >= len(CAUGHT)
