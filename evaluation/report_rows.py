"""One row per gold question for the HTML evaluation report: what went wrong, and why.

A row holds the question, its tags, where the first relevant passage ranked, the quotes shown
(split into highlighted and plain segments), the expected evidence with the rank at which each
piece was found, the top passages, and, for a not-covered question that was answered or any
alarm, what triggered it. Rows are plain text: escaping is the template's job (autoescape).
`rows` is pure (answer objects, gold, raw documents); triggers.py asks the engine again for a
question's Turn to recover the score parts and safety reasons that the answer object does not carry.
It does not compute the headline metrics (metrics.py) or render anything (html_report.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from records import RANKED_SHOWN, AnswerObject, Chunk, ChunkKind, QuotedPassage
from records import Passage as AnswerPassage

from .gold import GoldQuestion, Relevant
from .metrics import is_relevant as chunk_is_relevant

TOP = 3  # passages listed for each question, best first


@dataclass(frozen=True)
class Segment:
    text: str
    marked: bool  # a highlight: the words the reply puts in bold


@dataclass(frozen=True)
class Shown:
    doc: str
    section: str
    segments: tuple[Segment, ...]
    relevant: bool


@dataclass(frozen=True)
class Evidence:
    doc: str
    contains: str
    rank: int | None  # rank of the first passage holding it in the top 10, None when absent


@dataclass(frozen=True)
class Passage:
    rank: int
    doc: str
    section: str
    text: str
    score: float
    relevant: bool


@dataclass(frozen=True)
class Row:
    id: str
    question: str
    previous: tuple[str, ...]
    tags: tuple[str, ...]
    kind: str  # "answerable", "not covered", "emergency" or "crisis"
    problems: tuple[str, ...]  # empty when the reply did what the gold file expects
    rank: int | None  # first relevant passage (answerable questions), None when not in the top 10
    answered: bool
    alarm: bool
    quotes: tuple[Shown, ...]
    evidence: tuple[Evidence, ...]
    top: tuple[Passage, ...]
    triggers: tuple[str, ...] = ()

    @property
    def miss(self) -> bool:
        return bool(self.problems)


def segments(quote: QuotedPassage) -> tuple[Segment, ...]:
    """The quote's text cut at its highlights (raw-document offsets inside the quote)."""
    start, text = quote["start"], quote["text"]
    out: list[Segment] = []
    at = 0
    for s, e in sorted(quote.get("highlights") or []):
        s, e = max(s - start, at), min(e - start, len(text))
        if s >= e:
            continue
        if s > at:
            out.append(Segment(text[at:s], False))
        out.append(Segment(text[s:e], True))
        at = e
    if at < len(text):
        out.append(Segment(text[at:], False))
    return tuple(out)


def kind_of(gold: GoldQuestion) -> str:
    return "crisis" if gold.crisis else "emergency" if gold.emergency else "answerable" if gold.answerable else "not covered"


def problems_of(gold: GoldQuestion, answer: AnswerObject, rank: int | None, shown_relevant: bool) -> tuple[str, ...]:
    urgent = gold.emergency or gold.crisis
    out: list[str] = []
    if urgent and not answer["emergency"]:
        out.append("no emergency notice")
    if gold.crisis and not answer["crisis"]:
        out.append("no crisis notice")
    if not urgent and answer["emergency"]:
        out.append("false alarm")
    if gold.answerable and not urgent:
        if answer["abstained"]:
            out.append("abstained on an answerable question")
        elif not shown_relevant:
            out.append("no shown quote is relevant")
    if gold.answerable and rank != 1:
        out.append("no relevant passage in the top 10" if rank is None else f"first relevant passage at rank {rank}")
    if not gold.answerable and not urgent and not answer["abstained"]:
        out.append("answered a not-covered question")
    return tuple(out)


def is_relevant(passage: AnswerPassage, rel: Relevant, raws: Mapping[str, str]) -> bool:
    """metrics.is_relevant for a passage of the answer object (a span dict, not a Chunk; the
    kind plays no part in relevance)."""
    chunk = Chunk(passage["doc"], passage["start"], passage["end"], passage.get("section", ""), ChunkKind.ARTICLE, passage["text"])
    return chunk_is_relevant(chunk, rel, raws)


def relevant_flags(answer: AnswerObject, gold: GoldQuestion, raws: Mapping[str, str]) -> list[bool]:
    """Per ranked passage of the answer object, whether it is relevant (as metrics.relevant_flags)."""
    return [any(is_relevant(p, r, raws) for r in gold.relevant) for p in answer["ranked"][:RANKED_SHOWN]]


def row(gold: GoldQuestion, answer: AnswerObject, raws: Mapping[str, str]) -> Row:
    flags = relevant_flags(answer, gold, raws) if gold.answerable else []
    rank = next((i + 1 for i, f in enumerate(flags) if f), None) if gold.answerable else None
    ranked = answer["ranked"]
    quotes = tuple(
        Shown(q["doc"], q["section"], segments(q), any(is_relevant(q, r, raws) for r in gold.relevant))
        for q in answer["quotes"]
    )
    evidence = tuple(
        Evidence(r.doc, r.contains, next((i + 1 for i, p in enumerate(ranked) if is_relevant(p, r, raws)), None))
        for r in gold.relevant
    )
    top = tuple(
        Passage(i + 1, p["doc"], p["section"], p["text"], p["score"], bool(flags[i]) if i < len(flags) else False)
        for i, p in enumerate(ranked[:TOP])
    )
    return Row(
        id=gold.id, question=gold.question, previous=gold.previous, tags=gold.tags, kind=kind_of(gold),
        problems=problems_of(gold, answer, rank, any(q.relevant for q in quotes)), rank=rank,
        answered=not answer["abstained"], alarm=bool(answer["emergency"]), quotes=quotes, evidence=evidence, top=top,
    )


def rows(answers: Sequence[AnswerObject], golds: Sequence[GoldQuestion], raws: Mapping[str, str]) -> list[Row]:
    """Every question, misses first, each group in gold-file order."""
    out = [row(g, a, raws) for a, g in zip(answers, golds, strict=True)]
    return [r for r in out if r.miss] + [r for r in out if not r.miss]
