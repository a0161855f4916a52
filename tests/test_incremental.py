"""Incremental ingest: a build reuses the current build's vectors for texts embedded exactly as
before, so editing one document re-embeds only its changed texts, and the result is the same
index a full rebuild makes. Another model or embed-text version, an older build without text
hashes, or a damaged build means everything is embedded again. The embedder is a counting
wrapper around FakeEmbedder, passed in (nothing is patched).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from index import FakeEmbedder, build_index, open_index
from index.faiss_index import stored_vectors
from index.store import load_build, read_manifest
from ingest import read_corpus

DOC = "002_3ac21db952cf9835.txt"
BEFORE, AFTER = "I am 35 years old", "I am 36 years old"  # in the patient's question, quoted by no bank entry


class Counting(FakeEmbedder):
    """FakeEmbedder that records every text it is asked to embed."""

    def __init__(self, weights_sha256: str = FakeEmbedder.weights_sha256):
        super().__init__()
        self.weights_sha256 = weights_sha256
        self.texts: list[str] = []

    def encode(self, texts, batch_size=32, progress=False):
        self.texts += list(texts)
        return super().encode(texts, batch_size, progress)


def edit(corpus: Path) -> None:
    path = corpus / DOC
    raw = path.read_text(encoding="utf-8")
    assert raw.count(BEFORE) == 1
    path.write_text(raw.replace(BEFORE, AFTER), encoding="utf-8")


def files(build: Path) -> dict[str, bytes]:
    return {str(p.relative_to(build)): p.read_bytes() for p in sorted(build.rglob("*")) if p.is_file()}


@pytest.fixture()
def edited(tmp_corpus, tmp_path):
    """(texts of the first full build, texts the incremental build embedded, its build folder)."""
    first, second = Counting(), Counting()
    build_index(tmp_corpus, first, tmp_path / "index")
    edit(tmp_corpus)
    path = build_index(tmp_corpus, second, tmp_path / "index")
    return first.texts, second.texts, path


def test_editing_one_document_embeds_only_its_changed_texts(edited, tmp_corpus, tmp_path):
    first, second, _ = edited
    full = Counting()
    build_index(tmp_corpus, full, tmp_path / "fresh")  # every text of the edited corpus
    assert second and len(second) == len(set(second))  # one encode, each text once
    assert set(second) == set(full.texts) - set(first)  # exactly the texts that did not exist before
    raw = (tmp_corpus / DOC).read_text(encoding="utf-8")
    for text in second:  # all of them from the edited document (a chunk's text follows its section line)
        assert text in raw or text.split("\n", 1)[1] in raw, text
    assert any(AFTER in t for t in second)
    assert len(second) < 10 < len(full.texts) // 100


def test_the_incremental_build_is_byte_identical_to_a_full_rebuild(edited, tmp_corpus, tmp_path):
    _, _, incremental = edited
    full = build_index(tmp_corpus, FakeEmbedder(), tmp_path / "fresh", reuse=False)
    a, b = files(incremental), files(full)
    assert sorted(a) == sorted(b) and "embed_keys.npy" in a and "manifest.json" in a
    assert [name for name in a if a[name] != b[name]] == []


def test_the_incremental_build_serves_the_edited_text(edited, tmp_corpus, tmp_path):
    index = open_index(tmp_corpus, FakeEmbedder(), tmp_path / "index", rebuild=False)
    raws = {d.doc_id: d.raw for d in read_corpus(tmp_corpus)}
    assert all(raws[c.doc_id][c.start:c.end] == c.text for c in index.chunks)
    assert any(AFTER in c.text for c in index.chunks) and not any(BEFORE in c.text for c in index.chunks)


def test_an_unchanged_corpus_embeds_nothing(corpus_dir, tmp_path):
    build_index(corpus_dir, FakeEmbedder(), tmp_path)
    again = Counting()
    build_index(corpus_dir, again, tmp_path)
    assert again.texts == []


def test_reuse_false_embeds_everything(corpus_dir, tmp_path):
    first, again = Counting(), Counting()
    build_index(corpus_dir, first, tmp_path)
    build_index(corpus_dir, again, tmp_path, reuse=False)
    assert again.texts == first.texts and len(first.texts) > 1000


def test_another_model_hash_embeds_everything(tmp_corpus, tmp_path):
    first, other = Counting(), Counting(weights_sha256="another-model")
    build_index(tmp_corpus, first, tmp_path)
    edit(tmp_corpus)
    build_index(tmp_corpus, other, tmp_path)
    assert len(other.texts) == len(first.texts)
    art = load_build(tmp_path, _expected(tmp_corpus, other))
    assert read_manifest(tmp_path)[1]["weights_sha256"] == "another-model" and art.embed_keys is not None


@pytest.mark.parametrize("field, value", [("embed_version", "section+text-1"), ("format_version", 3), ("dim", 384)])
def test_a_build_embedded_another_way_is_not_reused(tmp_corpus, tmp_path, field, value):
    first = Counting()
    build_index(tmp_corpus, first, tmp_path)
    path, manifest = read_manifest(tmp_path)  # as if an older medquote had made the current build
    (path / "manifest.json").write_text(json.dumps({**manifest, field: value}), encoding="utf-8")
    edit(tmp_corpus)
    again = Counting()
    build_index(tmp_corpus, again, tmp_path)
    assert len(again.texts) == len(first.texts)


@pytest.mark.parametrize("damage", ["vectors.faiss", "sentence_vectors.npy", "embed_keys.npy", "bank_vectors.npy"])
def test_a_damaged_current_build_is_not_reused_and_the_next_build_is_good(tmp_corpus, tmp_path, damage):
    first = Counting()
    build_index(tmp_corpus, first, tmp_path)
    path, _ = read_manifest(tmp_path)
    data = bytearray((path / damage).read_bytes())
    data[-1] ^= 0x01  # the last vector's last byte: the file still parses, only its hash tells
    (path / damage).write_bytes(bytes(data))
    edit(tmp_corpus)
    again = Counting()
    build = build_index(tmp_corpus, again, tmp_path)
    assert len(again.texts) == len(first.texts)
    full = build_index(tmp_corpus, FakeEmbedder(), tmp_path / "fresh", reuse=False)
    assert files(build) == files(full)


def test_a_build_without_text_hashes_is_not_reused(tmp_corpus, tmp_path):
    first = Counting()
    build_index(tmp_corpus, first, tmp_path)
    path, manifest = read_manifest(tmp_path)  # as builds were before the hashes were stored
    (path / "embed_keys.npy").unlink()
    del manifest["files"]["embed_keys.npy"]
    (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert load_build(tmp_path, _expected(tmp_corpus, first)).embed_keys is None  # still served as it is
    again = Counting()
    build_index(tmp_corpus, again, tmp_path)  # the corpus is unchanged, but nothing says which text is which
    assert len(again.texts) == len(first.texts)


def test_every_vector_is_stored_with_the_hash_of_its_text(corpus_dir, tmp_path):
    import hashlib

    emb = Counting()
    build_index(corpus_dir, emb, tmp_path)
    art = load_build(tmp_path, _expected(corpus_dir, emb))
    by_hash = {hashlib.sha256(t.encode("utf-8")).digest(): t for t in emb.texts}
    assert art.followup_vectors is not None  # the bank has reviewed follow-ups: stored too, last
    stacked = np.vstack([stored_vectors(art.dense), art.sentence_vectors, art.bank_vectors, art.exemplar_vectors, art.followup_vectors])
    assert len(art.embed_keys) == len(stacked) >= len(emb.texts)
    texts = [by_hash[bytes(k)] for k in art.embed_keys]  # every key is the hash of a text that was embedded
    assert np.array_equal(stacked, FakeEmbedder().encode(texts))  # and its row is that text's vector
    assert texts[: len(art.chunks)] == [f"{c.section}\n{c.text}" for c in art.chunks]


def _expected(corpus: Path, embedder):
    from index.build import expected_manifest

    return expected_manifest(corpus, embedder)


def test_the_index_folder_holds_only_the_served_build_after_an_incremental_build(edited, tmp_path):
    _, _, path = edited
    builds = sorted(os.listdir(tmp_path / "index" / "builds"))
    assert builds == [path.name]
