"""The session browser, driven programmatically: filters, selection, next error, subagents."""

from __future__ import annotations

import pytest
from conftest import S1, S2

from workbench.present import browser
from workbench.query.db import open_reader


@pytest.fixture
def b(ingested):
    return browser.SessionBrowser(open_reader(ingested), tz="UTC")


def ids(b) -> list[str]:
    return [value for _label, value in b.list.options]


def test_filters_narrow_the_list(b):
    assert ids(b) == [S2, S1]  # newest first, subagents left out
    assert "<b>2</b> sessions" in b.status.value
    b.errors_only.value = True
    assert ids(b) == [S1]
    b.errors_only.value = False
    b.text.value = "flaky"
    assert ids(b) == [S2]
    b.text.value = ""
    b.models.value = ("claude-opus-4-6",)
    assert ids(b) == [S2]
    b.models.value = ()
    b.outcomes.value = ("abandoned",)
    assert ids(b) == []
    b.outcomes.value = ()
    b.sort.value = "oldest first"
    assert ids(b) == [S1, S2]
    b.until.value = __import__("datetime").date(2026, 3, 2)
    assert ids(b) == [S1]


def test_selecting_shows_the_transcript_and_next_error(b):
    b.list.value = S1
    assert "Add a cart endpoint to the shop API" in b.view.value
    assert "1 tool errors" in b.view.value
    at = b.next_error()
    assert b.current.events[at].tool_name == "Bash"
    assert "Error 1 of 1" in b.view.value and 'id="err-0"' in b.view.value
    assert b.next_error() == at  # wraps around


def test_subagents_are_reachable_and_back(b):
    b.list.value = S1
    assert [v for _l, v in b.subagents.options] == [None, "agent-warm0001", "agent-sub001"]
    b.subagents.value = "agent-sub001"
    assert b.current.session["session_id"] == "agent-sub001"
    assert "List the tests" in b.view.value and not b.back_button.disabled
    b.back()
    assert b.current.session["session_id"] == S1 and b.back_button.disabled


def test_headless_static_table(ingested, monkeypatch):
    con = open_reader(ingested)
    page = browser.static_table(con, tz="UTC")
    assert "<table" in page and S1 in page and S2 in page and "2 sessions." in page
    assert page.count('class="err"') == 1
    monkeypatch.setenv("WORKBENCH_HEADLESS", "1")
    shown = browser.show(con, tz="UTC")
    assert "<table" in shown.data
