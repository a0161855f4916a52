"""The ONNX sentence encoder (index/onnx_export.py, index/onnx_embedder.py) gives ModelEmbedder's
vectors within 1e-5 for every gold question, alone or batched, and for passages; a row of
encode_queries is the same bit for bit whatever shares its call; the embedder loads neither torch,
transformers nor sentence-transformers; a file that is not the expected one is refused; and a
failed export leaves the last good files in place."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from index.embedder import WEIGHTS_SHA256, ModelError
from ingest import chunk_corpus
from tests.helpers import CORPUS, ROOT

pytestmark = pytest.mark.slow

TOLERANCE = 1e-5
SPLITS = ("dev", "heldout", "blind", "followups")


def gold_texts() -> list[str]:
    texts = []
    for split in SPLITS:
        with open(ROOT / "evaluation" / "gold" / f"{split}.jsonl", encoding="utf-8") as fh:
            for row in map(json.loads, fh):
                texts += [row[key] for key in ("question", "previous") if isinstance(row.get(key), str)]
    return texts


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The base model exported once for the module: (the .onnx path, its sha256)."""
    from index.embedder import model_dir
    from index.onnx_export import export_onnx

    out = tmp_path_factory.mktemp("onnx") / "model.onnx"
    return out, export_onnx(model_dir(), out)


@pytest.fixture(scope="module")
def onnx_embedder(exported):
    from index.onnx_embedder import OnnxEmbedder

    path, sha = exported
    return OnnxEmbedder(path, path.with_name("tokenizer.json"), sha, name="minilm-onnx", threads=1, weights_sha256=WEIGHTS_SHA256)


@pytest.fixture(scope="module")
def model_embedder():
    from index import ModelEmbedder

    return ModelEmbedder(threads=1)


def test_the_export_writes_the_model_its_tokenizer_and_their_settings(exported):
    from index.embedder import file_sha256, model_dir

    path, sha = exported
    assert file_sha256(path) == sha
    assert path.with_name("tokenizer.json").read_bytes() == (model_dir() / "tokenizer.json").read_bytes()
    assert json.loads(path.with_name("sentence_bert_config.json").read_text(encoding="utf-8")) == {"max_seq_length": 256, "do_lower_case": False}
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.onnx", "sentence_bert_config.json", "tokenizer.json"]  # no temporary left


def test_gold_questions_get_the_models_vectors_batched_and_alone(onnx_embedder, model_embedder):
    texts = gold_texts()
    assert len(texts) > 300 and any(len(t) > 200 for t in texts)
    expected = model_embedder.encode_queries(texts)
    batched = onnx_embedder.encode_queries(texts)
    alone = np.stack([onnx_embedder.encode_queries([text])[0] for text in texts])
    assert batched.dtype == np.float32 and batched.shape == expected.shape == (len(texts), onnx_embedder.dim)
    assert float(np.max(np.abs(batched - expected))) < TOLERANCE
    assert float(np.max(np.abs(alone - expected))) < TOLERANCE
    # ModelEmbedder's promise holds here bit for bit: a row does not depend on its batch.
    assert np.array_equal(batched, alone)
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-6)


def test_passages_get_the_models_vectors(onnx_embedder, model_embedder):
    _, chunks = chunk_corpus(CORPUS)
    texts = [chunk.text for chunk in chunks[::8]]
    # Longer than max_seq_length (256 tokens): both truncate it the same way.
    texts.append(" ".join(["Muscle twitching without weakness is rarely a sign of ALS."] * 40))
    texts += ["", "   ", "ALS? ALS!"]
    expected = model_embedder.encode(texts, batch_size=16)
    got = onnx_embedder.encode(texts, batch_size=16)
    assert got.dtype == np.float32 and got.shape == expected.shape
    assert float(np.max(np.abs(got - expected))) < TOLERANCE
    assert onnx_embedder.encode([]).shape == onnx_embedder.encode_queries([]).shape == (0, onnx_embedder.dim)


def test_the_onnx_embedder_loads_no_torch(exported):
    path, sha = exported
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from index.onnx_embedder import OnnxEmbedder\n"
        f"path = Path({str(path)!r})\n"
        f"embedder = OnnxEmbedder(path, path.with_name('tokenizer.json'), {sha!r}, name='minilm-onnx', threads=1, weights_sha256='w')\n"
        "assert embedder.encode_queries(['can stress cause twitching?']).shape == (1, 384)\n"
        "assert embedder.encode(['a passage', 'another']).shape == (2, 384)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = {name.split(".")[0] for name in json.loads(done.stdout)}
    assert "onnxruntime" in loaded and "tokenizers" in loaded  # the check looks at real imports
    assert loaded & {"torch", "transformers", "sentence_transformers"} == set()


def test_a_file_that_is_not_the_expected_one_is_refused(exported):
    from index.onnx_embedder import OnnxEmbedder

    path, sha = exported
    with pytest.raises(ModelError, match="`medquote ingest`"):
        OnnxEmbedder(path, path.with_name("tokenizer.json"), "0" * 64, name="minilm-onnx", weights_sha256=WEIGHTS_SHA256)
    with pytest.raises(ModelError, match="`medquote ingest`"):
        OnnxEmbedder(path.with_name("missing.onnx"), path.with_name("tokenizer.json"), sha, name="minilm-onnx", weights_sha256=WEIGHTS_SHA256)


def test_a_failed_export_keeps_the_last_good_files(exported, tmp_path, monkeypatch):
    import shutil

    import torch

    from index.embedder import model_dir
    from index.onnx_export import export_onnx

    path, _ = exported
    for name in ("model.onnx", "tokenizer.json", "sentence_bert_config.json"):
        shutil.copyfile(path.with_name(name), tmp_path / name)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def fail(*args, **kwargs):
        raise RuntimeError("export interrupted")

    monkeypatch.setattr(torch.onnx, "export", fail)
    with pytest.raises(RuntimeError, match="export interrupted"):
        export_onnx(model_dir(), tmp_path / "model.onnx")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # unchanged, and no temporary left
    with pytest.raises(ModelError, match="tokenizer.json"):
        export_onnx(tmp_path / "no-model-here", tmp_path / "model.onnx")
