"""The chat page in a real browser: landing, answers with checkable sources, emergency and
abstention, "show in context", hostile input, keyboard use, the chat controls, privacy and
accessibility (axe-core: no serious or critical violations at 320 and 1280 px)."""

from __future__ import annotations

import importlib.util
import time
from urllib.parse import parse_qs, urlparse

import pytest

from answer import strings
from ingest import read_metadata
from tests.helpers import CORPUS, NUMBER, collapse, context_links

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTION = "can stress and anxiety make my muscles twitch?"
UNCOVERED = "what is the best pizza topping?"
EMERGENCY = "my dad suddenly can't breathe and his lips are turning blue"
HOSTILE = "is this ALS <img src=http://127.0.0.2:9/x.png onerror=alert(1)> ![x](http://127.0.0.2:9/y.png)"


@pytest.fixture(scope="module")
def raws(corpus):
    return {d.doc_id: d.raw for d in corpus[0]}


def test_landing_says_what_this_is_and_shows_the_disclaimer_without_scrolling(tabs, check_page):
    tab = tabs(320).open()
    page = tab.page
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate("window.scrollY") == 0
    for selector, text in (("#intro", strings.APP_INTRO), ("#emergency-line", strings.EMERGENCY_LINE.format(number=NUMBER)),
                           ("#disclaimer", strings.DISCLAIMER)):
        box = page.locator(selector).bounding_box()
        assert collapse(page.locator(selector).inner_text()).endswith(collapse(text))
        assert box["y"] >= 0 and box["y"] + box["height"] <= 640, f"{selector} is not fully on a 320x640 screen"
    sources = page.locator("#sources li")
    metas = sorted(read_metadata(CORPUS).values(), key=lambda m: m.doc_id)
    assert sources.count() == len(metas)
    for item, meta in zip(sources.all(), metas):
        text = collapse(item.inner_text())
        assert meta.title in text and strings.DOC_KIND_LABELS[meta.kind] in text and (meta.date or strings.NO_DATE) in text
        assert item.locator("a").get_attribute("href") == f"source/{meta.doc_id}"
    for example in strings.EXAMPLE_QUESTIONS:
        assert page.get_by_role("button", name=example, exact=True).is_visible()
    assert check_page(page, "idle") == []
    assert tab.offsite() == []


def test_answer_shows_verbatim_quotes_with_citations_and_the_disclaimer(tabs, check_page, raws):
    tab = tabs(320).open()
    row = tab.ask(QUESTION)
    quotes, links = row.locator("blockquote").all(), context_links(row)
    assert quotes and len(quotes) == len(links)
    metas = read_metadata(CORPUS)
    for quote, (doc, start, end) in zip(quotes, links):
        shown = collapse(quote.inner_text())
        assert shown == collapse(raws[doc][start:end]) and shown in collapse(raws[doc])
        citation = collapse(quote.locator("xpath=following-sibling::p[1]").inner_text())
        assert citation.startswith(f"{strings.CITATION_LABEL}: {metas[doc].title}")
        assert (metas[doc].date or strings.NO_DATE) in citation and strings.CONTEXT_LINK in citation
        assert any(label in citation for label in strings.KIND_LABELS.values())
    text = collapse(row.inner_text())
    assert text.startswith(strings.LEAD_IN) and text.endswith(collapse(strings.DISCLAIMER))
    assert check_page(tab.page, "answered", scroll_to="#chat .message-row.user-row") == []
    assert tab.offsite() == []


def test_uncovered_question_gets_the_fixed_text_and_no_quote(tabs, check_page):
    tab = tabs(320).open()
    row = tab.ask(UNCOVERED)
    assert row.locator("blockquote").count() == 0
    assert collapse(row.inner_text()).startswith(collapse(strings.NOT_COVERED))
    assert check_page(tab.page, "abstained", scroll_to="#chat .message-row.user-row") == []
    assert tab.offsite() == []


@pytest.mark.skipif(importlib.util.find_spec("answer.safety") is None,
                    reason="answer/safety.py (the emergency screen) is not in the tree yet")
def test_emergency_message_shows_the_notice_before_anything_else(tabs, check_page):
    tab = tabs(320).open()
    row = tab.ask(EMERGENCY)
    notice = collapse(strings.EMERGENCY_NOTICE.format(number=NUMBER))
    text = collapse(row.inner_text())
    assert text.startswith(notice), "the emergency notice must come first, with the configured number"
    assert row.locator("blockquote").count() == 0 or text.index(notice) < text.index(collapse(row.locator("blockquote").first.inner_text()))
    assert check_page(tab.page, "emergency", scroll_to="#chat .message-row.user-row") == []
    assert tab.offsite() == []


