"""Incremental ingest: the vectors of an earlier build, reused for texts embedded exactly as before.

Every build stores, beside its vectors, the sha256 of the exact text each vector was made from
(`embed_keys.npy`, one row per vector: chunks, sentences, bank questions, exemplars, in that
order). The next build embeds only texts whose sha256 is not among them, so editing one
document re-embeds only the texts that changed. Reuse needs the same model name, weights
sha256, dimension, embed-text version (EMBED_VERSION) and format as the earlier build, and that
build's files must match its manifest (build.py loads it through store.load_build, which
checks both); anything else re-embeds everything. The keys are of the text as embedded, so
even a change to how texts are made that forgot to bump EMBED_VERSION only misses, never
reuses a wrong vector. Texts that occur twice in one build are embedded once.

It does not choose the texts (build.py) or write builds (store.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .embedder import Embedder

KEY_BYTES = 32  # a raw sha256 digest per text


def text_keys(texts: Sequence[str]) -> np.ndarray:
    """sha256 of each text's UTF-8, as an (n, 32) uint8 array (stored with the build)."""
    digests = b"".join(hashlib.sha256(t.encode("utf-8")).digest() for t in texts)
    return np.frombuffer(digests, dtype=np.uint8).reshape(len(texts), KEY_BYTES).copy()


@dataclass(frozen=True)
class Reusable:
    """Vectors by the sha256 of their text."""

    rows: dict[bytes, int]
    vectors: np.ndarray  # (n, dim) float32
    # The earlier build's safety branch (ONNX bytes) by the sha256 of what trained it.
    branches: tuple[tuple[str, bytes], ...] = ()

    @classmethod
    def empty(cls, dim: int) -> Reusable:
        return cls({}, np.zeros((0, dim), dtype=np.float32))

    @classmethod
    def of(cls, keys: np.ndarray, vectors: np.ndarray, branches: tuple[tuple[str, bytes], ...] = ()) -> Reusable:
        if len(keys) != len(vectors):
            raise ValueError(f"{len(keys)} keys for {len(vectors)} vectors")
        return cls({k.tobytes(): i for i, k in enumerate(keys)}, vectors, branches)

    def branch(self, key: str) -> bytes | None:
        return dict(self.branches).get(key)


@dataclass(frozen=True)
class Embedded:
    vectors: np.ndarray  # one row per text, in order
    keys: np.ndarray  # text_keys(texts)
    embedded: int  # texts given to the embedder (distinct texts not reused)
    reused: int  # rows taken from the earlier build


def embed(texts: Sequence[str], embedder: Embedder, reuse: Reusable, batch_size: int = 64,
          progress: bool = False) -> Embedded:
    """Vectors for `texts`: reused where the exact text was embedded before, else one encode call."""
    keys = text_keys(texts)
    missing: dict[bytes, int] = {}  # key -> position among the texts to embed, first occurrence first
    source = np.empty(len(texts), dtype=np.int64)  # row in reuse.vectors, or in the new vectors
    fresh = np.zeros(len(texts), dtype=bool)
    todo: list[str] = []
    for i, key in enumerate(k.tobytes() for k in keys):
        row = reuse.rows.get(key)
        if row is None:
            row = missing.get(key)
            if row is None:
                row = missing[key] = len(todo)
                todo.append(texts[i])
            fresh[i] = True
        source[i] = row
    vectors = np.empty((len(texts), embedder.dim), dtype=np.float32)
    if todo:  # nothing to embed: no encode call, no progress bar
        vectors[fresh] = np.asarray(embedder.encode(todo, batch_size=batch_size, progress=progress), dtype=np.float32)[source[fresh]]
    vectors[~fresh] = reuse.vectors[source[~fresh]]
    return Embedded(vectors, keys, len(todo), int((~fresh).sum()))
