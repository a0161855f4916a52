"""A message in Arabic gets the fixed Arabic reply, shown right to left, axe-clean."""

from __future__ import annotations

import pytest

from answer import strings
from tests.helpers import NUMBER

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_arabic_reply_reads_right_to_left(tabs, check_page):
    tab = tabs(320).open()
    row = tab.ask("هل ارتعاش العضلات علامة على التصلب الجانبي الضموري؟")
    only, emergency = strings.LANGUAGE_REPLIES["ar"]
    block = row.locator("p", has_text=only[:20])
    assert block.count() == 1
    assert block.evaluate("e => getComputedStyle(e).direction") == "rtl"
    expected = strings.LANGUAGE_LEAD.format(only=only, emergency=emergency, crisis=strings.LANGUAGE_CRISIS["ar"], number=NUMBER)
    assert " ".join(block.inner_text().split()) == " ".join(expected.split())
    english = row.locator("p", has_text=strings.DISCLAIMER[:30])
    assert english.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert row.locator("blockquote").count() == 0
    assert check_page(tab.page, "arabic") == []
    assert tab.offsite() == []


def test_direction_is_set_in_a_chat_mounted_again(tabs):
    """The page script must keep working when Gradio mounts the chat again (a reconnect or a
    slow start can do that): CI once showed the Arabic reply left to right, with no dir set."""
    page = tabs(320).open().page
    direction = page.evaluate("""async () => {
        const again = document.getElementById("chat").cloneNode(true);
        document.getElementById("chat").replaceWith(again);
        const box = document.createElement("div"), p = document.createElement("p");
        box.className = "message-content";
        p.textContent = "في حالة الطوارئ، اتصل فورًا برقم الطوارئ المحلي.";
        box.append(p);
        again.append(box);
        await new Promise(r => setTimeout(r, 50));
        return [p.getAttribute("dir"), getComputedStyle(p).direction];
    }""")
    assert direction == ["auto", "rtl"]