def test_show_in_context_opens_the_source_with_the_passage_highlighted(tabs, check_page, raws):
    tab = tabs(320).open()
    row = tab.ask(QUESTION)
    (doc, start, end) = context_links(row)[0]
    bold = row.locator("blockquote").first.locator("strong").all_inner_texts()
    with tab.context.expect_page() as opened:
        row.locator('a[href^="source/"]').first.click()
    page = opened.value
    page.wait_for_load_state()
    url = urlparse(page.url)
    assert url.path == f"/source/{doc}" and url.fragment == "passage"
    assert parse_qs(url.query)["start"] == [str(start)] and parse_qs(url.query)["end"] == [str(end)]
    mark = page.locator("mark#passage")
    assert collapse(mark.inner_text()) == collapse(raws[doc][start:end])
    assert mark.locator("strong").all_inner_texts() == bold  # the same answer sentences, if any
    assert collapse(page.locator(".doc").inner_text()) == collapse(raws[doc])
    box, height = mark.bounding_box(), page.viewport_size["height"]
    assert 0 <= box["y"] < height, "the passage must be scrolled into view"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert check_page(page, "context", scroll_to="mark#passage") == []
    assert tab.offsite() == []


def test_html_and_markdown_in_a_question_show_as_text_and_fetch_nothing(tabs):
    tab = tabs(1280).open()
    tab.ask(HOSTILE)
    user = tab.page.locator("#chat .message-row.user-row").last
    assert collapse(user.inner_text()) == collapse(HOSTILE)
    assert tab.page.locator("#chat img").count() == 0
    tab.page.wait_for_timeout(500)
    assert not [u for u in tab.requests if "127.0.0.2" in u] and tab.dialogs == []
    assert tab.offsite() == []


def test_keyboard_alone_can_ask_and_reach_every_source_control(tabs):
    tab = tabs(1280).open()
    page = tab.page
    for _ in range(40):  # Tab from the top of the page to the question box
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('#question')"):
            break
    else:
        pytest.fail("the question box cannot be reached with Tab")
    row = tab.ask(QUESTION, keyboard=True)
    wanted = row.locator('a[href^="source/"]').evaluate_all("as => as.map(a => a.getAttribute('href'))")
    reached, controls, in_chat_before = [], set(), False
    for _ in range(120):  # walk back from the question box through the whole chat
        page.keyboard.press("Shift+Tab")
        href, label, in_chat = page.evaluate(
            "(() => { const a = document.activeElement;"
            " return [a.getAttribute('href'), a.getAttribute('aria-label'), !!a.closest('#chat')]; })()")
        if not in_chat and in_chat_before:
            break
        in_chat_before = in_chat
        reached += [href] if in_chat and href else []
        controls |= {label} if in_chat and label else set()
    assert set(wanted) <= set(reached), f"not reachable by keyboard: {set(wanted) - set(reached)}"
    assert {"Copy message", "Retry", "Undo"} <= controls
    page.locator(f'#chat a[href="{wanted[0]}"]').focus()
    with tab.context.expect_page() as opened:
        page.keyboard.press("Enter")
    opened.value.wait_for_selector("mark#passage")
    assert tab.offsite() == []


def test_retry_undo_copy_and_clear(tabs):
    tab = tabs(1280, permissions=["clipboard-read", "clipboard-write"]).open()
    page = tab.page
    row = tab.ask(QUESTION)
    answer = row.inner_text()
    tab.completes(page.get_by_role("button", name="Retry", exact=True).click)
    tab.wait_for_answer(0)
    assert tab.bot_rows().count() == 1 and tab.bot_rows().last.inner_text() == answer
    page.locator("#chat .message-buttons-left").last.get_by_role("button", name="Copy message").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert collapse(copied) == collapse(tab.bot_rows().last.locator(".message-content").inner_text())
    assert copied.startswith(strings.LEAD_IN) and "\\" not in copied and "&quot;" not in copied
    page.get_by_role("button", name="Undo", exact=True).click()
    page.wait_for_function("() => document.querySelectorAll('#chat .message-row').length === 0")
    assert page.locator("#question textarea").input_value() == QUESTION
    page.get_by_role("button", name=strings.EXAMPLE_QUESTIONS[0], exact=True).click()
    tab.wait_for_answer(0)
    assert collapse(page.locator("#chat .message-row.user-row").last.inner_text()) == strings.EXAMPLE_QUESTIONS[0]
    page.get_by_role("button", name="Clear", exact=True).click()
    page.wait_for_function("() => document.querySelectorAll('#chat .message-row').length === 0")
    assert tab.offsite() == []


def test_no_cookies_no_stored_questions_and_no_question_in_the_server_log(tabs, app):
    canary = "zebracanary4711 twitching in my calf"
    tab = tabs(1280).open()
    tab.ask(canary)
    storage = tab.page.evaluate("JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])")
    assert tab.context.cookies() == [] and "zebracanary4711" not in storage
    log = app[1]
    time.sleep(0.5)
    assert "zebracanary4711" not in log.read_text(encoding="utf-8", errors="replace")
    assert tab.offsite() == []
