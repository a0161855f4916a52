"""Related questions under an answer: shown as buttons, reachable by keyboard, asked on click,
and axe-clean (issue: conversation)."""

from __future__ import annotations

import pytest

from answer import strings

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_click_a_related_question_and_it_is_answered(tabs, check_page):
    tab = tabs(1280).open()
    page = tab.page
    tab.ask("What is an EMG?")
    buttons = page.locator("#related button:visible")
    page.wait_for_function("() => document.querySelectorAll('#related button').length > 0")
    assert 1 <= buttons.count() <= 3
    assert page.locator("#related-label").inner_text().strip() == strings.RELATED_LABEL
    labels = [b.inner_text().strip() for b in buttons.all()]
    assert all(label.endswith("?") for label in labels)
    assert check_page(page, "related") == []
    count = tab.bot_rows().count()
    # Keyboard: the first related question is focusable and Enter asks it.
    buttons.first.focus()
    assert page.evaluate("document.activeElement.innerText.trim()") == labels[0]
    page.keyboard.press("Enter")
    row = tab.wait_for_answer(count)
    users = page.locator("#chat .message-row.user-row")
    assert users.last.inner_text().strip() == labels[0]
    assert row.locator("blockquote").count() >= 1
    assert tab.offsite() == []


def test_no_related_questions_under_an_emergency(tabs):
    tab = tabs(1280).open()
    tab.ask("What is an EMG?")
    tab.page.wait_for_function("() => document.querySelectorAll('#related button').length > 0")
    tab.ask("my dad suddenly can't breathe and his lips are turning blue")
    assert tab.page.locator("#related button:visible").count() == 0
    assert not tab.page.locator("#related-label").is_visible()


def test_undo_takes_the_related_questions_away_with_their_answer(tabs):
    # They were offered under the undone answer: they must not stay under the crisis reply that
    # is now the last one (a review found them there).
    tab = tabs(1280).open()
    page = tab.page
    tab.ask("I want to end my life")
    tab.ask("What is an EMG?")
    page.wait_for_function("() => document.querySelectorAll('#related button').length > 0")
    assert page.locator("#related button:visible").count() >= 1
    page.get_by_role("button", name="Undo", exact=True).last.click()
    page.wait_for_function("() => document.querySelectorAll('#chat .message-row.bot-row').length === 1")
    page.wait_for_function("() => !document.querySelector('#related-label') || document.querySelector('#related-label').offsetParent === null")
    assert page.locator("#related button:visible").count() == 0


def test_half_an_emoji_in_a_question_is_answered_not_an_error(tabs):
    # A lone surrogate once reached Gradio's JSON encoder and replaced the chat with error badges.
    tab = tabs(1280).open()
    page = tab.page
    tab.ask("What is an EMG?")
    page.evaluate("""() => { const t = document.querySelector('#question textarea');
        t.value = 'twitching \\ud800 ALS'; t.dispatchEvent(new Event('input', {bubbles: true})); }""")
    page.locator("#ask").click()
    tab.wait_for_answer(1)
    assert tab.bot_rows().count() == 2
    assert strings.DISCLAIMER.split(".")[0] in tab.bot_rows().last.inner_text()
    assert page.locator(".toast-body:visible").count() == 0
