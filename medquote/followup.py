"""When a chat message is a follow-up that only makes sense after the previous one.

"what does it find in ALS?" after "What is an EMG?", "why does that happen?", "what about the
arms?", "is that common?": short, with a pronoun or a continuing lead ("and", "what about",
"why"), so retrieval reads it together with the earlier message. A message with no such mark is
a new question, however short ("what is BFS?"), and is searched alone, so an earlier topic
never leaks into it. Only retrieval uses this: the safety screen and the scope rules always
judge the current message alone. `needs_context` is ingest's rule (the build uses it too),
CONTEXT_WEIGHT the index's (the query adapter is fitted with it). With a real encoder the engine
also asks the follow-up head learned from the bank (index/followup_head.py), which reads the
message's vector: it encodes each reading `context_candidates` offers and decides after the pass.
"""

from __future__ import annotations

from collections.abc import Sequence

from index import CONTEXT_WEIGHT
from ingest import needs_context

__all__ = ["CONTEXT_WEIGHT", "CONTEXT_TURNS", "context_candidates", "context_for", "needs_context", "retrieval_text"]

CONTEXT_TURNS = 2  # at most this many earlier messages are read with a follow-up


def context_for(message: str, previous: Sequence[str]) -> str:
    """The earlier message(s) a follow-up continues (newest last, joined), or "" for a message
    that stands alone. Retrieval adds their vector and BM25 scores at CONTEXT_WEIGHT."""
    text = retrieval_text(message, previous)
    return text[: -len(message)].strip() if text != message else ""


def retrieval_text(message: str, previous: Sequence[str]) -> str:
    """The message alone, or, for a follow-up, the earlier message(s) it continues (newest last)
    followed by the message; `context_for` cuts the message off again. Retrieval never searches
    this string: the follow-up is searched with its own words, the earlier message's vector and
    BM25 scores added at CONTEXT_WEIGHT."""
    earlier = [p for p in previous if isinstance(p, str) and p.strip()]
    if not earlier or not needs_context(message):
        return message
    chain = [earlier[-1]]
    # "why?" after "does that happen at night?" after "I twitch": follow the chain back.
    while len(chain) < CONTEXT_TURNS and needs_context(chain[0]) and len(earlier) > len(chain):
        chain.insert(0, earlier[-1 - len(chain)])
    return " ".join([*chain, message])


def context_candidates(previous: Sequence[str]) -> tuple[str, ...]:
    """The earlier readings a follow-up may take, as `context_for` would join them: the newest
    earlier message, then (with two or more) the one before it and the newest, oldest first."""
    earlier = [p for p in previous if isinstance(p, str) and p.strip()]
    if not earlier:
        return ()
    newest = earlier[-1].strip()
    return (newest,) if len(earlier) < 2 else (newest, " ".join(earlier[-2:]).strip())  # CONTEXT_TURNS is 2
