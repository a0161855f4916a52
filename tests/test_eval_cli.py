"""`medquote eval`'s arguments: what it refuses, before it loads a model or runs a question.

Fast: each refusal comes before any engine is loaded, so the command runs against an empty
corpus folder (had it got that far, it would fail there instead, with another message).
"""

from __future__ import annotations

import importlib.util
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


@pytest.mark.parametrize("flag", ["--fit", "--calibrate"])
def test_tuning_on_a_scored_split_is_refused(flag, tmp_path):
    """A copy of a set named like a blind one (here dev's questions, called blind8.jsonl) was
    fitted on and written to index/scoring.json."""
    copy = tmp_path / "blind8.jsonl"
    copy.write_bytes(DEV.read_bytes())
    heldout = ROOT / "evaluation" / "gold" / "heldout.jsonl"
    for gold in (copy, heldout):
        said = refused(run(["--gold", DEV, gold, flag] if flag == "--calibrate" else ["--gold", gold, flag], tmp_path))
        assert said == (f"medquote: {gold} is a scored split, never tuned on: {flag} only on the tuning splits "
                        "(evaluation/gold/dev.jsonl, evaluation/gold/dev_users.jsonl, evaluation/gold/followups.jsonl, "
                        "evaluation/gold/followups_notcovered.jsonl, "
                        "evaluation/gold/notcovered.jsonl).")


def test_which_files_may_be_tuned_on(tmp_path):
    from evaluation.gold import TUNING_SPLITS, GoldError, refuse_tuning_on

    spec = importlib.util.spec_from_file_location("check_gold", ROOT / "evaluation" / "gold" / "check_gold.py")
    check_gold = importlib.util.module_from_spec(spec)  # by path: evaluation/gold.py shadows the folder
    sys.modules["check_gold"] = check_gold
    spec.loader.exec_module(check_gold)
    assert {name for name, split in check_gold.SPLITS.items() if split.tuned} == TUNING_SPLITS  # one list, two readers
    for name in ("dev", "followups_notcovered", "mine", "tuning-extra"):
        refuse_tuning_on(tmp_path / f"{name}.jsonl", "--fit")
    for name in ("blind", "blind8", "heldout", "heldout2", "followups2", "followups10"):
        with pytest.raises(GoldError, match="is a scored split"):
            refuse_tuning_on(tmp_path / f"{name}.jsonl", "--fit")


def test_gold_given_twice_is_kept_twice_not_overwritten(tmp_path):
    said = refused(run(["--gold", DEV, "--gold", ROOT / "evaluation" / "gold" / "notcovered.jsonl"], tmp_path))
    assert said == "medquote: give one --gold file (several only with --calibrate)."


@pytest.mark.parametrize("flag", ["--calibrate", "--fit"])
def test_calibrate_and_fit_refuse_a_report_they_would_not_write(flag, tmp_path):
    said = refused(run(["--gold", DEV, flag, "--out", tmp_path / "r.json"], tmp_path))
    assert said == f"medquote: {flag} prints its result and writes no report; drop --out and --html, or run the evaluation without it."


def test_calibrate_fit_and_compare_are_one_at_a_time(tmp_path):
    done = run(["--gold", DEV, "--calibrate", "--fit", "--compare"], tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == "medquote eval: error: argument --fit: not allowed with argument --calibrate"
