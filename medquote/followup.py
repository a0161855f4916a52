"""When a chat message is a follow-up that only makes sense after the previous one.

"what does it find in ALS?" after "What is an EMG?", "why does that happen?", "what about the
arms?", "is that common?": short, with a pronoun or a continuing lead ("and", "what about",
"why"), so retrieval reads it together with the earlier message. A message with no such mark is
a new question, however short ("what is BFS?"), and is searched alone, so an earlier topic
never leaks into it. Only retrieval uses this: the safety screen and the scope rules always
judge the current message alone. No model; word frequencies from ingest's cut list (`zipf`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest import fold, words, zipf

PRONOUN = re.compile(r"\b(it|its|it's|that|this|those|these|they|them|their|theirs|there)\b")
LEAD = re.compile(
    r"^(and|also|so|but|then|or|what about|how about|and what about|what if|why|how come|how so|"
    r"is that|are they|does that|do they|does it|is it that|same for|same with|even)\b"
)
MAX_WORDS = 8  # longer messages carry their own topic
# A word rarer than this in English names a topic ("bfs", "emg", "cramps"); "why", "long",
# "common", "serious" do not. Zipf 5 is about once in 100,000 words. ingest's cut list reads
# 0.0 below Zipf 2 (its floor), which is below 5 too: every decision is wordfreq's own.
TOPIC_ZIPF = 5.0
CONTEXT_TURNS = 2  # at most this many earlier messages are read with a follow-up
# The earlier turn's weight in a follow-up's query vector and BM25 scores (the follow-up's own
# count 1). 0.5 was best on evaluation/gold/followups.jsonl with the adapted encoder and fitted
# score; with the served base encoder and landed score it lost an issue example ("why does that
# happen?" after "Does ALS cause weight loss?"), so equal weight: docs/learned-answers.md.
CONTEXT_WEIGHT = 1.0


def needs_context(message: str) -> bool:
    text = fold(message).strip()
    found = words(message)
    if not found or len(found) > MAX_WORDS:
        return False
    if PRONOUN.search(text) or LEAD.match(text):
        return True
    # A bare "why?" or "how long?" continues; "bfs?" or "emg hurt?" is a question of its own.
    return len(found) <= 2 and not any(zipf(w, "en") < TOPIC_ZIPF for w in found)


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
