"""The `medquote` command end to end: ask, eval on a gold file it has never seen, clean errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation import GoldError, load_gold
from tests.helpers import ROOT

pytestmark = pytest.mark.slow


def run(args, index_dir, **env):
    full_env = {**os.environ, "MEDQUOTE_INDEX_DIR": str(index_dir), **env}
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "index"
    done = run(["ingest", "--quiet"], path)
    assert done.returncode == 0, done.stderr
    return path


def test_ingest_of_an_unchanged_corpus_reuses_every_vector(index_dir):
    done = run(["ingest"], index_dir)
    assert done.returncode == 0, done.stderr
    assert re.search(r"^medquote: Embedded 0 texts, reused [1-9][0-9]{3,} vectors of the previous build\.$", done.stderr, re.M), done.stderr


def test_ask_json_prints_the_answer_object(index_dir):
    done = run(["ask", "what tests do doctors use to diagnose ALS?", "--json"], index_dir)
    assert done.returncode == 0, done.stderr
    obj = json.loads(done.stdout)
    assert obj["quotes"] and obj["ranked"] and obj["abstained"] is False


def test_ask_plain_ends_with_disclaimer(index_dir):
    from answer import strings

    done = run(["ask", "is twitching in my calf a sign of ALS?"], index_dir)
    assert done.stdout.rstrip().endswith(strings.DISCLAIMER)


def test_eval_runs_on_an_unseen_gold_file(index_dir, tmp_path):
    gold = tmp_path / "other.jsonl"
    gold.write_text("\n".join(json.dumps(o) for o in [
        {"id": "x1", "question": "Could being stressed out make me twitch?", "answerable": True,
         "relevant": [{"doc": "002_3ac21db952cf9835", "contains": "Stress and anxiety can indeed manifest physically"}]},
        {"id": "x2", "question": "who won the world cup in 1998", "answerable": False, "relevant": []},
    ]) + "\n")
    out = tmp_path / "r.json"
    done = run(["eval", "--gold", str(gold), "--out", str(out)], index_dir)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert set(report) == {"metrics", "config", "questions"}
    m = report["metrics"]
    for key in ("accuracy@1", "accuracy@3", "accuracy@5", "mrr@10", "abstention_rate_unanswerable",
                "answer_rate_answerable", "verbatim_rate", "disclaimer_rate"):
        assert key in m and key in done.stdout
    assert [q["id"] for q in report["questions"]] == ["x1", "x2"]
    assert m["verbatim_rate"] == 1.0 and m["disclaimer_rate"] == 1.0


def test_bad_gold_file_is_a_clear_error_not_a_traceback(index_dir, tmp_path):
    gold = tmp_path / "bad.jsonl"
    gold.write_text('{"id": "a", "question": "q", "answerable": "yes"}\n')
    done = run(["eval", "--gold", str(gold)], index_dir)
    assert done.returncode == 2
    assert "bad.jsonl:1" in done.stderr and "Traceback" not in done.stderr


def test_stale_index_is_rebuilt_by_ask(index_dir, tmp_path):
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    with open(corpus / "sources.toml", "a") as fh:
        fh.write("\n# a metadata edit makes the index stale\n")
    done = run(["ask", "what is ALS?", "--json"], index_dir, MEDQUOTE_CORPUS=str(corpus))
    assert done.returncode == 0 and "stale" in done.stderr


def test_gold_files_in_the_repo_load():
    for name in ("dev.jsonl", "heldout.jsonl"):
        assert len(load_gold(ROOT / "evaluation" / "gold" / name)) >= 30
    with pytest.raises(GoldError):
        load_gold(Path("/nonexistent.jsonl"))
