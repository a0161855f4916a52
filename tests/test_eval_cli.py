"""`medquote eval`'s arguments: what it refuses, before it loads a model or runs a question.

Fast: each refusal comes before any engine is loaded, so the command runs against an empty
corpus folder (had it got that far, it would fail there instead, with another message).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from evaluation import ReportError, write_report
from tests.helpers import ROOT

DEV = ROOT / "evaluation" / "gold" / "dev.jsonl"


def run(args, tmp_path):
    empty = tmp_path / "no-corpus"
    empty.mkdir(exist_ok=True)
    env = {**os.environ, "MEDQUOTE_CORPUS": str(empty), "MEDQUOTE_INDEX_DIR": str(tmp_path / "index"), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "cli", "eval", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def refused(done) -> str:
    """The one line a refusal prints (exit status 2, no traceback)."""
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
    return done.stderr.strip()


@pytest.mark.parametrize("flag", ["--out", "--html"])
def test_a_report_path_in_a_missing_folder_is_refused_before_the_run(flag, tmp_path):
    dest = tmp_path / "missing" / "r.json"
    said = refused(run(["--gold", DEV, "--encoder", "fake", flag, dest], tmp_path))
    assert said == (f"medquote: Cannot write the report to {dest}: it is in {dest.parent}, which does not exist. "
                    f"Pass {flag} a file path in a folder that exists and is writable.")


def test_a_folder_as_the_report_path_is_refused_before_the_run(tmp_path):
    said = refused(run(["--gold", DEV, "--encoder", "fake", "--compare", "--out", tmp_path], tmp_path))
    assert said == (f"medquote: Cannot write the report to {tmp_path}: it is a folder. "
                    "Pass --out a file path in a folder that exists and is writable.")


def test_write_report_turns_an_os_error_into_a_report_error(tmp_path):
    with pytest.raises(ReportError, match=r"^Cannot write the report to .*missing.*\. Pass --out a file path"):
        write_report({"metrics": {}}, tmp_path / "missing" / "r.json")
    with pytest.raises(ReportError, match="Cannot write the report to"):
        write_report({"metrics": {}}, tmp_path)
