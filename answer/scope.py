"""Decides whether a message is outside what the sources cover, before any quote is chosen.

Rules (answer/scope.toml, versioned data): drug doses, costs and insurance, recommending a
doctor or clinic, instructions aimed at the bot, and conditions or treatments that the
corpus never mentions. A match means the fixed "not covered" reply, with no quotes. Pure:
stdlib only, no model. Questions that match nothing here still face the retrieval threshold.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

from records.text import WORD, fold_nfkc

SCOPE_FILE = Path(__file__).with_name("scope.toml")


@lru_cache(maxsize=1)
def rules(path: Path = SCOPE_FILE) -> tuple[tuple[tuple[str, re.Pattern[str]], ...], frozenset[str], str]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    patterns = tuple(
        (kind, re.compile(p, re.IGNORECASE)) for kind, plist in data["patterns"].items() for p in plist
    )
    return patterns, frozenset(t.casefold() for t in data["topics"]["terms"]), data["version"]


def out_of_scope(message: str, corpus_words: frozenset[str] = frozenset()) -> str | None:
    """The kind of uncovered question ("dose", "cost", "provider", "instruction", "topic"), or None."""
    text = fold_nfkc(message)  # NFKC too: a full-width or ligature spelling meets the same rule
    patterns, topics, _ = rules()
    for kind, pattern in patterns:
        if pattern.search(text):
            return kind
    for word in WORD.findall(text):
        if word in topics and word not in corpus_words:
            return "topic"
    return None
