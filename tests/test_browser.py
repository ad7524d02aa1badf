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
    assert b.next_error() is None and "Open a session first." in b.banner.value
    b.list.value = S1
    assert "Add a cart endpoint to the shop API" in b.view.value
    assert "1 tool errors" in b.banner.value
    at = b.next_error()
    assert b.current.events[at].tool_name == "Bash"
    assert "Error 1 of 1" in b.banner.value and 'id="err-0"' in b.view.value
    assert b.next_error() == at  # wraps around
    assert b.previous_error() == at
    assert b.view.layout.max_height == "70vh"  # the transcript scrolls in a bounded box


def test_no_error_banners_do_not_stack(b):
    b.list.value = S2
    for _ in range(3):
        assert b.next_error() is None
    assert b.banner.value.count("No tool errors in this session.") == 1
    assert "No tool errors" not in b.view.value


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
    assert "<table" in page and S1 in page and S2 in page and "2 sessions, newest first" in page
    assert page.count('class="err"') == 1
    assert f'href="transcripts/{S1}.html"' in page  # a short id linking to its transcript
    from workbench.frontends.report import linked_sessions

    assert set(linked_sessions(page)) == {S1, S2}  # what the report writes pages for
    capped = browser.static_table(con, tz="UTC", link_limit=1)
    assert capped.count('href="transcripts/') == 1 and "newest 1 sessions" in capped
    monkeypatch.setenv("WORKBENCH_HEADLESS", "1")
    shown = browser.show(con, tz="UTC")
    assert "<table" in shown.data
