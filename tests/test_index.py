"""The built index: plain files with a manifest, never served stale or damaged, never lost."""

from __future__ import annotations

import json
import logging
import os

import numpy as np
import pytest

from index import FakeEmbedder, IndexUnavailable, ModelEmbedder, ModelError, build_index, open_index
from ingest import IngestError


def current(root):
    return os.path.realpath(root / "current")


def test_build_writes_plain_files_and_manifest(corpus_dir, tmp_path):
    path = build_index(corpus_dir, FakeEmbedder(), tmp_path)
    names = sorted(p.name for p in path.iterdir())
    assert names == ["bank.jsonl", "bank_vectors.npy", "bm25", "chunks.jsonl", "embed_keys.npy", "exemplar_vectors.npy", "exemplars.jsonl",
                     "followup_vectors.npy", "hubness.npy", "manifest.json", "query_adapter.npy", "safety_head.npy", "sentence_vectors.npy",
                     "sentences.jsonl", "vectors.faiss"]
    manifest = json.loads((path / "manifest.json").read_text())
    assert set(manifest["files"]) >= {"vectors.faiss", "chunks.jsonl", "sentences.jsonl", "bm25/params.index.json"}
    for key in ("format_version", "model", "weights_sha256", "chunker_version", "documents", "chunk_count", "files", "adapter"):
        assert key in manifest
    assert "000_7bc7a14333f16656.txt" in manifest["documents"] and "sources.toml" in manifest["documents"]
    assert manifest["chunk_count"] == len((path / "chunks.jsonl").read_text().splitlines())


def test_open_searches_and_returns_hits_best_first(corpus_dir, tmp_path):
    index = open_index(corpus_dir, FakeEmbedder(), tmp_path)
    hits = index.search("benign fasciculation syndrome", 5)
    assert len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_stale_manifest_triggers_rebuild_with_one_log_line(tmp_corpus, tmp_path, caplog):
    build_index(tmp_corpus, FakeEmbedder(), tmp_path)
    before = current(tmp_path)
    doc = tmp_corpus / "000_7bc7a14333f16656.txt"
    doc.write_text(doc.read_text(encoding="utf-8") + "\nA new closing sentence about twitching.\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="medquote.index"):
        index = open_index(tmp_corpus, FakeEmbedder(), tmp_path)
    assert current(tmp_path) != before
    assert len([r for r in caplog.records if "stale" in r.getMessage()]) == 1
    assert any("A new closing sentence" in c.text for c in index.chunks)


def test_stale_index_is_refused_with_the_command_to_run(tmp_corpus, tmp_path):
    build_index(tmp_corpus, FakeEmbedder(), tmp_path)
    (tmp_corpus / "004_e5aaec687aab1a45.txt").unlink()
    with open(tmp_corpus / "sources.toml", "a") as fh:
        fh.write("\n# edited\n")
    with pytest.raises(IndexUnavailable, match="medquote ingest"):
        open_index(tmp_corpus, FakeEmbedder(), tmp_path, rebuild=False)


def test_index_from_another_model_is_not_served(corpus_dir, tmp_path):
    build_index(corpus_dir, FakeEmbedder(dim=256), tmp_path)
    with pytest.raises(IndexUnavailable, match="stale"):
        open_index(corpus_dir, FakeEmbedder(dim=128), tmp_path, rebuild=False)


def test_undecodable_file_stops_ingest_and_keeps_the_old_index(tmp_corpus, tmp_path):
    build_index(tmp_corpus, FakeEmbedder(), tmp_path)
    before = current(tmp_path)
    original = (tmp_corpus / "002_3ac21db952cf9835.txt").read_bytes()
    (tmp_corpus / "002_3ac21db952cf9835.txt").write_bytes(b"\xff\xfe\xfa broken")
    with pytest.raises(IngestError, match="002_3ac21db952cf9835.txt"):
        build_index(tmp_corpus, FakeEmbedder(), tmp_path)
    assert current(tmp_path) == before
    (tmp_corpus / "002_3ac21db952cf9835.txt").write_bytes(original)
    index = open_index(tmp_corpus, FakeEmbedder(), tmp_path, rebuild=False)  # the old build still serves
    assert len(index) > 0


@pytest.mark.parametrize("damage", ["truncate", "corrupt", "delete"])
def test_damaged_index_files_are_detected(corpus_dir, tmp_path, damage):
    path = build_index(corpus_dir, FakeEmbedder(), tmp_path)
    target = path / "vectors.faiss"
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[:100])
    elif damage == "corrupt":
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0xFF
        target.write_bytes(bytes(data))
    else:
        target.unlink()
    with pytest.raises(IndexUnavailable, match="medquote ingest"):
        open_index(corpus_dir, FakeEmbedder(), tmp_path, rebuild=False)
    open_index(corpus_dir, FakeEmbedder(), tmp_path)  # and a rebuild repairs it


