"""The reviewed question bank: validated at build, hashed in the manifest, used by retrieval."""

from __future__ import annotations

import json
import os

import pytest

from index import FakeEmbedder, build_index, open_index
from ingest import BankError, bank_paths, chunk_corpus, load_bank
from medquote.bankreport import report

DOC = "000_7bc7a14333f16656"
GOOD = '''version = 1

[[answer]]
quote = "Isolated muscle twitching without any weakness or muscle wasting is unlikely to be a symptom of ALS on its own."
questions = ["q one about twitching", "q two about twitching", "q three about twitching", "q four about twitching", "q five"]
'''


def write_bank(corpus, text: str, doc: str = DOC) -> None:
    (corpus / "questions" / f"{doc}.toml").write_text(text, encoding="utf-8")


def build_fails(corpus, tmp_path, match: str) -> None:
    before = os.path.realpath(tmp_path / "current")
    with pytest.raises(BankError, match=match) as info:
        build_index(corpus, FakeEmbedder(), tmp_path)
    message = str(info.value)
    assert "\n" not in message and f"{DOC}.toml" in message  # one line, naming the file
    assert os.path.realpath(tmp_path / "current") == before  # the previous index stays served


def test_every_bank_file_resolves_with_enough_questions(corpus_dir):
    docs, chunks = chunk_corpus(corpus_dir)
    anchors = load_bank(corpus_dir, docs, chunks)
    raws = {d.doc_id: d.raw for d in docs}
    assert {p.stem for p in bank_paths(corpus_dir)} == set(raws)
    assert sum(len(a.questions) for a in anchors) >= 600
    for a in anchors:
        assert len(a.questions) >= 5 or (not a.questions and a.followups)  # an [[answer]] or a [[followup]]
        owner = [c for c in chunks if c.doc_id == a.doc_id and c.start <= a.start and a.end <= c.end]
        assert owner and owner[0].kind != "question"
        assert raws[a.doc_id][a.start:a.end].strip()


def test_stale_anchor_stops_the_build_and_keeps_the_old_index(tmp_corpus, tmp_path):
    build_index(tmp_corpus, FakeEmbedder(), tmp_path)
    write_bank(tmp_corpus, GOOD.replace("unlikely to be a symptom", "never a symptom"))
    build_fails(tmp_corpus, tmp_path, r"answer 1 .*not in .*Copy the exact words")


def test_document_edit_that_removes_an_anchor_stops_the_build(tmp_corpus, tmp_path):
    write_bank(tmp_corpus, GOOD)
    build_index(tmp_corpus, FakeEmbedder(), tmp_path)
    doc = tmp_corpus / f"{DOC}.txt"
    doc.write_text(doc.read_text(encoding="utf-8").replace("without any weakness", "without weakness"), encoding="utf-8")
    build_fails(tmp_corpus, tmp_path, "not in")


def test_anchor_in_boilerplate_stops_the_build(tmp_corpus, tmp_path):
    build_index(tmp_corpus, FakeEmbedder(), tmp_path)
    write_bank(tmp_corpus, GOOD.replace(GOOD.splitlines()[3], 'quote = "Skip to Content"'))
    build_fails(tmp_corpus, tmp_path, "not inside one quotable passage")


def test_ambiguous_anchor_must_name_its_occurrence(tmp_corpus, tmp_path):
    build_index(tmp_corpus, FakeEmbedder(), tmp_path)
    write_bank(tmp_corpus, GOOD.replace(GOOD.splitlines()[3], 'quote = "muscle weakness"'))
    build_fails(tmp_corpus, tmp_path, "occur .* times. Add `occurrence = N`")


FOLLOWUP = '''
[[followup]]
quote = "Isolated muscle twitching without any weakness or muscle wasting is unlikely to be a symptom of ALS on its own."
pairs = [{ after = "does twitching mean als", ask = "and if I'm not weak?" }, { after = "my calf twitches", ask = "why?" }]
'''


def test_followup_entries_resolve_to_anchors_with_their_pairs(tmp_corpus):
    write_bank(tmp_corpus, GOOD + FOLLOWUP)
    docs, chunks = chunk_corpus(tmp_corpus)
    mine = [a for a in load_bank(tmp_corpus, docs, chunks) if a.doc_id == DOC]
    assert len(mine) == 2 and mine[0].followups == () and mine[1].questions == ()
    assert (mine[1].start, mine[1].end) == (mine[0].start, mine[0].end)
    assert mine[1].followups == (("does twitching mean als", "and if I'm not weak?"), ("my calf twitches", "why?"))
    assert any(line.startswith(f"{DOC}: 1 anchors, 5 questions, 2 follow-up pairs") for line in report(tmp_corpus)[0])


