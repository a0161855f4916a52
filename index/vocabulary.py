"""Query-side vocabulary: spelling tolerance and lay/clinical synonyms.

`Vocabulary.correct` replaces a question word that is neither in the corpus nor a common
English word (wordfreq's list cut at Zipf 2, ingest's `zipf`) with its closest corpus word (difflib, close matches only), so
"twiching" finds "twitching" while "checking" is left alone. `Vocabulary.expansions` lists the
other members of every synonym group (index/synonyms.toml, reviewed data) that the question
mentions, so "Lou Gehrig's" meets "amyotrophic lateral sclerosis"; the retriever weighs them
below the question's own words. Neither changes any quoted text: they only shape queries.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ingest import WORD, fold, words, zipf

SYNONYMS_FILE = Path(__file__).with_name("synonyms.toml")
# Below this Zipf frequency a word is rare enough in English to be a likely misspelling
# (e.g. "symtoms" 1.2, "caffine" 1.3; "checking" is 4.4, "neuro" 3.1).
RARE_ZIPF = 2.0


@lru_cache(maxsize=1)
def load_groups(path: Path = SYNONYMS_FILE) -> tuple[tuple[str, ...], ...]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(tuple(g) for g in data["groups"])


@dataclass(frozen=True)
class Vocabulary:
    known: frozenset[str]  # corpus words plus synonym words: targets for spelling correction
    corpus: frozenset[str]  # corpus words only: expansions must use words the corpus has
    groups: tuple[tuple[str, ...], ...]

    @classmethod
    def from_texts(cls, texts: Iterable[str], groups: tuple[tuple[str, ...], ...] | None = None) -> Vocabulary:
        groups = load_groups() if groups is None else groups
        corpus = {w for t in texts for w in words(t)}
        known = corpus | {w for g in groups for phrase in g for w in words(phrase)}
        return cls(frozenset(known), frozenset(corpus), groups)

    def correct(self, question: str) -> str:
        """The question with likely misspellings replaced in place (punctuation kept)."""

        def fix(match: re.Match[str]) -> str:
            w = match.group(0)
            if len(w) < 4 or w in self.known or w.isdigit() or zipf(w, "en") >= RARE_ZIPF:
                return w
            close = difflib.get_close_matches(w, self._candidates(w), n=1, cutoff=0.8)
            return close[0] if close else w

        return WORD.sub(fix, fold(question))

    def _candidates(self, word: str) -> list[str]:
        # Same first letter and similar length: keeps difflib fast and avoids odd swaps.
        return [k for k in self.known if k[:1] == word[:1] and abs(len(k) - len(word)) <= 2]

    def expansions(self, text: str) -> str:
        """Synonyms (that the corpus uses) of the groups the text mentions, not already in it."""
        padded = f" {' '.join(words(text))} "
        extra: list[str] = []
        for group in self.groups:
            if any(f" {' '.join(words(p))} " in padded for p in group):
                extra.extend(
                    p for p in group
                    if f" {' '.join(words(p))} " not in padded and all(w in self.corpus for w in words(p))
                )
        return " ".join(extra)
