"""Feedback on evidence in a real browser, with the operator's switch on: thumbs and "Wrong
passage" store the question, the quoted chunk ids and the verdict, and nothing else; with the
switch off (the shared app) there are no feedback controls at all."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from answer import strings
from benchmarks.launcher import launched_app
from medquote.feedback import FeedbackError, FeedbackStore
from tests.helpers import Tab, context_links

pytestmark = [pytest.mark.browser, pytest.mark.slow]
QUESTION = "how do doctors test for ALS?"


@pytest.fixture(scope="module")
def feedback_app(browser, index_dir, app, tmp_path_factory):
    """A second app with feedback on; `app` first, so the shared index is already built."""
    db = tmp_path_factory.mktemp("feedback") / "feedback.sqlite"
    with launched_app(index_dir, {"MEDQUOTE_FEEDBACK_DB": str(db)}) as (url, proc, log):
        yield url, db


def votes(db, count: int, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = FeedbackStore(db).votes() if db.exists() else []
        except FeedbackError:  # the server has created the file but not yet its table: poll on
            found = []
        if len(found) >= count:
            return found
        time.sleep(0.1)
    return FeedbackStore(db).votes() if db.exists() else []


def test_feedback_controls_are_absent_by_default(tabs):
    tab = tabs(1280).open()
    row = tab.ask(QUESTION)
    bar = tab.page.locator("#chat .message-buttons-left").last
    assert row.is_visible() and bar.get_by_role("button", name="Like", exact=True).count() == 0
    assert tab.page.locator("#feedback-note").count() == 0


def test_votes_store_question_chunk_ids_and_verdict_only(browser, feedback_app, check_page):
    url, db = feedback_app
    tab = Tab(browser, url, 1280).open()
    try:
        page = tab.page
        assert strings.FEEDBACK_NOTE in page.locator("#feedback-note").inner_text()
        row = tab.ask(QUESTION)
        ids = tuple(f"{d}:{s}-{e}" for d, s, e in context_links(row))
        bar = page.locator("#chat .message-buttons-left").last
        bar.get_by_role("button", name="Like", exact=True).click()
        assert [(v.question, v.chunks, v.verdict) for v in votes(db, 1)] == [(QUESTION, ids, "helpful")]
        bar.get_by_role("button", name="Feedback", exact=True).focus()  # keyboard: the option shows on focus
        option = bar.get_by_role("button", name=strings.FEEDBACK_WRONG_PASSAGE, exact=True)
        option.wait_for(state="visible")  # on a busy machine it renders after the focus returns
        page.keyboard.press("Tab")
        expect(option).to_be_focused()
        page.keyboard.press("Enter")
        stored = votes(db, 2)
        time.sleep(1.0)  # Gradio sends this option twice; the echo must not be stored
        assert [v.verdict for v in FeedbackStore(db).votes()] == ["helpful", "wrong_passage"]
        assert stored[1].chunks == ids and len({v.day for v in stored}) == 1 and len(stored[0].day) == 10
        assert tab.context.cookies() == []
        assert check_page(page, "answered-feedback-on", scroll_to="#chat .message-buttons-left") == []
        assert tab.offsite() == []
    finally:
        tab.close()
