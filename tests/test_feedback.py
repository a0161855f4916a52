"""Feedback on evidence: what the store keeps (and does not), and the export to gold lines."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

import cli
from evaluation import load_gold
from medquote.feedback import FeedbackStore, contains_text, export, from_env, gold_lines


@pytest.fixture()
def store(tmp_path):
    return FeedbackStore(tmp_path / "feedback.sqlite")


def some_chunks(corpus, n=2):
    return [c for c in corpus[1] if c.kind != "question"][:n]


def test_store_keeps_only_day_question_chunk_ids_and_verdict(store, corpus):
    ids = [c.id for c in some_chunks(corpus)]
    store.record("can stress cause twitching?", ids, "helpful")
    with sqlite3.connect(store.path) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(votes)")]
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert columns == ["id", "day", "question", "chunks", "verdict"] and tables == ["votes"]
    (vote,) = store.votes()
    assert vote.question == "can stress cause twitching?" and list(vote.chunks) == ids
    assert vote.verdict == "helpful" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", vote.day)


@pytest.mark.parametrize("question, ids, verdict", [
    ("q", [], "great"), ("", [], "helpful"), ("q", ["../etc/passwd"], "helpful"), ("x" * 5000, [], "helpful"),
])
def test_store_rejects_bad_votes(store, question, ids, verdict):
    with pytest.raises(ValueError):
        store.record(question, ids, verdict)


def test_feedback_is_off_unless_the_operator_names_a_file(tmp_path):
    assert from_env({}) is None and from_env({"MEDQUOTE_FEEDBACK_DB": "  "}) is None
    assert from_env({"MEDQUOTE_FEEDBACK_DB": str(tmp_path / "f.sqlite")}).path == tmp_path / "f.sqlite"


def test_contains_is_the_start_of_the_chunk_on_one_line(corpus):
    for chunk in corpus[1]:
        text = contains_text(chunk.text)
        assert text and text in chunk.text and "\n" not in text and len(text) <= 120


def test_gold_lines_name_the_shown_passages_and_the_verdict(store, corpus, corpus_dir, tmp_path):
    raws = {d.doc_id: d.raw for d in corpus[0]}
    chunks = some_chunks(corpus)
    store.record("does twitching mean ALS?", [c.id for c in chunks], "wrong_passage")
    store.record("does twitching mean ALS?", [c.id for c in chunks], "wrong_passage")  # same vote twice
    store.record("what is the best pizza?", [], "not_helpful")
    store.record("old vote", ["gone_doc:0-10", f"{chunks[0].doc_id}:0-99999999"], "helpful")
    lines = gold_lines(store.votes(), raws)
    assert len(lines) == 3
    first = lines[0]
    assert first["tags"] == ["feedback", "wrong_passage"] and first["answerable"] is True
    assert [r["doc"] for r in first["relevant"]] == [c.doc_id for c in chunks]
    for rel, chunk in zip(first["relevant"], chunks):
        assert rel["contains"] in raws[rel["doc"]] and rel["contains"] in chunk.text
    assert lines[1]["answerable"] is False and lines[1]["relevant"] == []
    assert lines[2]["relevant"] == []  # passages no longer in the corpus are dropped
    out = tmp_path / "gold.jsonl"
    out.write_text("\n".join(export(store.path, corpus_dir)) + "\n", encoding="utf-8")
    assert [g.id for g in load_gold(out)] == [line["id"] for line in lines]


def test_cli_exports_to_a_file_and_to_stdout(store, corpus, tmp_path, capsys):
    store.record("can anxiety cause twitching?", [some_chunks(corpus)[0].id], "helpful")
    out = tmp_path / "review.jsonl"
    assert cli.main(["feedback", "export", "--db", str(store.path), "--out", str(out)]) == 0
    (line,) = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert set(line) == {"id", "question", "answerable", "relevant", "tags"}
    capsys.readouterr()
    assert cli.main(["feedback", "export", "--db", str(store.path)]) == 0
    assert json.loads(capsys.readouterr().out) == line


def test_cli_export_errors_are_one_clear_line(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MEDQUOTE_FEEDBACK_DB", raising=False)
    assert cli.main(["feedback", "export"]) == 2
    assert "MEDQUOTE_FEEDBACK_DB" in capsys.readouterr().err
    assert cli.main(["feedback", "export", "--db", str(tmp_path / "missing.sqlite")]) == 2
    assert "does not exist" in capsys.readouterr().err
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 10)
    assert cli.main(["feedback", "export", "--db", str(junk)]) == 2
    err = capsys.readouterr().err
    assert "not a medquote feedback database" in err and "Traceback" not in err
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    assert cli.main(["feedback", "export", "--db", str(other)]) == 2
    edited = tmp_path / "edited.sqlite"
    FeedbackStore(edited).record("what is an EMG?", (), "helpful")
    with sqlite3.connect(edited) as conn:  # a hand-edited row: chunks no longer a list of ids
        conn.execute("UPDATE votes SET chunks = '5'")
    assert cli.main(["feedback", "export", "--db", str(edited)]) == 2
    err = capsys.readouterr().err
    assert "not a medquote feedback database" in err and "Traceback" not in err
    with sqlite3.connect(other) as conn:  # exporting never writes to the file it reads
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["t"]