def test_missing_index_is_refused_or_built(corpus_dir, tmp_path):
    with pytest.raises(IndexUnavailable, match="No index found"):
        open_index(corpus_dir, FakeEmbedder(), tmp_path / "none", rebuild=False)
    assert len(open_index(corpus_dir, FakeEmbedder(), tmp_path / "none")) > 0


def test_altered_model_weights_are_refused(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"not the reviewed weights")
    with pytest.raises(ModelError, match="Refusing"):
        ModelEmbedder(path=tmp_path)


def test_missing_model_weights_are_refused(tmp_path):
    with pytest.raises(ModelError, match="missing"):
        ModelEmbedder(path=tmp_path)


@pytest.mark.slow
def test_real_model_embeds_normalised_vectors():
    embedder = ModelEmbedder()
    vectors = embedder.encode(["muscle twitching", "fasciculations"])
    assert vectors.shape == (2, 384)
    assert abs(float((vectors ** 2).sum(axis=1)[0]) - 1.0) < 1e-4
    assert float(vectors[0] @ vectors[1]) > 0.3


def test_hubness_ranks_a_central_chunk_highest_and_stays_bounded(monkeypatch):
    import numpy as np

    from index import hubness as hub

    rng = np.random.default_rng(1)
    sentences = rng.normal(size=(300, 16)).astype(np.float32)
    sentences /= np.linalg.norm(sentences, axis=1, keepdims=True)
    hub_dir = sentences[0].copy()
    # Sentences 3i+1 of 40 other chunks lie close to chunk 0's direction: chunk 0 is a hub.
    for j in range(4, 121, 3):
        near = hub_dir + 0.05 * rng.normal(size=16)
        sentences[j] = near / np.linalg.norm(near)
    chunks = sentences[::3].copy()
    owner = np.repeat(np.arange(len(chunks)), 3)
    full = hub.hubness(chunks, sentences, owner)
    assert full.shape == (len(chunks),) and int(np.argmax(full)) == 0
    monkeypatch.setattr(hub, "REFERENCE_CAP", 50)  # the sampled path used for big corpora
    monkeypatch.setattr(hub, "BLOCK", 7)
    sampled = hub.hubness(chunks, sentences, owner)
    assert int(np.argmax(sampled)) == 0


def test_a_chunk_that_no_longer_matches_the_corpus_is_never_served(corpus_dir, tmp_path):
    import hashlib

    path = build_index(corpus_dir, FakeEmbedder(), tmp_path)
    chunks = (path / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    row = json.loads(chunks[3])
    row["text"] = row["text"].replace("ALS", "XYZ", 1) if "ALS" in row["text"] else "altered " + row["text"]
    chunks[3] = json.dumps(row, ensure_ascii=False)
    (path / "chunks.jsonl").write_text("\n".join(chunks) + "\n", encoding="utf-8")
    manifest = json.loads((path / "manifest.json").read_text())  # a consistent forgery: hashes updated too
    manifest["files"]["chunks.jsonl"] = hashlib.sha256((path / "chunks.jsonl").read_bytes()).hexdigest()
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexUnavailable, match="no longer matches"):
        open_index(corpus_dir, FakeEmbedder(), tmp_path, rebuild=False)


