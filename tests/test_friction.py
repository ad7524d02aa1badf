"""The friction rule table: every category from real-looking error text, same answer in SQL."""

from __future__ import annotations

import pytest
from builders import Transcript

from workbench.core import store
from workbench.ingest.load import ingest
from workbench.models import friction

EXAMPLES = [
    ("interrupted", "[Request interrupted by user for tool use]"),
    ("interrupted", "[Operation Cancelled] Reason: User cancelled tool execution."),  # Gemini
    (
        "user_rejected",
        "The user doesn't want to proceed with this tool use. The tool use was "
        "rejected (eg. if it was a file edit, the new_string was NOT written to the "
        "file). STOP what you are doing and wait for the user to tell you how to "
        "proceed.",
    ),
    (
        "permission_denied",
        "Claude requested permissions to use WebSearch, but you haven't granted it yet.",
    ),
    ("permission_denied", "This command requires approval"),
    ("permission_denied", "bash: ./deploy.sh: Permission denied"),
    ("rate_limit", "Request failed with status code 429: Too Many Requests"),
    (
        "auth",
        "remote: Invalid username or password.\nfatal: Authentication failed for "
        "'https://github.com/acme/shop.git/'",
    ),
    ("timeout", "Command timed out after 2m 0.0s"),
    ("network", "Exit code 6\ncurl: (6) Could not resolve host: registry.internal"),
    ("command_not_found", "Exit code 127\n/bin/bash: line 1: pnpm: command not found"),
    ("command_not_found", "Error: error: target shim binary not found"),
    (
        "module_not_found",
        'Exit code 1\nTraceback (most recent call last):\n  File "app.py", '
        "line 3, in <module>\n    import requests\nModuleNotFoundError: No "
        "module named 'requests'",
    ),
    ("module_not_found", "Error: Cannot find module 'left-pad'\nRequire stack:\n- /app/index.js"),
    ("file_not_read", "File has not been read yet. Read it first before writing to it."),
    (
        "file_changed",
        "File has been modified since read, either by the user or by a linter. "
        "Read it again before attempting to write it.",
    ),
    ("edit_mismatch", "String to replace not found in file.\nString:     return total"),
    ("edit_mismatch", "Found 3 matches of the string to replace, but replace_all is false."),
    ("file_not_found", "File does not exist. Note: your current working directory is /srv."),
    ("file_not_found", "Exit code 2\nls: cannot access 'build/output': No such file or directory"),
    (
        "too_large",
        "File content (412.7KB) exceeds maximum allowed size (256KB). Please use "
        "offset and limit parameters to read specific portions of the file.",
    ),
    (
        "syntax_error",
        'Exit code 1\n  File "/app/handlers.py", line 41\n    def handle(request:'
        "\n               ^\nSyntaxError: '(' was never closed",
    ),
    (
        "runtime_error",
        'Exit code 1\nTraceback (most recent call last):\n  File "jobs.py", '
        "line 88, in run\n    user = payload['user_id']\nKeyError: 'user_id'",
    ),
    (
        "runtime_error",
        "TypeError: Cannot read properties of undefined (reading 'map')\n"
        "    at renderList (src/components/List.tsx:14:22)",
    ),
    ("runtime_error", "FAILED tests/test_cart.py::test_total - assert 3 == 4\n1 failed, 9 passed"),
    ("missing_script", 'Exit code 1\nnpm ERR! Missing script: "build"'),
    ("other", "Exit code 2\nmake: *** [Makefile:14: lint] Error 2"),
]


@pytest.mark.parametrize(("category", "text"), EXAMPLES)
def test_each_category(category, text):
    assert friction.categorize(text) == category


def test_every_category_has_an_example():
    assert {c for c, _ in EXAMPLES} == set(friction.CATEGORIES)


def test_near_misses_stay_out_of_the_wrong_category():
    assert friction.categorize("the login failed silently") == "other"  # not runtime (FAILED)
    assert friction.categorize('relation "users" does not exist') == "other"
    assert friction.categorize("") == "other" and friction.categorize(None) == "other"


def test_long_outputs_are_read_at_head_and_tail():
    tail = "\nModuleNotFoundError: No module named 'yaml'"
    text = "x" * 20_000 + tail
    assert friction.probe(text).endswith(tail)
    assert len(friction.probe(text)) == friction.PROBE_HEAD + 1 + friction.PROBE_TAIL
    assert friction.categorize(text) == "module_not_found"


def test_sql_and_python_agree(tmp_path):
    t = Transcript("aaaaaaaa-0000-4000-8000-000000000001").prompt("go")
    for _, text in EXAMPLES:
        t.tool("Bash", {"command": "x"}, text, error=True)
    # an error an agent did not flag: a non-zero exit code in the output
    t.tool("Bash", {"command": "y"}, "Exit code: 2\nboom", flag=False)
    t.tool("Bash", {"command": "z"}, "Exit code: 0\nfine", flag=False)
    t.say("done")
    t.write(tmp_path / "p" / "-x")
    db = tmp_path / "wb.duckdb"
    ingest([tmp_path / "p"], db, progress=False)
    con = store.open_db(db, read_only=True)
    got = con.execute("SELECT category, evidence FROM tool_errors ORDER BY ordinal").fetchall()
    con.close()
    expected = [(c, "is_error") for c, _ in EXAMPLES] + [("other", "exit_code")]
    assert got == expected


def test_line_numbers_are_not_status_codes():
    # a type checker pointing at line 429 is not a rate limit (seen in real transcripts)
    text = "error[call-non-callable]: Object is not callable\n   --> test/test_cache.py:429:17"
    assert friction.categorize(text) == "other"
    assert friction.categorize("HTTP 401 Unauthorized") == "auth"
    assert friction.categorize("The requested URL returned error: 403") == "auth"
