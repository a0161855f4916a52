"""The closing note when browser tests are skipped for want of chromium (tests/skipnote.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers import ROOT
from tests.skipnote import message

FAKE_SUITE = '''
import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def browser():
    pytest.skip("chromium not found at /usr/bin/chromium: apt-get install -y chromium")


def test_a(browser):
    pass


def test_b(browser):
    pass


def test_skipped_for_another_reason():
    pytest.skip("not today")


@pytest.mark.parametrize("x", [1])
def test_runs(x):
    pass
'''


def run_suite(tmp_path, body: str) -> list[str]:
    (tmp_path / "test_fake.py").write_text(body, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    browser: drives chromium\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.skipnote", "-p", "no:cacheprovider", "-q"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return [line for line in done.stdout.splitlines() if line.strip()]


def test_the_run_ends_by_saying_how_many_browser_tests_were_skipped_why_and_the_fix(tmp_path):
    lines = run_suite(tmp_path, FAKE_SUITE)
    assert lines[-2] == "2 browser tests skipped: chromium not found at /usr/bin/chromium. To run them: apt-get install -y chromium"
    assert lines[-1].startswith("1 passed, 3 skipped")  # pytest's own closing line stays last


def test_no_note_when_no_browser_test_was_skipped(tmp_path):
    lines = run_suite(tmp_path, FAKE_SUITE.replace("pytest.skip(\"chromium", "return (\"chromium"))
    assert not any("browser test" in line for line in lines)
    assert lines[-1].startswith("3 passed, 1 skipped")


def test_the_message_counts_in_words():
    assert message(0) is None
    assert message(1) == "1 browser test skipped: chromium not found at /usr/bin/chromium. To run them: apt-get install -y chromium"
    assert message(11).startswith("11 browser tests skipped")
