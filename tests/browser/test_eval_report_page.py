"""The HTML evaluation report in headless chromium: it renders with no console error, requests
nothing but its own file, keeps hostile gold text inert, and is axe-clean (issue 15).

The page is made with the fake embedder's engine (no app, no model) and kept, with its
screenshots (test-output/screenshots/eval-report-*.png), under test-output/.
"""

from __future__ import annotations

import pytest

from evaluation import load_gold
from evaluation.html_report import write_html
from tests.helpers import OUT, size
from tests.report_gold import HOSTILE_QUESTION, write_mixed_gold

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_report_renders_in_chromium_without_errors(browser, fake_engine, corpus_dir, check_page, tmp_path):
    gold_path = write_mixed_gold(tmp_path / "mixed.jsonl")
    golds = load_gold(gold_path)
    OUT.mkdir(exist_ok=True)
    out = OUT / "eval-report-fake.html"
    write_html(fake_engine, golds, corpus_dir, gold_path, out)

    context = browser.new_context(viewport=size(1280), locale="en-US")
    page = context.new_page()
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(out.as_uri())
        assert page.locator("#questions tbody tr").count() == len(golds)
        assert page.locator("figure svg").count() == 2
        for chart in ("#threshold-curve svg", "#rank-histogram svg"):
            box = page.locator(chart).bounding_box()
            assert box and box["width"] > 200 and box["height"] > 100, chart
        assert page.locator("#q-hostile .question").inner_text() == HOSTILE_QUESTION
        assert page.evaluate("window.__pwned === undefined")
        assert errors == []
        assert check_page(page, "eval-report", scroll_to="#questions") == []
        assert errors == []
        assert [u for u in requests if u != out.as_uri() and not u.startswith("data:")] == []
    finally:
        context.close()
