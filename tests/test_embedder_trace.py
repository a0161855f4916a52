"""The traced forward that encodes questions (index/embedder.py) gives the plain forward's
floats bit for bit, for every gold question and safety clause, alone or in a batch; and when
tracing is not possible, the plain forward is used."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ingest import clauses
from tests.helpers import ROOT

pytestmark = pytest.mark.slow


def gold_texts() -> list[str]:
    qs = []
    for path in sorted((ROOT / "evaluation" / "gold").glob("*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            qs += [row["question"] for row in map(json.loads, fh) if isinstance(row.get("question"), str)]
    return qs + [c for q in qs for c in clauses(q)]


def plain(embedder, texts: list[str]) -> np.ndarray:
    """One text at a time through sentence-transformers' own forward, no tracing."""
    import torch

    rows = []
    for text in texts:
        features = embedder._model.preprocess([text], processing_kwargs=embedder._padding)
        with torch.inference_mode():
            vector = embedder._model.forward(features)["sentence_embedding"]
            rows.append(torch.nn.functional.normalize(vector, p=2, dim=1).numpy()[0])
    return np.stack(rows)


@pytest.fixture(scope="module")
def embedder():
    from index import ModelEmbedder

    return ModelEmbedder(threads=1)


def test_questions_are_encoded_by_the_traced_forward(embedder):
    import torch

    assert isinstance(embedder._forward, torch.jit.ScriptModule)


def test_traced_vectors_are_the_plain_forwards_bit_for_bit(embedder):
    texts = gold_texts()
    lengths = [len(ids) for ids in embedder._model.tokenizer(texts)["input_ids"]]
    assert any(n % 16 == 0 for n in lengths)  # some fill their padded length exactly: no padding at all
    expected = plain(embedder, texts)
    for _ in range(3):  # TorchScript re-optimises a graph after its first runs: the floats must not move
        assert np.array_equal(embedder.encode_queries(texts), expected)


def test_without_tracing_questions_still_get_the_same_vectors(monkeypatch):
    import torch

    from index import ModelEmbedder

    def refuse(*args, **kwargs):
        raise RuntimeError("tracing is gone")

    monkeypatch.setattr(torch.jit, "trace", refuse)
    fallback = ModelEmbedder(threads=1)
    assert not isinstance(fallback._forward, torch.jit.ScriptModule)
    texts = gold_texts()[:40]
    assert np.array_equal(fallback.encode_queries(texts), plain(fallback, texts))