@pytest.mark.parametrize("env, message", [
    ({"MEDQUOTE_QUEUE_SIZE": "lots"}, "not a whole number"),
    ({"MEDQUOTE_QUEUE_SIZE": "-3"}, "between"),
    ({"MEDQUOTE_PORT": "99999"}, "between"),
    ({"MEDQUOTE_EMERGENCY_NUMBER": "   "}, "phone number on one line"),
    ({"MEDQUOTE_EMERGENCY_NUMBER": "112\n\n**call**"}, "phone number on one line"),
    ({"MEDQUOTE_EMERGENCY_NUMBER": "<b>112</b>"}, "phone number on one line"),
])
def test_bad_settings_get_a_clear_message(env, message):
    from medquote.config import ConfigError, from_env

    with pytest.raises(ConfigError, match=message):
        from_env(env)


def test_the_emergency_number_is_one_short_line():
    from answer import strings
    from medquote.config import from_env

    assert from_env({}).emergency_number == strings.DEFAULT_EMERGENCY_NUMBER
    assert from_env({"MEDQUOTE_EMERGENCY_NUMBER": " 112 "}).emergency_number == "112"
    assert from_env({"MEDQUOTE_EMERGENCY_NUMBER": "+44 (0) 999"}).emergency_number == "+44 (0) 999"


@pytest.mark.parametrize("port", ["70000", "-1", "0", "http"])
def test_a_bad_port_flag_is_one_clear_line(port, capsys):
    import cli

    with pytest.raises(SystemExit) as stop:
        cli.main(["serve", "--port", port])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "--port" in err and "Traceback" not in err


def test_text_the_terminal_cannot_show_is_replaced_not_a_traceback(tmp_path):
    import subprocess
    import sys

    from tests.helpers import ROOT

    # A redirect that is not UTF-8 (Windows' default for a file) once crashed the CLI.
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "MEDQUOTE_INDEX_DIR": str(tmp_path / "none")}
    done = subprocess.run([sys.executable, "-m", "cli", "eval", "--gold", str(tmp_path / "missing · file.jsonl")],
                          cwd=ROOT, env=env, capture_output=True, timeout=300)
    assert b"Traceback" not in done.stderr and b"UnicodeEncodeError" not in done.stderr
    assert b"missing ? file" in done.stderr, done.stderr


def test_top_n_matches_a_stable_full_sort_even_with_ties():
    import numpy as np

    from index.search import top_n

    rng = np.random.default_rng(0)
    for _ in range(200):
        scores = rng.integers(0, 5, size=int(rng.integers(1, 300))).astype(np.float32)
        n = int(rng.integers(1, 40))
        assert list(top_n(scores, n)) == list(np.argsort(-scores, kind="stable")[:n])


def test_the_follow_up_reader_is_stored_exactly_when_the_manifest_names_it():
    from types import SimpleNamespace

    from index.store import _reader_consistent

    chunks = [object(), object()]
    good = SimpleNamespace(chunks=chunks, followup_head=np.zeros(4 + 4), passage_tokens=np.zeros((5, 4), dtype=np.float16),
                           passage_token_offsets=np.array([0, 2, 5]))
    assert _reader_consistent(good, 4, "recipe")  # type: ignore[arg-type]
    assert not _reader_consistent(good, 4, "")  # type: ignore[arg-type]  # files the manifest does not name
    assert _reader_consistent(SimpleNamespace(**{**vars(good), "followup_head": None}), 4, "recipe")  # type: ignore[arg-type]  # no reviewed follow-ups
    for bad in ({"passage_tokens": None}, {"passage_token_offsets": np.array([0, 5])}, {"passage_token_offsets": np.array([0, 3, 2])},
                {"passage_token_offsets": np.array([0, 2, 6])}, {"followup_head": np.zeros(5)}, {"passage_tokens": np.zeros((5, 3))}):
        assert not _reader_consistent(SimpleNamespace(**{**vars(good), **bad}), 4, "recipe"), bad  # type: ignore[arg-type]
    assert _reader_consistent(SimpleNamespace(chunks=chunks, followup_head=None, passage_tokens=None, passage_token_offsets=None), 4, "")  # type: ignore[arg-type]
