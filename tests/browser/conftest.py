"""Browser test set-up: Debian's chromium driven by Playwright against the real app on loopback.

One app (real model, the session's one real index (tests/helpers.shared_index_dir), emergency number 112 so the tests can see that the
configured number reaches both the page and the notice) is launched for the whole browser
session; tests that need other settings launch their own with the same index. Each test gets
fresh browser contexts through `tabs`, which record every request and every Content-Security-
Policy violation so a test can prove the page fetched nothing from elsewhere. Screenshots go to
test-output/screenshots/ and axe-core counts per state and width to test-output/axe.json.
Without /usr/bin/chromium every browser test is skipped with the command that installs it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.launcher import launched_app
from tests.helpers import NUMBER, OUT, Tab, shared_index_dir, size
from tests.skipnote import INSTALL, REASON

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
WIDTHS = (320, 1280)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{REASON}: {INSTALL}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def index_dir(real_engine, tmp_path_factory) -> Path:
    # The session's one real index, built once. Built here, through `real_engine`, with no time
    # limit, rather than by the app on its start-up: a fresh `make test` runs these tests first,
    # and on two busy cores that first build took longer than the app's 600 s start-up limit
    # (session 19: fifteen browser tests errored, "did not start in 600.0 s").
    return shared_index_dir(tmp_path_factory)


@pytest.fixture(scope="session")
def app(browser, index_dir):
    """(url, path of the server's log). Depends on `browser` so a missing chromium skips first."""
    # The index is built before (index_dir); 600 s still leaves room for a slow machine.
    with launched_app(index_dir, {"MEDQUOTE_EMERGENCY_NUMBER": NUMBER}, timeout=600.0) as (url, proc, log):
        yield url, Path(log.name)


@pytest.fixture()
def tabs(browser, app):
    opened = []

    def make(width: int = 1280, **options) -> Tab:
        tab = Tab(browser, app[0], width, **options)
        opened.append(tab)
        return tab

    yield make
    for tab in opened:
        tab.close()


@pytest.fixture(scope="session")
def axe_counts():
    counts: dict = {}
    yield counts
    OUT.mkdir(exist_ok=True)
    path = OUT / "axe.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps({**old, **counts}, indent=2, sort_keys=True) + "\n")


@pytest.fixture()
def check_page(axe_counts):
    """check(page, state): for each width, screenshot the page and run axe-core on it; record the
    counts by impact; return the serious and critical violations, which must be none."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    shots = OUT / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)

    def check(page, state: str, scroll_to: str | None = None) -> list[str]:
        failures = []
        for width in WIDTHS:
            page.set_viewport_size(size(width))
            if scroll_to:
                page.locator(scroll_to).first.scroll_into_view_if_needed()
            page.wait_for_timeout(300)  # let layout and smooth scrolling settle
            page.screenshot(path=str(shots / f"{state}-{width}.png"))
            violations = axe.run(page).response["violations"]
            by_impact = {i: sum(1 for v in violations if v["impact"] == i) for i in ("critical", "serious", "moderate", "minor")}
            axe_counts.setdefault(state, {})[str(width)] = {**by_impact, "rules": sorted(v["id"] for v in violations)}
            failures += [f"{state}@{width}: {v['id']} ({v['impact']}): {v['help']} - "
                         f"{[n['target'] for n in v['nodes'][:3]]}"
                         for v in violations if v["impact"] in ("serious", "critical")]
        return failures

    return check

