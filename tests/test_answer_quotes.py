"""Quotes that answer: the question-bank issue's examples, and no non-answer ever presented as one.

Over every gold reply (all gold files): no highlight is a question, greeting, sign-off,
transition or list header; no quote is a passage that answers nothing (a header alone, an
asker's own question); every quote and highlight is the exact raw slice of its document.
"""

from __future__ import annotations

import pytest

from evaluation import load_gold
from index.sentences import chunk_sentences, sentence_text
from ingest import answers_nothing, collapse, non_answer, read_corpus
from tests.helpers import CORPUS, ROOT

pytestmark = pytest.mark.slow
GOLD_FILES = sorted((ROOT / "evaluation" / "gold").glob("*.jsonl"))

# (message, words of which one shown quote must pick out one as its answer)
NOT_ALS_ALONE = (
    "do not necessarily indicate ALS", "doesn't indicate ALS", "does not necessarily indicate a disease",
    "unlikely to be a symptom of ALS", "makes ALS unlikely", "rarely indicates ALS", "less likely that ALS is the cause",
    "not all muscle twitches or weakness indicate ALS", "alone do not indicate ALS", "alone is not sufficient to diagnose ALS",
)
EXAMPLES = [
    ("whats bfs", ("benign fasciculation syndrome",)),
    ("is twitching how ALS begins?", ("The earliest symptom of ALS is typically muscle twitching", *NOT_ALS_ALONE)),
    ("I'm 45 and my shoulder has twitched on and off for two months, is it ALS?", NOT_ALS_ALONE),
    ("How do doctors test for ALS?", ("Electromyography",)),
    ("can a head injury from a car crash leave muscles stiff and tight?", ("Traumatic brain injury",)),
    ("can ALS make it hard to chew food?", ("Difficulty chewing or swallowing",)),
]


def picked_out(quote) -> list[str]:
    """What the reader is pointed to: the highlights, or the whole quote when it has none."""
    raw = quote.chunk.text
    return [raw[s - quote.chunk.start: e - quote.chunk.start] for s, e in quote.highlights] or [raw]


@pytest.mark.parametrize("message, answers", EXAMPLES)
def test_issue_examples_show_a_quote_that_answers(real_engine, message, answers):
    reply = real_engine.ask(message)
    assert not reply.abstained, message
    shown = [collapse(text) for q in reply.quotes for text in picked_out(q)]
    assert any(a.casefold() in t for a in answers for t in shown), (message, shown)
    bold = [q.chunk.text[s - q.chunk.start: e - q.chunk.start] for q in reply.quotes for s, e in q.highlights]
    assert all(non_answer(t) is None for t in bold), bold  # never the restated question or a bare lead-in


@pytest.fixture(scope="module")
def gold_replies(real_engine):
    return [(g, real_engine.ask(g.question)) for path in GOLD_FILES for g in load_gold(path)]


def test_no_non_answer_is_ever_highlighted_or_quoted_alone(gold_replies):
    raws = {d.doc_id: d.raw for d in read_corpus(CORPUS)}
    checked = 0
    for gold, reply in gold_replies:
        for quote in reply.quotes:
            chunk = quote.chunk
            assert raws[chunk.doc_id][chunk.start:chunk.end] == chunk.text
            sentences = [sentence_text(chunk, s) for s in chunk_sentences(chunk, 0)]
            assert not answers_nothing(chunk, sentences), (gold.id, chunk.text[:80])
            for s, e in quote.highlights:
                assert chunk.start <= s < e <= chunk.end
                text = raws[chunk.doc_id][s:e]
                assert non_answer(text) is None, (gold.id, text)
                checked += 1
    assert checked > 100  # the property was exercised, not vacuously true
