"""Synthetic chunk vectors for scale tests: what 10k-1M chunks of this kind of text would embed to.

Embedding a million texts with MiniLM on 2 CPU cores is not feasible here (about 6 ms a short
text when alone, ~3 ms in batches: roughly 1 hour for 1M, far over the ~15 minute budget), so
the vectors are made from real ones: every base vector is a real MiniLM embedding of this
corpus (each chunk as indexed, and each of its sentences alone); a synthetic chunk is a random
mixture of 1-3 base vectors (Dirichlet weights) plus isotropic Gaussian noise, L2-normalised.
That keeps the topical cluster structure of real embeddings (the thing that makes approximate
search easy or hard) instead of uniform random points. Held-out queries are the gold questions
embedded by the model (never used to make corpus vectors) plus synthetic queries drawn with a
different seed. It does not build indexes or time anything; see scale.py.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np

from .common import CORPUS, GOLD

NOISE = 0.5  # noise norm relative to a unit base vector; `realism()` reports what it gives


def base_texts(corpus_dir: Path = CORPUS) -> list[str]:
    from index.build import embed_text
    from ingest import chunk_corpus

    _, chunks = chunk_corpus(corpus_dir)
    texts = [embed_text(c) for c in chunks]
    for c in chunks:  # sentences alone: more real points, with each chunk's topics apart
        texts += [s for s in re.split(r"(?<=[.!?])\s+", c.text) if len(s) > 30]
    return list(dict.fromkeys(texts))


def question_texts() -> list[str]:
    out = []
    for name in ("dev.jsonl", "heldout.jsonl"):
        with open(GOLD / name, encoding="utf-8") as fh:
            out += [json.loads(line)["question"] for line in fh if line.strip()]
    return out


def real_vectors(embedder, cache_dir: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(base vectors from the corpus, query vectors from gold questions), cached as .npz
    under a name that changes whenever the texts or the model do."""
    texts, qs = base_texts(), question_texts()
    key = hashlib.sha256(json.dumps([embedder.name, embedder.weights_sha256, texts, qs]).encode()).hexdigest()[:16]
    cache = cache_dir / f"real-vectors-{key}.npz" if cache_dir else None
    if cache and cache.is_file():
        data = np.load(cache)
        return data["base"], data["queries"]
    base = embedder.encode(texts, batch_size=64)
    queries = embedder.encode(qs, batch_size=64)
    if cache:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, base=base, queries=queries)
    return base, queries


def _normalise(x: np.ndarray) -> np.ndarray:
    x /= np.linalg.norm(x, axis=1, keepdims=True) + 1e-12
    return x


def mixtures(base: np.ndarray, n: int, seed: int, noise: float = NOISE, batch: int = 100_000) -> np.ndarray:
    """n synthetic unit vectors (float32), made in batches so peak memory stays ~ the output."""
    rng = np.random.default_rng(seed)
    d = base.shape[1]
    out = np.empty((n, d), dtype=np.float32)
    for lo in range(0, n, batch):
        m = min(batch, n - lo)
        parts = rng.integers(1, 4, size=m)  # how many base vectors each chunk mixes
        picks = rng.integers(0, len(base), size=(m, 3))
        weights = rng.dirichlet(np.ones(3), size=m).astype(np.float32)
        weights[np.arange(3)[None, :] >= parts[:, None]] = 0.0
        weights /= weights.sum(axis=1, keepdims=True)
        block = np.einsum("mk,mkd->md", weights, base[picks])
        block += rng.standard_normal((m, d), dtype=np.float32) * (noise / np.sqrt(d))
        out[lo:lo + m] = _normalise(block)
    return out


def queries(base: np.ndarray, real_queries: np.ndarray, n_synthetic: int, seed: int = 10_001) -> np.ndarray:
    """Held-out query vectors: the real question embeddings, then synthetic ones (other seed)."""
    synth = mixtures(base, n_synthetic, seed=seed)
    return np.ascontiguousarray(np.vstack([real_queries, synth]), dtype=np.float32)


def realism(base: np.ndarray, real_queries: np.ndarray, synthetic: np.ndarray) -> dict:
    """How synthetic data compares with real: a real question's best cosine against the real
    corpus and against the synthetic one, and each set's nearest-neighbour cosine."""
    def nn(a, b, same=False):
        sims = a @ b.T
        if same:
            np.fill_diagonal(sims, -1.0)
        return float(np.median(sims.max(axis=1)))

    sample = synthetic[: min(len(synthetic), 5000)]
    return {
        "median_top1_question_vs_real_corpus": round(nn(real_queries, base), 3),
        "median_top1_question_vs_synthetic": round(nn(real_queries, synthetic[:100_000]), 3),
        "median_nn_cosine_real_corpus": round(nn(base, base, same=True), 3),
        "median_nn_cosine_synthetic_5k": round(nn(sample, sample, same=True), 3),
        "base_vectors": int(len(base)), "noise": NOISE,
    }
