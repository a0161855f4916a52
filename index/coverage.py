"""Which of a message's own words the passage it would quote never speaks to: `uncovered`.

"how many cups is too many" after "I drink a lot of coffee": read with the earlier message, the
follow-up finds the caffeine passage and scores like an answer, but no word of that passage is
about cups. For each content word of the message (its word pieces as the encoder's trunk sees
them: the states after TRUNK_LAYERS layers, which the one encoder pass per turn already gives),
take the best cosine of any of its pieces with any token of the passage, averaged over the
word's pieces; a word counts by how rare it is in English, (6 - Zipf), so "riluzole" weighs more
than "long". The feature is the largest (6 - Zipf) * (1 - best cosine) over the words: the most
specific word left unanswered. The follow-up gate (medquote/gate.py) reads it. Pure numpy and the
word-frequency list; it does not encode, fit or decide. Measured in docs/learned-answers.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from ingest import zipf

STOPWORDS_FILE = Path(__file__).with_name("coverage_stopwords.txt")
MAX_ZIPF = 6.0  # a word this common or more ("does", "have") names nothing a passage could miss
SPECIAL = ("[CLS]", "[SEP]", "[PAD]")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    lines = STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def token_rows(states: np.ndarray, tokens: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """One text's trunk states with the special tokens dropped, each row normalised, and the
    tokens kept (word pieces, "##" marking a continuation)."""
    keep = [i for i, t in enumerate(tokens) if t not in SPECIAL and i < len(states)]
    rows = np.asarray(states, dtype=np.float32)[keep]
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.maximum(norms, 1e-12), [tokens[i] for i in keep]


def content_words(tokens: Sequence[str]) -> list[tuple[str, list[int]]]:
    """(word, its pieces' positions) for every word that is alphabetic, two letters or more and
    not a stop word (coverage_stopwords.txt)."""
    words: list[tuple[str, list[int]]] = []
    for i, t in enumerate(tokens):
        if t.startswith("##") and words:
            words[-1] = (words[-1][0] + t[2:], [*words[-1][1], i])
        else:
            words.append((t, [i]))
    stop = stopwords()
    return [(w, ix) for w, ix in words if w.isalpha() and len(w) > 1 and w not in stop]


def uncovered(message: np.ndarray, tokens: Sequence[str], passage: np.ndarray) -> float:
    """max over the message's content words under MAX_ZIPF of (6 - Zipf) * (1 - coverage), where a
    word's coverage is its pieces' best cosine with any passage token, averaged; 0.0 when the
    message has no such word ("why?") or the passage no tokens. `message` and `passage` are
    token_rows (normalised); `tokens` the message's kept tokens."""
    if not len(passage) or not len(message):
        return 0.0
    sims = message @ np.asarray(passage, dtype=np.float32).T
    worst = 0.0
    for word, pieces in content_words(tokens):
        rarity = zipf(word, "en")
        if rarity < MAX_ZIPF:
            covered = float(sims[pieces].max(axis=1).mean())
            worst = max(worst, (MAX_ZIPF - rarity) * (1.0 - covered))
    return worst
