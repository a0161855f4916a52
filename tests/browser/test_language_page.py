"""A message in Arabic gets the fixed Arabic reply, shown right to left, axe-clean."""

from __future__ import annotations

import pytest

from answer import strings

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_arabic_reply_reads_right_to_left(tabs, check_page):
    tab = tabs(320).open()
    row = tab.ask("هل ارتعاش العضلات علامة على التصلب الجانبي الضموري؟")
    only, emergency = strings.LANGUAGE_REPLIES["ar"]
    block = row.locator("p", has_text=only[:20])
    assert block.count() == 1
    assert block.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert " ".join(block.inner_text().split()) == f"{only} {emergency}"
    english = row.locator("p", has_text=strings.DISCLAIMER[:30])
    assert english.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert row.locator("blockquote").count() == 0
    assert check_page(tab.page, "arabic") == []
    assert tab.offsite() == []
