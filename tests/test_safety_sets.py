"""evaluation/safety/sets.py: the labelled safety sets are read with every line checked, by the
report, the calibration and the encoder comparison alike. Fast: no model."""

from __future__ import annotations

import json
import shutil

import pytest

from evaluation.safety.calibrate_safety import TUNING, rows
from evaluation.safety.report import load
from evaluation.safety.sets import SafetySetError, read_safety
from tests.helpers import ROOT

ROW = {"id": "s-001", "message": "my calf twitches", "emergency": False, "crisis": False, "personal": True,
       "category": "personal", "tags": ["first_person"]}


def write(path, *lines):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("row, message", [
    ({**ROW, "emergency": "false"}, "'emergency' must be true or false (a JSON bool, not \"false\")."),  # was counted as true
    ({k: v for k, v in ROW.items() if k != "crisis"}, "missing 'crisis'; every line has category, crisis, emergency, id, message, personal, tags."),
    ({**ROW, "emergancy": True}, "unknown key 'emergancy'; fix its spelling or drop it."),
    ({**ROW, "tags": "long"}, "'tags' must be a list of strings."),
])
def test_a_bad_line_names_the_file_line_and_fix_for_the_report(tmp_path, row, message):
    path = write(tmp_path / "set.jsonl", ROW, row)
    with pytest.raises(SafetySetError) as raised:
        load(path)
    assert str(raised.value) == f"{path}:2: {message}"


def test_a_line_separator_inside_a_message_keeps_the_line_whole(tmp_path):
    message = "I can't breathe\u2028help\u0085now\u2029"
    assert [r["message"] for r in read_safety(write(tmp_path / "set.jsonl", {**ROW, "message": message}))] == [message]


def test_the_calibration_reads_its_tuning_sets_through_the_same_check(tmp_path):
    for name in TUNING:
        shutil.copy(ROOT / "evaluation" / "safety" / f"{name}.jsonl", tmp_path / f"{name}.jsonl")
    gold = ROOT / "evaluation" / "gold" / "dev.jsonl"
    assert len(rows(tmp_path, gold)) > sum(len(read_safety(tmp_path / f"{n}.jsonl")) for n in TUNING)
    with open(tmp_path / "ordinary.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps({**ROW, "personal": "yes"}) + "\n")
    with pytest.raises(SafetySetError, match=rf"^{tmp_path / 'ordinary.jsonl'}:\d+: 'personal' must be true or false"):
        rows(tmp_path, gold)


def test_every_committed_safety_set_reads(tmp_path):
    assert all(read_safety(p) for p in sorted((ROOT / "evaluation" / "safety").glob("*.jsonl")))
