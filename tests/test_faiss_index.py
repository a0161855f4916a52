"""The FAISS index factory: exact at or below the threshold, approximate above it with
recall@10 >= 0.98 against exact search on held-out queries, and settings that survive saving."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from index.faiss_index import EXACT_MAX, describe, ivf_shape, make_index

DIM = 384


def clustered(n: int, seed: int, centres: np.ndarray, spread: float = 0.8) -> np.ndarray:
    """Unit vectors around random topic centres: neighbours are close but not duplicates."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(centres), size=n)
    x = centres[picks] + rng.standard_normal((n, DIM)).astype(np.float32) * (spread / np.sqrt(DIM))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((60, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    return clustered(8000, 1, centres), clustered(300, 2, centres)  # corpus, held-out queries


def exact_top(corpus: np.ndarray, queries: np.ndarray, k: int = 10) -> np.ndarray:
    return np.argsort(-(queries @ corpus.T), axis=1, kind="stable")[:, :k]


def test_at_or_below_the_threshold_the_index_is_exact(data):
    corpus, queries = data
    index = make_index(corpus[:1000], exact_max=1000)
    assert isinstance(index, faiss.IndexFlatIP) and describe(index)["kind"] == "exact"
    scores, ids = index.search(queries, 10)
    truth = exact_top(corpus[:1000], queries)
    assert (ids == truth).mean() > 0.999  # ties in float32 may swap places, nothing more
    np.testing.assert_allclose(scores[:, 0], (queries @ corpus[:1000].T).max(axis=1), rtol=1e-5)


def test_the_default_threshold_keeps_small_corpora_exact(data):
    corpus, _ = data
    assert EXACT_MAX >= 10_000
    assert isinstance(make_index(corpus), faiss.IndexFlatIP)


def test_above_the_threshold_the_approximate_index_reaches_recall_098(data):
    corpus, queries = data
    index = make_index(corpus, exact_max=1000)
    info = describe(index)
    assert info["kind"] == "ivf" and info["nprobe"] < info["nlist"]  # really approximate
    _, ids = index.search(queries, 10)
    truth = exact_top(corpus, queries)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, truth)])
    assert recall >= 0.98, f"recall@10 {recall:.3f}"


def test_scores_are_cosines_not_distances(data):
    corpus, queries = data
    scores, ids = make_index(corpus, exact_max=1000).search(queries[:5], 3)
    for q, row, found in zip(queries[:5], scores, ids):
        np.testing.assert_allclose(row, corpus[found] @ q, rtol=1e-5)
        assert list(row) == sorted(row, reverse=True)


def test_search_settings_survive_write_and_read(data, tmp_path):
    corpus, queries = data
    index = make_index(corpus, exact_max=1000)
    faiss.write_index(index, str(tmp_path / "v.faiss"))
    loaded = faiss.read_index(str(tmp_path / "v.faiss"))
    assert describe(loaded) == describe(index)
    assert np.array_equal(loaded.search(queries, 10)[1], index.search(queries, 10)[1])


@pytest.mark.parametrize("exact_max", [10_000, 1000])
def test_stored_vectors_can_be_read_back_after_loading(data, tmp_path, exact_max):
    # index/search.py rescores candidates with index.reconstruct(i), for both kinds of index.
    corpus, _ = data
    faiss.write_index(make_index(corpus, exact_max=exact_max), str(tmp_path / "v.faiss"))
    loaded = faiss.read_index(str(tmp_path / "v.faiss"))
    for i in (0, 4321, len(corpus) - 1):
        np.testing.assert_array_equal(loaded.reconstruct(i), corpus[i])


def test_building_is_deterministic(data):
    corpus, _ = data
    a = faiss.serialize_index(make_index(corpus, exact_max=1000))
    b = faiss.serialize_index(make_index(corpus, exact_max=1000))
    assert np.array_equal(a, b)


def test_ivf_shape_grows_with_the_corpus():
    small, big = ivf_shape(100_000), ivf_shape(1_000_000)
    assert small[0] < big[0] and small[1] <= big[1]
    assert all(1 <= probe <= lists for lists, probe in (small, big, ivf_shape(10)))


def test_rejects_a_flat_array():
    with pytest.raises(ValueError):
        make_index(np.zeros(DIM, dtype=np.float32))
