"""Serving without torch (issue 23): the build exports the encoder in use to ONNX and records the
export's sha256 in the index manifest; the server runs that export on ONNX Runtime.

- The served ONNX embedder of the trained model gives the torch embedder's vectors within 1e-5
  for every gold question, the same ranking for every dev and held-out question, and the same dev
  metrics to 6 decimals (sentence-transformers is the oracle).
- The app's engine, loaded as app.py loads it, answers without torch, transformers or
  sentence-transformers in sys.modules; the launched app builds a missing index in a child
  process, answers, and its own process maps no torch library.
- An export is made once, then reused; an export made from other weights, one the manifest does
  not name, or a damaged .onnx is never served; a stale export is redone, and a failed export
  keeps the last good files; a failed child build ends in one line naming the fix.
The trained model is found in .models by its key (skipped if it is not there): no test trains.
The base-model tests use two documents without a question bank and a model store of their own,
seeded with the safety branch the session's builds already trained (else it is trained there).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from answer import render
from benchmarks.launcher import launched_app
from index import IndexUnavailable, ModelError, build_index, open_index
from index.embedder import MODEL_NAME, WEIGHTS_SHA256, file_sha256, model_dir
from index.safety_branch import CACHE_DIR, branch_key, cached, keep
from index.screen import load_exemplars
from index.serving import ONNX_FILE, RECORD_FILE, ensure_export, export_folder, exported_embedder, read_export, served_embedder
from medquote import Engine, config
from tests.helpers import CORPUS, ROOT

pytestmark = pytest.mark.slow

TOLERANCE = 1e-5
HEAVY = {"torch", "transformers", "sentence_transformers"}
SMALL = ("001_e7a933f99d6d9ccc", "002_3ac21db952cf9835")
QUESTION = "can stress and anxiety cause my muscles to twitch?"


def gold_rows(*splits: str) -> list[dict]:
    gold = ROOT / "evaluation" / "gold"
    paths = [gold / f"{s}.jsonl" for s in splits] if splits else sorted(gold.glob("*.jsonl"))
    rows = []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            rows += [json.loads(line) for line in fh if line.strip()]
    return rows


def previous(row: dict) -> list[str]:
    p = row.get("previous", [])
    return [p] if isinstance(p, str) else list(p)


# --- the trained model: torch (the oracle) against its served export ---


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """(torch engine, ONNX engine, index root): one index, built with the trained model by the torch
    side (exported on the way, as every build does), then served by its export."""
    from index.models import bank_pairs, find_model

    store = config.model_dir()
    model = find_model(store, bank_pairs(CORPUS))
    if model is None:
        pytest.skip("the encoder is not trained for this question bank: run `medquote ingest --encoder adapted`")
    root = tmp_path_factory.mktemp("trained") / "index"
    torch_engine = Engine.load(CORPUS, root, embedder=exported_embedder(model, store, threads=1))
    onnx_engine = Engine.load(CORPUS, root, embedder=served_embedder(model, root, store, threads=1), rebuild=False)
    return torch_engine, onnx_engine, root


def test_the_served_embedder_is_the_export_of_the_trained_model(pair):
    torch_engine, onnx_engine, root = pair
    served, built = onnx_engine.index.embedder, torch_engine.index.embedder
    assert type(served).__name__ == "OnnxEmbedder" and type(built).__name__ == "ExportedEmbedder"
    assert served.name.startswith("medquote-adapted/")
    assert (served.name, served.weights_sha256, served.recipe, served.dim) == (built.name, built.weights_sha256, built.recipe, built.dim)
    manifest = json.loads((root / "current" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["onnx_sha256"] == served.onnx_sha256 == built.onnx_sha256 == file_sha256(served.path)
    record = read_export(served.path.parent)
    assert record is not None and (record.weights_sha256, record.model) == (built.weights_sha256, built.name)
    assert served.path.parent.parent.name == built.name.rsplit("/", 1)[-1]  # beside the trained weights: <store>/<key>/onnx


def test_every_gold_question_gets_the_torch_vector_and_every_ranking_is_the_same(pair):
    torch_engine, onnx_engine, _ = pair
    texts = [t for row in gold_rows() for t in [row["question"], *previous(row)]]
    assert len(texts) > 400
    expected = torch_engine.index.embedder.encode_queries(texts)
    got = onnx_engine.index.embedder.encode_queries(texts)
    diff = float(np.max(np.abs(got - expected)))
    print(f"\nmax |onnx - torch| over {len(texts)} gold texts: {diff:.2e}")
    assert got.shape == expected.shape and diff < TOLERANCE
    rows = gold_rows("dev", "heldout")
    for row in rows:
        a = torch_engine.ask(row["question"], previous(row))
        b = onnx_engine.ask(row["question"], previous(row))
        assert [h.chunk.id for h in b.ranked] == [h.chunk.id for h in a.ranked], row["id"]
        assert (b.abstained, b.emergency, render.reply_markdown(b)) == (a.abstained, a.emergency, render.reply_markdown(a)), row["id"]


def test_dev_metrics_are_the_same_to_six_decimals(pair):
    from evaluation import load_gold, run_eval

    torch_engine, onnx_engine, _ = pair
    golds = load_gold(ROOT / "evaluation" / "gold" / "dev.jsonl")

    def rounded(engine) -> dict:
        metrics = run_eval(engine, golds, CORPUS)["metrics"]
        return {k: round(v, 6) if isinstance(v, float) else v for k, v in metrics.items()}

    a, b = rounded(torch_engine), rounded(onnx_engine)
    assert len(a) > 5 and any(isinstance(v, float) and 0 < v < 1 for v in a.values())  # real figures, not an empty report
    assert b == a


# --- the base model (a corpus without a question bank), in a model store of the tests' own ---


def two_documents(dest: Path) -> Path:
    """The corpus cut to SMALL: no question bank, so the base model is the encoder."""
    dest.mkdir(parents=True)
    toml = (CORPUS / "sources.toml").read_text(encoding="utf-8")
    for path in sorted(CORPUS.glob("*.txt")):
        if path.stem in SMALL:
            shutil.copy(path, dest)
        else:
            start = toml.index(f"[documents.{path.stem}]")
            end = toml.find("\n[", start + 1)
            toml = toml[:start] + (toml[end + 1:] if end > 0 else "")
    (dest / "sources.toml").write_text(toml, encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """(corpus, model store, index root, the build-side embedder): the base model exported into the
    store and an index built with it."""
    work = tmp_path_factory.mktemp("base")
    corpus, store, root = two_documents(work / "corpus"), work / "models", work / "index"
    # The safety branch depends on the exemplars and the weights, not the corpus: seed this store
    # with the one this session's builds already trained in the default store, so it is not
    # trained again here (5 minutes on one thread: most of a fresh `make test`'s slowest setup).
    # Nothing below inspects the branch; one not trained yet (or not copied) is trained here as before.
    key = branch_key(load_exemplars(), WEIGHTS_SHA256)
    trained = cached(config.model_dir() / CACHE_DIR, key)  # None unless its bytes hash as recorded
    if trained is not None:
        keep(store / CACHE_DIR, key, trained)  # a cache: a failed write only means training here
    embedder = exported_embedder(None, store, threads=1)
    build_index(corpus, embedder, root)
    return corpus, store, root, embedder


def copy_of(base, tmp_path) -> tuple[Path, Path, Path]:
    corpus, store, root, _ = base
    return corpus, Path(shutil.copytree(store, tmp_path / "models")), Path(shutil.copytree(root, tmp_path / "index", symlinks=True))


def test_the_base_model_is_exported_under_the_store_by_its_weights_and_served_as_itself(base):
    corpus, store, root, embedder = base
    folder = export_folder(None, store)
    assert folder == store / f"base-{WEIGHTS_SHA256}" / "onnx"
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [
        RECORD_FILE, ONNX_FILE, "sentence_bert_config.json", "tokenizer.json"]
    served = served_embedder(None, root, store, threads=1)
    assert (served.name, served.weights_sha256, served.recipe) == (MODEL_NAME, WEIGHTS_SHA256, "none")
    assert served.onnx_sha256 == embedder.onnx_sha256 == read_export(folder).onnx_sha256
    index = open_index(corpus, served, root, rebuild=False)  # the manifest matches the served embedder
    questions = [row["question"] for row in gold_rows("dev")[:40]]
    diff = np.max(np.abs(served.encode_queries(questions) - embedder.encode_queries(questions)))
    assert diff < TOLERANCE and index.search(QUESTION, 3)


def test_an_intact_export_is_reused_not_made_again(base, monkeypatch):
    _, store, _, embedder = base
    folder = export_folder(None, store)
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}

    def must_not_export(*args, **kwargs):
        raise AssertionError("exported again")

    monkeypatch.setattr("index.onnx_export.export_onnx", must_not_export)
    assert ensure_export(model_dir(), folder, MODEL_NAME, WEIGHTS_SHA256, "none").onnx_sha256 == embedder.onnx_sha256
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_an_export_of_other_weights_is_never_served_and_a_failed_export_keeps_the_last_files(base, tmp_path, monkeypatch):
    corpus, store, root = copy_of(base, tmp_path)
    folder = export_folder(None, store)
    record = json.loads((folder / RECORD_FILE).read_text(encoding="utf-8"))
    (folder / RECORD_FILE).write_text(json.dumps({**record, "weights_sha256": "0" * 64}), encoding="utf-8")
    with pytest.raises(IndexUnavailable, match="made from other weights. Run `medquote ingest`"):
        served_embedder(None, root, store)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    calls = []

    def interrupted(source, out):
        calls.append(out)
        raise ModelError("export interrupted")

    monkeypatch.setattr("index.onnx_export.export_onnx", interrupted)
    with pytest.raises(ModelError, match="export interrupted"):
        ensure_export(model_dir(), folder, MODEL_NAME, WEIGHTS_SHA256, "none")
    assert calls == [folder / ONNX_FILE]  # the stale export was to be redone
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_an_export_the_manifest_does_not_name_or_a_damaged_onnx_is_refused(base, tmp_path):
    corpus, store, root = copy_of(base, tmp_path)
    manifest_path = root / "current" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest_path.write_text(json.dumps({**manifest, "onnx_sha256": ""}), encoding="utf-8")
    with pytest.raises(IndexUnavailable, match="another encoder or another ONNX export of it. Run `medquote ingest`"):
        served_embedder(None, root, store)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    onnx = export_folder(None, store) / ONNX_FILE
    data = bytearray(onnx.read_bytes())
    data[len(data) // 2] ^= 0x01
    onnx.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="Refusing to use it. Run `medquote ingest`"):
        served_embedder(None, root, store)


def test_the_launched_app_builds_a_missing_index_in_a_child_and_runs_no_torch(base, tmp_path):
    from gradio_client import Client

    corpus, store, _, _ = base
    index_dir = tmp_path / "index"
    env = {"MEDQUOTE_CORPUS": str(corpus), "MEDQUOTE_MODEL_DIR": str(store)}
    with launched_app(index_dir, env, timeout=300) as (url, proc, log):
        obj = Client(url, analytics_enabled=False, verbose=False).predict(QUESTION, api_name="/ask")
        maps = Path(f"/proc/{proc.pid}/maps").read_text()
        log.seek(0)
        text = log.read()
    assert obj["reply"] and obj["ranked"]  # searched (two documents and the base model may abstain on it)
    assert "No index found" in text and "Building it now (`medquote ingest` in a child process)" in text
    manifest = json.loads((index_dir / "current" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["onnx_sha256"] == read_export(export_folder(None, store)).onnx_sha256
    assert "onnxruntime" in maps  # the check sees the libraries really mapped
    assert "libtorch" not in maps and "/torch/lib/" not in maps


def test_a_failed_child_build_ends_in_one_line_naming_the_fix(base, tmp_path):
    corpus, store, _, _ = base
    broken = Path(shutil.copytree(corpus, tmp_path / "corpus"))
    (broken / f"{SMALL[0]}.txt").unlink()
    code = ("import logging, sys\nlogging.basicConfig(level=logging.WARNING, format='medquote: %(message)s')\n"
            "from medquote.errors import handled\nfrom medquote import Engine\nfrom pathlib import Path\n"
            f"sys.exit(handled(lambda: Engine.load(Path({str(broken)!r}), Path({str(tmp_path / 'index')!r}), "
            f"model_dir=Path({str(store)!r}), runtime='onnx') and 0))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("medquote: No index found") and "Building it now" in lines[0]
    assert lines[-1].startswith("medquote: ") and SMALL[0] in lines[-1]
    assert sum(SMALL[0] in line for line in lines) == 1  # the child's error, printed once


SERVE_AND_ANSWER = f"""
import json, sys
import app
from medquote import config
cfg = config.from_env()
engine = app.load_engine(cfg)
app.create_app(engine, cfg)
reply = engine.ask({QUESTION!r})
print(json.dumps({{"ranked": len(reply.ranked), "embedder": type(engine.index.embedder).__name__, "modules": sorted(sys.modules)}}))
"""


def test_the_apps_engine_answers_without_torch(base):
    corpus, store, root, _ = base
    env = {**os.environ, "MEDQUOTE_INDEX_DIR": str(root), "MEDQUOTE_CORPUS": str(corpus), "MEDQUOTE_MODEL_DIR": str(store)}
    done = subprocess.run([sys.executable, "-c", SERVE_AND_ANSWER], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    loaded = {name.split(".")[0] for name in out["modules"]}
    assert out["embedder"] == "OnnxEmbedder" and out["ranked"] > 0
    assert {"onnxruntime", "tokenizers", "gradio"} <= loaded  # the check sees real imports
    assert loaded & HEAVY == set()
    assert "Building it now" not in done.stderr  # the index the torch side built is served as it is (no child build)
