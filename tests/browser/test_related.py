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
