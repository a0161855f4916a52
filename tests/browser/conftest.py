"""Browser test set-up: Debian's chromium driven by Playwright against the real app on loopback.

One app (real model, index in a temp dir, emergency number 112 so the tests can see that the
configured number reaches both the page and the notice) is launched for the whole browser
session; tests that need other settings launch their own with the same index. Each test gets
fresh browser contexts through `tabs`, which record every request and every Content-Security-
Policy violation so a test can prove the page fetched nothing from elsewhere. Screenshots go to
test-output/screenshots/ and axe-core counts per state and width to test-output/axe.json.
Without /usr/bin/chromium every browser test is skipped with the command that installs it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.server import ROOT, launched_app
from tests.skipnote import INSTALL, REASON

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
OUT = ROOT / "test-output"
WIDTHS = (320, 1280)
NUMBER = "112"
# Collects the violations the page fires, from the first script on (before Gradio's own).
RECORD_CSP = """window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"""

# Gradio's status tracker on the chat loses its "hide" class while an event runs.
WATCH_STATUS = """() => { window.__status = []; const t = document.querySelector('#chat [data-testid=status-tracker]');
  new MutationObserver(() => window.__status.push(t.className)).observe(t, {attributes: true}); }"""


def collapse(text: str) -> str:
    return " ".join(text.split())


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
def index_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("browser") / "index"


@pytest.fixture(scope="session")
def app(browser, index_dir):
    """(url, path of the server's log). Depends on `browser` so a missing chromium skips first."""
    with launched_app(index_dir, {"MEDQUOTE_EMERGENCY_NUMBER": NUMBER}) as (url, proc, log):
        yield url, Path(log.name)


class Tab:
    """One browser context and its first page, with everything it requested recorded."""

    def __init__(self, browser, url: str, width: int, **options):
        self.url, self.requests = url, []
        self.context = browser.new_context(viewport=size(width), locale="en-US", **options)
        self.context.add_init_script(RECORD_CSP)
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page = self.context.new_page()
        self.dialogs = []
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))

    def open(self):
        self.page.goto(self.url)
        self.page.wait_for_selector("#question textarea")
        return self

    def bot_rows(self):
        return self.page.locator("#chat .message-row.bot-row")

    def ask(self, question: str, *, keyboard: bool = False):
        """Type a question and wait until its whole answer (ending with the disclaimer) is shown."""
        count = self.bot_rows().count()
        box = self.page.locator("#question textarea")
        if keyboard:
            self.page.keyboard.type(question)
        else:
            box.fill(question)
        box.press("Enter")
        return self.wait_for_answer(count)

    def wait_for_answer(self, count_before: int):
        from answer import strings

        self.page.wait_for_function(
            "([n, end]) => { const rows = document.querySelectorAll('#chat .message-row.bot-row');"
            " return rows.length > n && rows[rows.length - 1].innerText.trim().endsWith(end); }",
            arg=[count_before, strings.DISCLAIMER[-40:]], timeout=30_000,
        )
        return self.bot_rows().last

    def completes(self, action) -> None:
        """Run a UI action and wait until the chat's event has run on the server and finished
        without an error (a retry may redraw the very same text, so text alone cannot tell)."""
        self.page.evaluate(WATCH_STATUS)
        action()
        self.page.wait_for_function(
            "() => { const s = window.__status; const i = s.findIndex(c => !c.includes('hide'));"
            " return i >= 0 && s.slice(i).some(c => c.includes('hide')); }", timeout=30_000)
        assert self.page.locator(".toast-body").count() == 0, self.page.locator(".toast-body").all_inner_texts()

    def offsite(self) -> list[str]:
        """Every request that left the app's origin, and every CSP violation in any page."""
        origin = urlparse(self.url).netloc
        bad = [u for u in self.requests if urlparse(u).scheme not in ("data", "blob") and urlparse(u).netloc != origin]
        for page in self.context.pages:
            if not page.is_closed():
                bad += page.evaluate("window.__csp || []")
        return bad

    def close(self):
        self.context.close()


def size(width: int) -> dict:
    return {"width": width, "height": 640 if width == 320 else 900}


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


def context_links(row) -> list[tuple[str, int, int]]:
    """(doc, start, end) of each "show in context" link in a bot message, in order."""
    out = []
    for href in row.locator('a[href^="source/"]').evaluate_all("as => as.map(a => a.getAttribute('href'))"):
        m = re.match(r"source/([^?]+)\?start=(\d+)&end=(\d+)", href)
        out.append((m.group(1), int(m.group(2)), int(m.group(3))))
    return out
