"""The closing note of a test run whose browser tests were skipped for want of chromium.

pytest alone ends such a run with "11 skipped" and no word why. The hook (registered in
tests/conftest.py) adds one line just above pytest's own closing line: how many browser tests
were skipped, why, and the one command that enables them. Only skips whose reason names
chromium count; a run that deselects the browser tests (-m "not slow") prints nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

INSTALL = "apt-get install -y chromium"
REASON = "chromium not found at /usr/bin/chromium"


def browser_skips(reports: Iterable) -> int:
    """Skipped test reports of tests marked `browser` whose skip reason names chromium."""
    count = 0
    for report in reports:
        longrepr = getattr(report, "longrepr", None)
        reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr or "")
        if "browser" in getattr(report, "keywords", {}) and "chromium" in reason:
            count += 1
    return count


def message(skipped: int) -> str | None:
    if not skipped:
        return None
    tests = "test" if skipped == 1 else "tests"
    return f"{skipped} browser {tests} skipped: {REASON}. To run them: {INSTALL}"


def pytest_terminal_summary(terminalreporter) -> None:
    note = message(browser_skips(terminalreporter.stats.get("skipped", [])))
    if note:
        terminalreporter.write_sep("-", "browser tests")
        terminalreporter.write_line(note, yellow=True, bold=True)