@pytest.mark.parametrize("text, match", [
    (GOOD + FOLLOWUP.replace("Isolated muscle", "Lonely muscle"), r"followup 1 .*not in .*Copy the exact words"),
    (GOOD + FOLLOWUP.replace('ask = "why?"', 'ask = "?"'), r"followup 1\.pairs.*at least 2 characters"),
    (GOOD + FOLLOWUP.replace('pairs = [', 'pairs = [{ after = "my calf twitches", ask = "why?" }, '), r"followup 1: the pair .* Keep it once"),
    (GOOD + FOLLOWUP.replace("pairs = [{", "pairs = [{ colour = 'red', "), r"followup 1\.pairs.*colour"),
])
def test_malformed_followups_stop_the_build_naming_file_and_entry(tmp_corpus, tmp_path, text, match):
    build_index(tmp_corpus, FakeEmbedder(), tmp_path)
    write_bank(tmp_corpus, text)
    build_fails(tmp_corpus, tmp_path, match)


@pytest.mark.parametrize("text, match", [
    ("version = 1\n[[answer]\nquote = 'x'", "not valid TOML"),
    ("version = 2\n", "version"),
    (GOOD.replace('"q five"', ""), "questions"),
    (GOOD.replace('"q five"', '"' + "x" * 201 + '"'), "must be 3 to 200 characters"),
    (GOOD.replace('"q five"', '""'), "must be 3 to 200 characters"),
    (GOOD + "colour = 'red'\n", "answer 1.colour"),
])
def test_malformed_bank_stops_the_build_naming_file_and_entry(tmp_corpus, tmp_path, text, match):
    build_index(tmp_corpus, FakeEmbedder(), tmp_path)
    write_bank(tmp_corpus, text)
    build_fails(tmp_corpus, tmp_path, match)


def test_bank_edit_makes_the_index_stale(tmp_corpus, tmp_path):
    path = build_index(tmp_corpus, FakeEmbedder(), tmp_path)
    manifest = json.loads((path / "manifest.json").read_text())
    assert f"questions/{DOC}.toml" in manifest["documents"]
    assert {"bank.jsonl", "bank_vectors.npy"} <= set(manifest["files"])
    bank = tmp_corpus / "questions" / f"{DOC}.toml"
    bank.write_text(bank.read_text(encoding="utf-8") + "\n# reviewed again\n", encoding="utf-8")
    with pytest.raises(Exception, match="stale"):
        open_index(tmp_corpus, FakeEmbedder(), tmp_path, rebuild=False)


def test_a_new_document_without_bank_entries_is_still_searchable(tmp_corpus, tmp_path):
    (tmp_corpus / "questions" / f"{DOC}.toml").unlink()
    with open(tmp_corpus / "sources.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[documents.zz_new]\ntitle = "A new page"\nkind = "article"\ndate = ""\n')
    (tmp_corpus / "zz_new.txt").write_text("Quokkas\n\nQuokkas are small marsupials that smile a lot.\n", encoding="utf-8")
    index = open_index(tmp_corpus, FakeEmbedder(), tmp_path)
    hits = index.search("Quokkas are small marsupials that smile a lot.", 3)
    assert hits[0].chunk.doc_id == "zz_new" and hits[0].bank == 0.0
    lines, problems = report(tmp_corpus)
    assert problems == 0
    assert any(line.startswith("zz_new: 0 anchors") for line in lines)
    assert any("no questions yet" in line and "Quokkas" in line for line in lines)


def test_bank_report_lists_entries_that_no_longer_match(tmp_corpus):
    write_bank(tmp_corpus, GOOD + GOOD.split("\n", 2)[2].replace("Isolated muscle", "Lonely muscle"))
    lines, problems = report(tmp_corpus)
    assert problems == 1
    assert any(line.startswith("PROBLEM") and "answer 2" in line for line in lines)
    assert any(line.startswith(f"{DOC}: 1 anchors") for line in lines)


def test_no_reviewed_follow_up_repeats_a_gold_follow_up(corpus_dir):
    """The bank's follow-ups train the query adapter: a gold follow-up asked after the same earlier
    message would be scored on its own training pair."""
    from tests.helpers import ROOT

    docs, chunks = chunk_corpus(corpus_dir)
    pairs = {(after.casefold().strip(), ask.casefold().strip()) for a in load_bank(corpus_dir, docs, chunks) for after, ask in a.followups}
    assert len(pairs) >= 500
    gold = set()
    for path in (ROOT / "evaluation" / "gold").glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            earlier = [row["previous"]] if isinstance(row.get("previous"), str) else row.get("previous") or []
            if earlier:
                gold.add((earlier[-1].casefold().strip(), row["question"].casefold().strip()))
    assert not gold & pairs, gold & pairs
