"""Helpers shared by the tests: paths, the rendered-reply checks, and the browser test's page wrapper.

The one module tests import helpers from (no test file imports another test file, and the
conftest files only hold fixtures). Server launching lives in benchmarks/launcher.py.
It holds no fixtures and no assertions of its own beyond Tab.completes' check for error toasts.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

from answer import render, strings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
OUT = ROOT / "test-output"  # screenshots, axe results and reports kept for CI

# --- the rendered reply ---

DISCLAIMER_MD = f"_{render.escape(strings.DISCLAIMER)}_"
# The only markup render.py itself writes: <strong> around highlighted answer sentences.
RENDERER_TAGS = ("<strong>", "</strong>")


def without_renderer_tags(markdown: str) -> str:
    for tag in RENDERER_TAGS:
        markdown = markdown.replace(tag, "")
    return markdown


def shared_index_dir(tmp_path_factory) -> Path:
    """One real index folder for the whole session: whichever slow module runs first builds it."""
    path = tmp_path_factory.getbasetemp() / "shared-real-index" / "index"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# --- the browser tests (tests/browser/) ---

NUMBER = "112"
# Collects the violations the page fires, from the first script on (before Gradio's own).
RECORD_CSP = """window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"""

# Gradio's status tracker on the chat loses its "hide" class while an event runs.
WATCH_STATUS = """() => { window.__status = []; const t = document.querySelector('#chat [data-testid=status-tracker]');
  new MutationObserver(() => window.__status.push(t.className)).observe(t, {attributes: true}); }"""


def collapse(text: str) -> str:
    return " ".join(text.split())


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


def context_links(row) -> list[tuple[str, int, int]]:
    """(doc, start, end) of each "show in context" link in a bot message, in order."""
    out = []
    for href in row.locator('a[href^="source/"]').evaluate_all("as => as.map(a => a.getAttribute('href'))"):
        m = re.match(r"source/([^?]+)\?start=(\d+)&end=(\d+)", href)
        out.append((m.group(1), int(m.group(2)), int(m.group(3))))
    return out
