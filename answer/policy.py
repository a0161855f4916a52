"""The answer policy: pure functions from (question, ranked hits, safety flags) to a Reply.

Rules, in order: input checks (empty or too long gets a fixed message); fixed notices first
(emergency, crisis, no-verdict); a crisis shows no quotes at all (no prognosis or survival
text); abstain with the fixed "not covered" text when the message is out of scope (see
scope.py) or the best score is below the calibrated threshold (no lead at all after an emergency
or crisis notice; another language gets its fixed reply instead); otherwise up to `max_quotes` verbatim quotes that score close to the best one.
The reply always ends with the disclaimer. No Gradio, no model, no I/O: the same inputs give
a byte-identical Reply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from records import Hit, Quote, Reply, SafetyFlags, SourceMeta
from records.text import bare_words, collapse

from . import strings


@dataclass(frozen=True)
class NoFlags:
    emergency: bool = False
    crisis: bool = False
    personal: bool = False


# Used only when no engine filled in the threshold calibrated for its score (tests of the policy
# alone); for a fitted score (a probability) it reads "more likely than not".
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Settings:
    # None: the threshold calibrated on evaluation/gold/dev.jsonl with the score weights in use
    # (index/scoring.json), filled in by the engine; a number overrides it (calibration passes -inf).
    threshold: float | None = None
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


def language_lead(language: str, settings: Settings) -> str:
    """The fixed reply to a message in another language, in that language (English where there
    is no translation): English only, the emergency line and the crisis line, then the number."""
    only, emergency = strings.LANGUAGE_REPLIES.get(language, (strings.ONLY_ENGLISH, strings.EMERGENCY_ANY_LANGUAGE))
    crisis = strings.LANGUAGE_CRISIS.get(language, strings.CRISIS_ANY_LANGUAGE)  # the same languages as the replies
    return strings.LANGUAGE_LEAD.format(only=only, emergency=emergency, crisis=crisis, number=settings.emergency_number)


def notices_for(flags: SafetyFlags, settings: Settings, reminder: bool = False) -> tuple[str, ...]:
    """The notices, in order. `reminder`: a crisis told in an earlier message of the chat shows
    the crisis notice again (this message itself is not a crisis: it is answered)."""
    notices = []
    if flags.emergency:
        notices.append(strings.EMERGENCY_NOTICE.format(number=settings.emergency_number))
    if flags.crisis or reminder:
        notices.append(strings.CRISIS_NOTICE.format(number=settings.emergency_number))
    if flags.personal:
        notices.append(strings.NO_VERDICT)
    return tuple(notices)


def near_duplicate(a: str, b: str, overlap: float = 0.6) -> bool:
    """Two passages say the same thing: one contains the other, or they share most words
    (bare words: an apostrophe splits "don't" into "don" and "t")."""
    ca, cb = collapse(a), collapse(b)
    if ca in cb or cb in ca:
        return True
    wa, wb = set(bare_words(a)), set(bare_words(b))
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= overlap


def choose_hits(hits: Sequence[Hit], settings: Settings, personal: bool = False) -> list[Hit]:
    if personal:  # a reply about someone else's case would read as a verdict on the reader's
        hits = [h for h in hits if not h.on_askers_case]
    threshold = DEFAULT_THRESHOLD if settings.threshold is None else settings.threshold
    if not hits or hits[0].score < threshold:
        return []
    floor = max(threshold, hits[0].score - settings.margin)
    chosen: list[Hit] = []
    for h in hits:
        if h.score < floor or len(chosen) == settings.max_quotes:
            break
        if not any(near_duplicate(h.chunk.text, c.chunk.text) for c in chosen):
            chosen.append(h)
    return chosen


def make_reply(
    question: str, notices: tuple[str, ...], lead: str, chosen: Sequence[Hit], hits: Sequence[Hit], flags: SafetyFlags,
    settings: Settings, sources: Mapping[str, SourceMeta], language: str = "en",
) -> Reply:
    quotes = tuple(
        Quote(h.chunk, sources[h.chunk.doc_id].title, sources[h.chunk.doc_id].date, h.highlights) for h in chosen
    )
    return Reply(
        question=question, notices=notices, lead=lead, quotes=quotes, ranked=tuple(hits),
        abstained=not quotes, emergency=flags.emergency or flags.crisis, crisis=flags.crisis,
        disclaimer=strings.DISCLAIMER, language=language,
    )


def compose(
    question: str,
    hits: Sequence[Hit],
    sources: Mapping[str, SourceMeta],
    settings: Settings = Settings(),
    flags: SafetyFlags = NoFlags(),
    scope: str | None = None,
    language: str = "en",
    reminder: bool = False,
) -> Reply:
    """`language`: the message's language; any other than
    English gets the fixed reply in that language (English where we have none) and no quotes,
    after the same safety notices. `reminder`: the crisis notice again, for a crisis told
    earlier in the chat (notices_for); this message is answered as it is judged."""
    problem = input_problem(question, settings)
    if problem:  # a message too long to answer may still call for a notice, which comes first
        # (not the no-verdict line: it speaks of an answer this reply does not give)
        alarms = tuple(n for n in notices_for(flags, settings) if n != strings.NO_VERDICT)
        return make_reply(question, alarms, problem, [], [], flags, settings, sources)
    notices = notices_for(flags, settings, reminder)
    if language != "en":
        return make_reply(question, notices, language_lead(language, settings), [], hits, flags, settings, sources, language)
    chosen = [] if (flags.crisis or scope) else choose_hits(hits, settings, flags.personal)
    if chosen:
        lead = strings.LEAD_IN
    elif flags.crisis or flags.emergency:
        lead = ""  # the notice says what to do now; "not covered" after it would only distract
    else:
        lead = strings.NOT_COVERED
    return make_reply(question, notices, lead, chosen, hits, flags, settings, sources)


def offers_related(reply: Reply) -> bool:
    """Related questions go only under an answered reply that is neither an emergency nor a crisis."""
    return bool(reply.quotes) and not reply.emergency and reply.language == "en"
