"""Chooses and builds the FAISS index for a set of L2-normalised vectors (inner product = cosine).

Up to EXACT_MAX vectors: an exact `IndexFlatIP`. Above it: an inverted-file index
(`IndexIVFFlat`, inner product) that scans only the `nprobe` nearest of `nlist` clusters and
returns exact cosine scores for what it finds. The numbers come from benchmarks/scale.py
(docs/scaling.md): on 2 cores exact search costs ~0.07 ms per 1,000 vectors (0.7 ms at 10k,
~10% of a ~7 ms question encode; 13 ms at 100k; 146 ms at 1M), so above 10k it would eat the
answer's latency budget. IVF with these settings measured recall@10 against exact search of
0.999 / 0.997 / 0.993 on held-out queries at 10k / 100k / 1M, searching in 0.13 / 0.55 / 2.7 ms.
HNSW was measured too and needed efSearch 512 for 0.985 at 100k, so IVF it is.

`nprobe` is part of the saved index: faiss.write_index/read_index keep it, so a loaded index
searches exactly as built (tests/test_faiss_index.py checks the round trip). Building is
deterministic (fixed sample and k-means seed), so the same vectors give the same file.
`stored_vectors` reads them back (the next build reuses them, see reuse.py).
It does not save, load or search; see store.py and search.py.
"""

from __future__ import annotations

import math

import faiss
import numpy as np

EXACT_MAX = 10_000  # at or below this many vectors, search is exact
TRAIN_PER_LIST = 40  # k-means training points per cluster (faiss warns below 39)
PROBE_FRACTION = 1 / 64  # share of clusters scanned per query, once there are over 4,096 clusters
# Below that, a fixed 64: recall@30 (search.py takes 30 candidates) and noisier data need more
# probes at 10k-100k than recall@10 on the synthetic set does (benchmarks/results/scale.json).
MIN_NPROBE = 64
SEED = 1234


def ivf_shape(n: int) -> tuple[int, int]:
    """(nlist, nprobe) for n vectors: ~4*sqrt(n) clusters, a fixed share of them probed."""
    nlist = max(1, min(n // 8, int(round(4 * math.sqrt(n)))))
    nprobe = min(nlist, max(MIN_NPROBE, math.ceil(nlist * PROBE_FRACTION)))
    return nlist, nprobe


def exact_index(vectors: np.ndarray) -> faiss.Index:
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    return index


def ivf_index(vectors: np.ndarray, nlist: int | None = None, nprobe: int | None = None) -> faiss.Index:
    n, d = vectors.shape
    auto_nlist, auto_nprobe = ivf_shape(n)
    nlist, nprobe = nlist or auto_nlist, nprobe or auto_nprobe
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = SEED
    index.cp.niter = 10  # 10 k-means rounds place clusters well enough; 25 (the default) costs 2.5x the time
    sample = min(n, nlist * TRAIN_PER_LIST)
    # A fixed random sample, not the first rows: rows arrive grouped by document.
    rows = np.sort(np.random.default_rng(SEED).choice(n, size=sample, replace=False)) if sample < n else slice(None)
    index.train(vectors[rows])
    index.add(vectors)
    index.nprobe = min(nprobe, nlist)
    # search.py reads candidates' vectors back with reconstruct(); IVF needs an id -> list map
    # for that (8 bytes a vector; write_index/read_index keep it).
    index.make_direct_map()
    return index


def make_index(vectors: np.ndarray, exact_max: int = EXACT_MAX) -> faiss.Index:
    """The index to save for these vectors: exact up to `exact_max` rows, IVF above."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"expected a 2-D array of vectors, got shape {vectors.shape}")
    if len(vectors) <= exact_max:
        return exact_index(vectors)
    return ivf_index(vectors)


def stored_vectors(index: faiss.Index) -> np.ndarray:
    """Every vector the index holds, in id order, exactly as added (flat and IVF-flat keep them whole)."""
    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    return np.ascontiguousarray(index.reconstruct_n(0, index.ntotal), dtype=np.float32)


def describe(index: faiss.Index) -> dict[str, int | str]:
    """What kind of index this is and its search settings, for logs and benchmarks."""
    if isinstance(index, faiss.IndexIVF):
        return {"kind": "ivf", "ntotal": int(index.ntotal), "nlist": int(index.nlist), "nprobe": int(index.nprobe)}
    if isinstance(index, faiss.IndexHNSW):
        return {"kind": "hnsw", "ntotal": int(index.ntotal), "efSearch": int(index.hnsw.efSearch)}
    return {"kind": "exact", "ntotal": int(index.ntotal)}
