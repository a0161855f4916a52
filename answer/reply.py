"""The records the answer policy returns, and the JSON answer object made from them at the edge.

`Quote` (a chunk plus its citation) and `Reply` (everything every front end needs: chat, CLI,
API, evaluation) are defined in the stdlib-only `records` package and re-exported here.
`to_answer_object` turns a Reply into the documented JSON answer object (`AnswerObject`).
"""

from __future__ import annotations

from records import RANKED_SHOWN, AnswerObject, Chunk, Passage, Quote, Reply

from . import render, strings

__all__ = ["AnswerObject", "Quote", "Reply", "to_answer_object"]


def to_answer_object(reply: Reply, qid: str = "", evaluation: bool = False) -> AnswerObject:
    """The JSON answer object. `ranked` is what the search found, quoted or not; a client that
    showed it would undo the policy, so outside the evaluation (`evaluation`: every ranked
    passage, for the ranking metrics) it withholds what the reply withholds: every passage of a
    crisis reply (no prognosis or survival text), and passages written about another asker's
    own case when the reply declines a personal verdict."""
    def span(chunk: Chunk) -> Passage:
        return {"doc": chunk.doc_id, "start": chunk.start, "end": chunk.end, "text": chunk.text, "section": chunk.section}

    ranked = reply.ranked
    if not evaluation:
        personal = strings.NO_VERDICT in reply.notices
        ranked = () if reply.crisis else tuple(h for h in ranked if not (personal and h.on_askers_case))
    return {
        "id": qid,
        "question": reply.question,
        "abstained": reply.abstained,
        "emergency": reply.emergency,
        "crisis": reply.crisis,
        "ranked": [{**span(h.chunk), "score": round(h.score, 6)} for h in ranked[:RANKED_SHOWN]],
        "quotes": [
            {**span(q.chunk), "highlights": [list(h) for h in q.highlights], "addressed_to_asker": q.addressed_to_asker}
            for q in reply.quotes
        ],
        "reply": render.reply_markdown(reply),
        "related": list(reply.related),
        "language": reply.language,
    }
