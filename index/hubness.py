"""Hubness of each chunk: how close it is to everything, computed once at build time.

A "hub" chunk (a general introduction) is near most questions and wins many it does not
answer. Its hubness is the mean cosine to its k most similar sentences elsewhere in the corpus;
the retriever subtracts a share of it (as CSLS does for cross-lingual retrieval). The reference
set is every sentence up to REFERENCE_CAP, else a fixed-seed sample, and the product is taken in
blocks, so memory stays bounded at any corpus size. It does not search; see search.py.
"""

from __future__ import annotations

import numpy as np

REFERENCE_CAP = 20_000
BLOCK = 4_096


def hubness(chunk_vectors: np.ndarray, sentence_vectors: np.ndarray, sentence_chunk: np.ndarray, k: int = 10) -> np.ndarray:
    """`sentence_chunk[j]` is the chunk that sentence j belongs to (its own sentences are skipped)."""
    n, m = len(chunk_vectors), len(sentence_vectors)
    if n == 0 or m == 0:
        return np.zeros(n, dtype=np.float32)
    ref = np.arange(m)
    if m > REFERENCE_CAP:
        ref = np.sort(np.random.default_rng(0).choice(m, REFERENCE_CAP, replace=False))
    ref_vecs, ref_chunk = sentence_vectors[ref], sentence_chunk[ref]
    k = min(k, len(ref))
    out = np.empty(n, dtype=np.float32)
    for lo in range(0, n, BLOCK):
        hi = min(lo + BLOCK, n)
        sims = chunk_vectors[lo:hi] @ ref_vecs.T
        sims[ref_chunk[None, :] == np.arange(lo, hi)[:, None]] = -1.0
        out[lo:hi] = np.partition(sims, -k, axis=1)[:, -k:].mean(axis=1)
    return out
