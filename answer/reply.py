"""The records the answer policy returns: a Quote (a chunk plus its citation) and a Reply.

A Reply carries everything every front end needs (chat, CLI, API, evaluation): the fixed
notices and lead-in, the quotes, the ranked hits, the flags, and the rendered Markdown.
`to_answer_object` turns it into the documented JSON answer object, at the edge only.
"""

from __future__ import annotations

from dataclasses import dataclass

from index import Hit
from ingest import Chunk


@dataclass(frozen=True)
class Quote:
    chunk: Chunk
    title: str  # the source document's title (from corpus/sources.toml)
    date: str  # the date the source states, or ""
    highlights: tuple[tuple[int, int], ...] = ()  # offsets into the raw document, inside the chunk

    @property
    def addressed_to_asker(self) -> bool:
        """Written in reply to another person's question (a Q&A page's reply or extended answer)."""
        return self.chunk.kind in ("reply", "more_info")


@dataclass(frozen=True)
class Reply:
    question: str
    notices: tuple[str, ...]  # fixed notices shown first: emergency, crisis, no-verdict
    lead: str  # fixed lead-in, "not covered" text, or an input message
    quotes: tuple[Quote, ...]
    ranked: tuple[Hit, ...]
    abstained: bool  # no quotes shown
    emergency: bool  # the emergency or crisis notice is shown
    crisis: bool
    disclaimer: str
    markdown: str  # the reply exactly as the chat shows it
    related: tuple[str, ...] = ()  # reviewed bank questions to explore next (answered replies only)
    language: str = "en"  # the message's language (ISO 639-1); any other gets the fixed language reply


def to_answer_object(reply: Reply, qid: str = "") -> dict:
    def span(chunk: Chunk) -> dict:
        return {"doc": chunk.doc_id, "start": chunk.start, "end": chunk.end, "text": chunk.text, "section": chunk.section}

    return {
        "id": qid,
        "question": reply.question,
        "abstained": reply.abstained,
        "emergency": reply.emergency,
        "crisis": reply.crisis,
        "ranked": [{**span(h.chunk), "score": round(h.score, 6)} for h in reply.ranked[:10]],
        "quotes": [
            {**span(q.chunk), "highlights": [list(h) for h in q.highlights], "addressed_to_asker": q.addressed_to_asker}
            for q in reply.quotes
        ],
        "reply": reply.markdown,
        "related": list(reply.related),
        "language": reply.language,
    }
