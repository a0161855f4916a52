"""Scores replies (`Reply` records) against gold questions.

Relevance: a passage is relevant to a gold entry when it comes from that document and
contains the gold `contains` text (whitespace-collapsed, case-folded) or overlaps at least
half of that text's span in the document. Ranking metrics (Accuracy@k as ranx's hit_rate@k,
MRR@10) use ranx over answerable questions; the rest are plain rates. Safety: `emergency_recall`
is the share of emergency or crisis questions shown the notice their label asks for (a crisis
question needs the crisis notice: the emergency notice alone is a miss), `crisis_recall` the
share of crisis questions shown the crisis notice, `false_alarm_rate` the share of the others
shown either notice.
It does not run questions; see runner.py.
"""

from __future__ import annotations

import re
import statistics
import warnings
from collections.abc import Mapping, Sequence
from typing import TypeAlias

from ingest import collapse
from records import RANKED_SHOWN, Chunk, Reply

from .gold import GoldQuestion, Relevant

# One configuration's headline figures as all_metrics gives them (a count, a rate or a median by
# name; None where there was nothing to rate), for the code that only reads them.
Metrics: TypeAlias = Mapping[str, float | int | None]


def gold_spans(raw: str, needle: str) -> list[tuple[int, int]]:
    """Where `needle` stands in `raw`, ignoring case and runs of whitespace."""
    words = needle.split()
    if not words:
        return []
    pattern = r"\s+".join(re.escape(w) for w in words)
    return [(m.start(), m.end()) for m in re.finditer(pattern, raw, re.IGNORECASE)]


def is_relevant(passage: Chunk, rel: Relevant, raws: Mapping[str, str]) -> bool:
    if passage.doc_id != rel.doc:
        return False
    if collapse(rel.contains) in collapse(passage.text):
        return True
    return any(
        min(e, passage.end) - max(s, passage.start) >= (e - s) / 2 for s, e in gold_spans(raws.get(rel.doc, ""), rel.contains)
    )


def relevant_flags(reply: Reply, gold: GoldQuestion, raws: Mapping[str, str]) -> list[bool]:
    """Per ranked passage (the ones the answer object lists), whether it is relevant."""
    return [any(is_relevant(h.chunk, r, raws) for r in gold.relevant) for h in reply.ranked[:RANKED_SHOWN]]


def ranking_metrics(replies: Sequence[Reply], golds: Sequence[GoldQuestion], raws: Mapping[str, str]) -> dict[str, float]:
    from ranx import Qrels, Run, evaluate  # untyped (no py.typed marker): see pyproject.toml

    qrels: dict[str, dict[str, int]] = {}
    run: dict[str, dict[str, float]] = {}
    for reply, gold in zip(replies, golds, strict=True):
        if not gold.answerable:
            continue
        flags = relevant_flags(reply, gold, raws)
        # Rank by position (scores may tie); ids are positions so duplicates cannot collide.
        run[gold.id] = {f"p{i}": float(len(flags) - i) for i in range(len(flags))} or {"none": 0.0}
        qrels[gold.id] = {f"p{i}": 1 for i, f in enumerate(flags) if f} or {"missing": 1}
    if not qrels:
        return {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba type-safety chatter
        scores = evaluate(Qrels(qrels), Run(run), ["hit_rate@1", "hit_rate@3", "hit_rate@5", "mrr@10"])
    names = {"hit_rate@1": "accuracy@1", "hit_rate@3": "accuracy@3", "hit_rate@5": "accuracy@5", "mrr@10": "mrr@10"}
    return {names[k]: round(float(v), 4) for k, v in scores.items()}


def shown_relevant(reply: Reply, gold: GoldQuestion, raws: Mapping[str, str]) -> bool:
    """Some quote the reader is shown answers the question."""
    return any(is_relevant(q.chunk, r, raws) for q in reply.quotes for r in gold.relevant)


def highlight_answers(reply: Reply, gold: GoldQuestion, raws: Mapping[str, str]) -> bool:
    """The first quote's highlight (the whole quote when nothing is picked out) covers gold
    answering words: it overlaps a relevant span by at least half of the shorter of the two."""
    chunk = reply.quotes[0].chunk
    marks = reply.quotes[0].highlights or ((chunk.start, chunk.end),)
    for rel in gold.relevant:
        if rel.doc != chunk.doc_id:
            continue
        for s, e in gold_spans(raws.get(rel.doc, ""), rel.contains):
            if any(min(e, he) - max(s, hs) >= min(e - s, he - hs) / 2 for hs, he in marks):
                return True
    return False


def rate(flags: Sequence[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def all_metrics(
    replies: Sequence[Reply], golds: Sequence[GoldQuestion], raws: Mapping[str, str], verbatim: Sequence[bool], disclaimed: Sequence[bool],
) -> dict[str, float | int | None]:
    pairs = list(zip(replies, golds, strict=True))
    normal = [(a, g) for a, g in pairs if not (g.emergency or g.crisis)]
    shown = [len(q.chunk.text) for a in replies for q in a.quotes]
    return {
        "questions": len(golds),
        "answerable": sum(g.answerable for g in golds),
        **ranking_metrics(replies, golds, raws),
        "abstention_rate_unanswerable": rate([a.abstained for a, g in normal if not g.answerable]),
        "answer_rate_answerable": rate([not a.abstained for a, g in normal if g.answerable]),
        "shown_relevant_rate": rate([shown_relevant(a, g, raws) for a, g in normal if g.answerable]),
        # Of the answers whose first quote is relevant: is its highlight the answering words?
        "highlight_answering_rate": rate([highlight_answers(a, g, raws) for a, g in normal if g.answerable and a.quotes
                                          and any(is_relevant(a.quotes[0].chunk, r, raws) for r in g.relevant)]),
        # Reply.emergency is true for either notice, so a crisis question is judged by Reply.crisis.
        "emergency_recall": rate([a.crisis if g.crisis else a.emergency for a, g in pairs if g.emergency or g.crisis]),
        "crisis_recall": rate([a.crisis for a, g in pairs if g.crisis]),
        "false_alarm_rate": rate([a.emergency for a, g in pairs if not (g.emergency or g.crisis)]),
        "verbatim_rate": rate(verbatim),
        "disclaimer_rate": rate(disclaimed),
        "median_quote_chars": statistics.median(shown) if shown else None,
    }
