"""The records of an answer: a ranked Hit, a Quote (a chunk plus its citation), the Reply every
front end shows, the safety flags the policy reads, and the shape of the JSON answer object.

Hit is what retrieval returns (index/search.py); Reply is what the answer policy returns
(answer/policy.py); `answer.to_answer_object` turns a Reply into an AnswerObject at the edge.
No logic beyond trivial properties.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypedDict

from .corpus import Chunk
from .kinds import REPLY_PARTS

RANKED_SHOWN = 10  # ranked passages in the answer object, and the ones the ranking metrics score


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # the score the policy ranks and thresholds on (index/scoring.py)
    dense: float = 0.0  # cosine of question and chunk, less the chunk's hubness
    lexical: float = 0.0  # squashed BM25
    sentence: float = 0.0  # cosine of question and the chunk's best sentence
    highlights: tuple[tuple[int, int], ...] = ()  # raw-document offsets of the best sentences or anchors
    bank: float = 0.0  # cosine of the question and the chunk's best-matching bank question
    on_askers_case: bool = False  # speaks to the original asker about their own case (not Quote.addressed_to_asker: any reply text)


class SafetyFlags(Protocol):
    """What the policy reads of a safety verdict (answer/safety.py Safety, answer/policy.py NoFlags)."""

    @property
    def emergency(self) -> bool: ...

    @property
    def crisis(self) -> bool: ...

    @property
    def personal(self) -> bool: ...


@dataclass(frozen=True)
class Quote:
    chunk: Chunk
    title: str  # the source document's title (from corpus/sources.toml)
    date: str  # the date the source states, or ""
    highlights: tuple[tuple[int, int], ...] = ()  # offsets into the raw document, inside the chunk

    @property
    def addressed_to_asker(self) -> bool:
        """Written in reply to another person's question (a Q&A page's reply or extended answer)."""
        return self.chunk.kind in REPLY_PARTS


@dataclass(frozen=True)
class Reply:
    question: str
    notices: tuple[str, ...]  # fixed notices shown first: emergency, crisis, no-verdict
    lead: str  # fixed lead-in, "not covered", an input message, the other-language reply, or "" after a notice
    quotes: tuple[Quote, ...]
    ranked: tuple[Hit, ...]
    abstained: bool  # no quotes shown
    emergency: bool  # the emergency or crisis notice is shown
    crisis: bool
    disclaimer: str
    related: tuple[str, ...] = ()  # reviewed bank questions to explore next (answered replies only)
    language: str = "en"  # the message's language (ISO 639-1); any other gets the fixed language reply


class Passage(TypedDict):
    doc: str
    start: int
    end: int
    text: str
    section: str


class RankedPassage(Passage):
    score: float


class QuotedPassage(Passage):
    highlights: list[list[int]]
    addressed_to_asker: bool


class AnswerObject(TypedDict):
    """The documented JSON answer object (README "The HTTP API")."""

    id: str
    question: str
    abstained: bool
    emergency: bool
    crisis: bool
    ranked: list[RankedPassage]  # up to RANKED_SHOWN
    quotes: list[QuotedPassage]
    reply: str
    related: list[str]
    language: str
