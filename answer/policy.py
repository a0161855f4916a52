"""The answer policy: pure functions from (question, ranked hits, safety flags) to a Reply.

Rules, in order: input checks (empty or too long gets a fixed message); fixed notices first
(emergency, crisis, no-verdict); a crisis shows no quotes at all (no prognosis or survival
text); abstain with the fixed "not covered" text when the best score is below the calibrated
threshold; otherwise up to `max_quotes` verbatim quotes that score close to the best one.
The reply always ends with the disclaimer. No Gradio, no model, no I/O: the same inputs give
a byte-identical Reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Protocol, Sequence

from index import Hit
from ingest import SourceMeta

from . import render, strings
from .reply import Quote, Reply


class SafetyFlags(Protocol):
    emergency: bool
    crisis: bool
    personal: bool


@dataclass(frozen=True)
class NoFlags:
    emergency: bool = False
    crisis: bool = False
    personal: bool = False


@dataclass(frozen=True)
class Settings:
    # Calibrated on evaluation/gold/dev.jsonl; see evaluation/README.md for how.
    threshold: float = 0.45
    max_quotes: int = 3
    # A further quote must score within this distance of the best one, so weak matches
    # do not ride along behind a strong one.
    margin: float = 0.12
    max_chars: int = 1000
    emergency_number: str = strings.DEFAULT_EMERGENCY_NUMBER


def input_problem(question: str, settings: Settings) -> str | None:
    """The fixed message for input we will not search, or None."""
    if not question or not question.strip():
        return strings.EMPTY_INPUT
    if len(question) > settings.max_chars:
        return strings.TOO_LONG.format(limit=settings.max_chars)
    return None


def notices_for(flags: SafetyFlags, settings: Settings) -> tuple[str, ...]:
    notices = []
    if flags.emergency:
        notices.append(strings.EMERGENCY_NOTICE.format(number=settings.emergency_number))
    if flags.crisis:
        notices.append(strings.CRISIS_NOTICE.format(number=settings.emergency_number))
    if flags.personal:
        notices.append(strings.NO_VERDICT)
    return tuple(notices)


def choose_hits(hits: Sequence[Hit], settings: Settings) -> list[Hit]:
    if not hits or hits[0].score < settings.threshold:
        return []
    floor = max(settings.threshold, hits[0].score - settings.margin)
    return [h for h in hits if h.score >= floor][: settings.max_quotes]


def make_reply(question, notices, lead, chosen, hits, flags, settings, sources) -> Reply:
    quotes = tuple(
        Quote(h.chunk, sources[h.chunk.doc_id].title, sources[h.chunk.doc_id].date) for h in chosen
    )
    return Reply(
        question=question, notices=notices, lead=lead, quotes=quotes, ranked=tuple(hits),
        abstained=not quotes, emergency=flags.emergency or flags.crisis, crisis=flags.crisis,
        disclaimer=strings.DISCLAIMER, markdown=render.markdown(notices, lead, quotes, strings.DISCLAIMER),
    )


def compose(
    question: str,
    hits: Sequence[Hit],
    sources: Mapping[str, SourceMeta],
    settings: Settings = Settings(),
    flags: SafetyFlags = NoFlags(),
) -> Reply:
    problem = input_problem(question, settings)
    if problem:
        return make_reply(question, (), problem, [], [], NoFlags(), settings, sources)
    notices = notices_for(flags, settings)
    chosen = [] if flags.crisis else choose_hits(hits, settings)
    if flags.crisis:
        lead = ""
    else:
        lead = strings.LEAD_IN if chosen else strings.NOT_COVERED
    return make_reply(question, notices, lead, chosen, hits, flags, settings, sources)
