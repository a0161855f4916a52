"""The text primitives every layer shares: folding text for comparison, and what a word is.

Stdlib only, so the pure answer policy can use them; ingest re-exports them as part of its
text toolkit (ingest/__init__.py), which everything above ingest imports instead.
- `fold`: casefold, curly apostrophe straightened ("Don’t" -> "don't"). `fold_nfkc`: the same
  after NFKC, for raw user input (full-width letters, ligatures), as the scope rules read it.
- `words`: the folded words, an apostrophe suffix kept ("don't", "gehrig's"): what the
  spelling vocabulary, the scope topics and the follow-up check count. `bare_words`: split at
  apostrophes too ("don", "t"): what near-duplicate passages and the fake embedder compare.
- `collapse`: runs of whitespace made one space, then casefolded, apostrophes as they are:
  how a gold `contains` is matched against a passage (evaluation/metrics.py).
It does not split sentences or clauses, judge text or know any corpus; see ingest/text.py.
"""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")  # on folded text
BARE_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Casefolded, with the curly apostrophe (U+2019) made "'"."""
    return text.casefold().replace("\u2019", "'")


def fold_nfkc(text: str) -> str:
    """`fold` after NFKC normalisation (compatibility characters made plain first)."""
    return fold(unicodedata.normalize("NFKC", text))


def words(text: str) -> list[str]:
    """The words of the folded text, in order, each with its apostrophe suffix."""
    return WORD.findall(fold(text))


def bare_words(text: str) -> list[str]:
    """The letter-and-digit runs of the folded text, in order (an apostrophe splits a word)."""
    return BARE_WORD.findall(fold(text))


def collapse(text: str) -> str:
    """Whitespace runs made one space, ends trimmed, casefolded (apostrophes left as they are)."""
    return " ".join(text.split()).casefold()
