"""Whether a chat message is a follow-up that only makes sense after the previous one.

"what does it find in ALS?" after "What is an EMG?", "why does that happen?", "what about the
arms?", "is that common?": short, with a pronoun or a continuing lead ("and", "what about",
"why"). A message with no such mark is a new question, however short ("what is BFS?"). Pure
text, no model: the engine decides with it what retrieval reads together (medquote/followup.py),
and the build with it which reviewed follow-ups are searched with their earlier message, as the
engine would search them (index/build.py). Word frequencies from the cut list (`zipf`).
"""

from __future__ import annotations

import re

from records.text import fold, words

from .frequencies import zipf

PRONOUN = re.compile(r"\b(it|its|it's|that|this|those|these|they|them|their|theirs|there)\b")
LEAD = re.compile(
    r"^(and|also|so|but|then|or|what about|how about|and what about|what if|why|how come|how so|"
    r"is that|are they|does that|do they|does it|is it that|same for|same with|even)\b"
)
MAX_WORDS = 8  # longer messages carry their own topic
# A word rarer than this in English names a topic ("bfs", "emg", "cramps"); "why", "long",
# "common", "serious" do not. Zipf 5 is about once in 100,000 words. The cut list reads 0.0
# below Zipf 2 (its floor), which is below 5 too: every decision is wordfreq's own.
TOPIC_ZIPF = 5.0


def needs_context(message: str) -> bool:
    text = fold(message).strip()
    found = words(message)
    if not found or len(found) > MAX_WORDS:
        return False
    if PRONOUN.search(text) or LEAD.match(text):
        return True
    # A bare "why?" or "how long?" continues; "bfs?" or "emg hurt?" is a question of its own.
    return len(found) <= 2 and not any(zipf(w, "en") < TOPIC_ZIPF for w in found)
