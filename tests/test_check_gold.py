"""evaluation/gold/check_gold.py: the committed gold files, and one bad line of each kind it must name.

Fast: no model; the corpus is chunked once (check_gold caches it). The script is loaded by its path
because the module evaluation/gold.py shadows the folder evaluation/gold/ as a package.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers import ROOT

SCRIPT = ROOT / "evaluation" / "gold" / "check_gold.py"
DOC = "004_e5aaec687aab1a45"
GOOD = {"id": "x001", "question": "do als twitches hurt", "answerable": True, "emergency": False,
        "relevant": [{"doc": DOC, "contains": "The twitching is not painful, but it can interfere with sleep"}], "tags": ["short"]}


@pytest.fixture(scope="module")
def check_gold() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_gold", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_gold"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def run(check_gold: ModuleType, capsys: pytest.CaptureFixture[str], *paths: Path) -> tuple[int, list[str]]:
    code = check_gold.main([str(p) for p in paths])
    return code, [line for line in capsys.readouterr().out.splitlines() if line.startswith("ERROR")]


def write(path: Path, *rows: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_dev_and_heldout_pass(check_gold, capsys):
    assert run(check_gold, capsys, *(ROOT / "evaluation" / "gold" / f"{s}.jsonl" for s in ("dev", "heldout"))) == (0, [])


def test_every_committed_gold_file_passes(check_gold, capsys):
    assert run(check_gold, capsys) == (0, [])  # no argument: every evaluation/gold/*.jsonl


def test_a_clean_file_and_a_follow_up_row_pass(check_gold, capsys, tmp_path):
    follow_up = {"id": "x002", "previous": "What is an EMG test?", "question": "does it hurt?", "answerable": False, "relevant": [],
                 "tags": ["pronoun"]}
    assert run(check_gold, capsys, write(tmp_path / "tiny.jsonl", GOOD, follow_up)) == (0, [])


def test_a_wrong_contains_names_the_line_and_the_fix(check_gold, capsys, tmp_path):
    wrong = {**GOOD, "id": "x002", "question": "other", "relevant": [{"doc": DOC, "contains": "The twitching is always painful at night"}]}
    path = write(tmp_path / "tiny.jsonl", GOOD, wrong)
    code, errors = run(check_gold, capsys, path)
    assert code == 1 and errors == [f"ERROR: {path}:2 (x002) relevant[0]: contains not found in {DOC}; copy the exact words from corpus/{DOC}.txt: "
                                    "'The twitching is always painful at night'"]


def test_a_duplicate_id_names_the_line(check_gold, capsys, tmp_path):
    path = write(tmp_path / "tiny.jsonl", GOOD, {**GOOD, "question": "another question"})
    assert run(check_gold, capsys, path) == (1, [f"ERROR: {path}:2: duplicate id 'x001'."])


def test_a_contains_only_in_boilerplate_fails(check_gold, capsys, tmp_path):
    # In 001 these words stand only in the teaser of another Q&A page, which ingest never indexes.
    teaser = {**GOOD, "relevant": [{"doc": "001_e7a933f99d6d9ccc", "contains": "The causes are numerous, with the most common being stress"}]}
    path = write(tmp_path / "tiny.jsonl", teaser)
    code, errors = run(check_gold, capsys, path)
    assert code == 1 and len(errors) == 1
    assert errors[0].startswith(f"ERROR: {path}:1 (x001) relevant[0]: contains is in 001_e7a933f99d6d9ccc's teaser boilerplate, which is never indexed")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("answerable", "yes", "'answerable' must be a bool."),
    ("emergency", "no", "'emergency' must be a bool."),
    ("relevant", [{"doc": DOC}], "'relevant' must be a list of {\"doc\": str, \"contains\": str}."),
])
def test_a_bad_field_names_the_line(check_gold, capsys, tmp_path, field, value, message):
    path = write(tmp_path / "tiny.jsonl", {**GOOD, "id": "x000", "question": "first"}, {**GOOD, field: value})
    assert run(check_gold, capsys, path) == (1, [f"ERROR: {path}:2: {message}"])


def test_flag_and_tag_rules(check_gold, capsys, tmp_path):
    urgent = {"id": "x002", "question": "I can't breathe", "answerable": True, "emergency": True, "relevant": GOOD["relevant"], "tags": ["typo"]}
    path = write(tmp_path / "tiny.jsonl", GOOD, urgent, {**GOOD, "id": "x003", "question": "q", "tags": ["bogus"]})
    code, errors = run(check_gold, capsys, path)
    assert code == 1 and [e.split(": ", 2)[2] for e in errors] == [
        "an emergency/crisis question is answerable=false; set it and empty 'relevant'",
        "an emergency/crisis question needs the tag 'emergency' or 'crisis'",
        "unknown tag 'bogus'; use one from TAGS in evaluation/gold/check_gold.py",
    ]


def test_a_dev_question_asked_again_in_another_split_fails(check_gold, capsys, tmp_path):
    dev = write(tmp_path / "dev.jsonl", {**GOOD, "id": "d001"})
    other = write(tmp_path / "tiny.jsonl", GOOD)
    code, errors = run(check_gold, capsys, other, dev)
    assert errors[-1].startswith(f"ERROR: {other}:1 (x001): the same question as {dev}:1 (d001)")
    assert errors[0] == f"ERROR: {dev}: only 1 questions, at least 75 needed; add some"


def test_the_script_runs_by_path_from_anywhere_without_a_trace(tmp_path):
    bad = write(tmp_path / "tiny.jsonl", {**GOOD, "relevant": [{"doc": "nope", "contains": "whatever words"}]})
    done = subprocess.run([sys.executable, str(SCRIPT), bad.name, "missing.jsonl"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    assert "ERROR: tiny.jsonl:1 (x001) relevant[0]: unknown doc 'nope'; use a file stem from corpus/: 000_" in done.stdout
    assert "ERROR: Cannot read gold file missing.jsonl: " in done.stdout


def test_an_unknown_key_is_an_error_naming_the_line(check_gold, capsys, tmp_path):
    """A misspelt "previuos" made a follow-up load as a standalone question: the evaluation
    loader refuses it, and the checker reports it as an error, not a warning."""
    from evaluation.gold import GoldError, load_gold

    typo = {**GOOD, "id": "x002", "question": "does it hurt?", "previuos": "What is an EMG test?",
            "relevant": [{**GOOD["relevant"][0], "page": 3}]}
    path = write(tmp_path / "tiny.jsonl", GOOD, typo)
    message = (f"{path}:2: unknown key 'previuos', 'relevant[0].page'; fix its spelling or drop it (the keys are "
               "answerable, crisis, emergency, id, previous, question, relevant, tags; in relevant: doc, contains).")
    assert run(check_gold, capsys, path) == (1, [f"ERROR: {message}"])
    with pytest.raises(GoldError) as raised:
        load_gold(path)
    assert str(raised.value) == message


def test_a_line_separator_inside_a_string_keeps_the_line_whole(check_gold, capsys, tmp_path):
    """JSON may hold U+2028, U+2029 or NEL raw in a string (the feedback export writes them so);
    str.splitlines cut such a line in two and the file failed as invalid JSON."""
    from evaluation.gold import load_gold

    question = "do als twitches hurt?\u2028and at night\u0085too\u2029"
    path = tmp_path / "tiny.jsonl"
    path.write_text(json.dumps({**GOOD, "question": question}, ensure_ascii=False) + "\r\n", encoding="utf-8")
    assert [q.question for q in load_gold(path)] == [question]
