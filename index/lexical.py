"""BM25 over chunks (bm25s, English stop words, Snowball stemming), saved as plain files.

Scores are squashed to [0, 1) with s / (s + K) so they can be fused with cosine similarity
and still mean something on an absolute scale (for abstention), unlike per-query max
normalisation, which would make every query's best hit look perfect.
It does not expand or correct queries; see vocabulary.py.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

# bm25s imports numba whenever it is installed (ranx needs it for `medquote eval`), but our
# scoring uses bm25s's numpy path. Hiding numba during this one import saves ~55 MB of server
# memory and ~0.2 s of start-up (docs/performance.md); a later `import numba` still works.
_hide_numba = "numba" not in sys.modules
if _hide_numba:
    sys.modules["numba"] = None  # type: ignore[assignment]
try:
    import bm25s
finally:
    if _hide_numba:
        del sys.modules["numba"]
import numpy as np  # noqa: E402 (after the numba trick above)
import Stemmer  # noqa: E402

# Half-saturation point of the squash: a chunk with BM25 score K gets 0.5. Set by hand near the
# median best BM25 score of answerable dev questions (the measurement is not kept).
SQUASH_K = 8.0
logging.getLogger("bm25s").setLevel(logging.ERROR)  # it logs every build at INFO


def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokenize(texts: list[str]) -> list[list[str]]:
    tokens: list[list[str]] = bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)
    return tokens


class Lexical:
    def __init__(self, retriever: bm25s.BM25):
        self.retriever = retriever
        self.vocab = set(retriever.vocab_dict)

    @classmethod
    def build(cls, texts: list[str]) -> Lexical:
        retriever = bm25s.BM25()
        retriever.index(tokenize(texts), show_progress=False)
        return cls(retriever)

    def save(self, folder: Path) -> None:
        self.retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> Lexical:
        return cls(bm25s.BM25.load(str(folder), show_progress=False, verbosity=0))

    def scores(self, query: str) -> np.ndarray:
        """Raw BM25 score of every chunk for the query (zeros when no query word is known)."""
        tokens = [t for t in tokenize([query])[0] if t in self.vocab]
        n = self.retriever.scores["num_docs"]
        if not tokens:
            return np.zeros(n, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(tokens), dtype=np.float32)


def squash(raw: np.ndarray | float, k: float = SQUASH_K) -> np.ndarray | float:
    return raw / (raw + k)
