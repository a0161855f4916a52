"""Searches a loaded index: embed the question, inner-product search in FAISS, return Hits.

Vectors are L2-normalised, so scores are cosine similarities in [-1, 1]. The chunks list is
held in memory; nothing is re-read from disk per request. It does not decide what to show;
see the answer policy.
"""

from __future__ import annotations

from dataclasses import dataclass

import faiss
import numpy as np

from ingest import Chunk

from .embedder import Embedder


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # the score the policy ranks and thresholds on
    dense: float  # cosine similarity of question and chunk


class SearchIndex:
    def __init__(self, index: faiss.Index, chunks: list[Chunk], embedder: Embedder):
        self.index, self.chunks, self.embedder = index, chunks, embedder

    def __len__(self) -> int:
        return len(self.chunks)

    def search(self, question: str, k: int = 10) -> list[Hit]:
        if not question.strip() or not self.chunks:
            return []
        query = self.embedder.encode([question])
        return self.search_vector(query, k)

    def search_vector(self, query: np.ndarray, k: int = 10) -> list[Hit]:
        scores, ids = self.index.search(np.ascontiguousarray(query, dtype=np.float32), min(k, len(self.chunks)))
        return [
            Hit(self.chunks[i], float(s), float(s))
            for s, i in zip(scores[0], ids[0]) if i >= 0
        ]
