"""Chooses and builds the FAISS index for a set of normalised vectors.

Today every size gets an exact `IndexFlatIP` (inner product = cosine on normalised rows).
This is the one place to switch to an approximate index above a size threshold.
It does not save, load or search; see store.py and search.py.
"""

from __future__ import annotations

import faiss
import numpy as np


def make_index(vectors: np.ndarray) -> faiss.Index:
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index
