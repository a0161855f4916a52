"""The encoder an index is served with: the ONNX export of the weights the index was built with.

Build side (torch; `medquote ingest` and every automatic rebuild): `exported_embedder` is the
torch embedder of the model in use (the base model as shipped, the served default; the trained
one only with `--encoder adapted`) plus its ONNX export, made now if missing or stale. The export lives next to the
weights: `<model folder>/onnx/` for a trained model, `<model store>/base-<weights sha256>/onnx/`
for the base model (folders index/models.py never prunes). Beside the .onnx, `export.json`
records the .onnx's sha256 and the sha256 of the weights it came from; the build writes the
.onnx's sha256 into the index manifest (`onnx_sha256`). An export is redone only when the record
is missing, names other weights, or the .onnx no longer hashes as recorded; a failed export
raises ModelError and leaves the last good files (and the index built with them) in place.

Serve side (no torch, transformers or sentence-transformers): `served_embedder` returns an
OnnxEmbedder on the export of the model a build would use now (the caller asks models.py, as the
build does), presenting the model's own name, weights sha256 and recipe (so the manifest matches)
and verifying the .onnx against the recorded sha256. A missing index, an export made from other
weights or one the index manifest does not name raises IndexUnavailable (ModelError for a damaged
.onnx); opening the index then checks the rest. The caller rebuilds with `medquote ingest`
(medquote/engine.py does so in a child process) and tries again: a stale export is never served.
It does not build the index (build.py) or train (models.py).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .embedder import MODEL_NAME, WEIGHTS_FILE, WEIGHTS_SHA256, Embedder, ModelError, Trunk, file_sha256, model_dir
from .models import BASE_EXPORT_PREFIX, TrainedModel, adapted_embedder
from .onnx_embedder import SETTINGS_FILE, OnnxEmbedder
from .safety_branch import CACHE_DIR
from .store import IndexUnavailable, read_manifest

EXPORT_DIR = "onnx"
ONNX_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
RECORD_FILE = "export.json"
# Bump when the exported graph changes: an export of another format is made again. 2: the trunk
# output; 3: the tokenizer files' sha256 recorded too (the server reads them as it reads the .onnx).
EXPORT_FORMAT = "3"
log = logging.getLogger("medquote.index")


@dataclass(frozen=True)
class Export:
    """What export.json records: the .onnx's sha256, its tokenizer files', and the model it was
    exported from."""

    onnx_sha256: str
    weights_sha256: str
    model: str
    recipe: str
    format: str = EXPORT_FORMAT
    tokenizer_sha256: str = ""
    settings_sha256: str = ""


class ExportedEmbedder:
    """The build-side embedder: the torch model's vectors, plus `onnx_sha256`, the export of the
    same weights that the server will run (build.expected_manifest records it)."""

    def __init__(self, inner: Embedder, export: Export, branch_cache: Path | None = None) -> None:
        self.inner = inner
        self.branch_cache = branch_cache  # where builds keep trained safety branches (build._safety_branch)
        self.name, self.weights_sha256, self.dim, self.recipe = inner.name, inner.weights_sha256, inner.dim, inner.recipe
        self.onnx_sha256 = export.onnx_sha256

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return self.inner.encode(texts, batch_size=batch_size, progress=progress)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.encode_queries(texts)

    def encode_queries_trunk(self, texts: Sequence[str]) -> tuple[np.ndarray, Trunk]:
        return self.inner.encode_queries_trunk(texts)  # type: ignore[attr-defined,no-any-return]  # a ModelEmbedder

    def tokens(self, texts: Sequence[str]) -> list[list[str]]:
        return self.inner.tokens(texts)  # type: ignore[attr-defined,no-any-return]  # a ModelEmbedder


def export_folder(model: TrainedModel | None, store: Path) -> Path:
    """Where the export of `model` (None: the base model) lives."""
    if model is not None:
        return model.path / EXPORT_DIR
    return Path(store) / f"{BASE_EXPORT_PREFIX}{WEIGHTS_SHA256}" / EXPORT_DIR


def read_export(folder: Path) -> Export | None:
    """The record in `folder`, or None if there is none or it cannot be read."""
    try:
        data = json.loads((Path(folder) / RECORD_FILE).read_text(encoding="utf-8"))
        return Export(**{key: str(data[key]) for key in ("onnx_sha256", "weights_sha256", "model", "recipe")},
                      format=str(data.get("format", "1")), tokenizer_sha256=str(data.get("tokenizer_sha256", "")),
                      settings_sha256=str(data.get("settings_sha256", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _hash_or_empty(path: Path) -> str:
    try:
        return file_sha256(path)
    except OSError:
        return ""


def _tokenizer_intact(folder: Path, record: Export) -> bool:
    """The tokenizer files the server reads beside the .onnx still hash as recorded (a truncated
    or edited one would tokenise differently from the build, or fail at start)."""
    return bool(record.tokenizer_sha256) and _hash_or_empty(folder / TOKENIZER_FILE) == record.tokenizer_sha256 \
        and _hash_or_empty(folder / SETTINGS_FILE) == record.settings_sha256


def _intact(folder: Path, record: Export, weights_sha256: str) -> bool:
    return (record.weights_sha256 == weights_sha256 and record.format == EXPORT_FORMAT and _tokenizer_intact(folder, record)
            and (folder / ONNX_FILE).is_file() and file_sha256(folder / ONNX_FILE) == record.onnx_sha256)


def ensure_export(source: Path, folder: Path, name: str, weights_sha256: str, recipe: str) -> Export:
    """The export of the model folder `source` (whose weights must hash to `weights_sha256`) in
    `folder`: the one there if intact and made from these weights, else exported now (seconds;
    imports torch). Two processes never export into the same folder at once."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = open(folder / ".lock", "a")  # noqa: SIM115 (closed by the with below)
    except OSError as exc:
        raise ModelError(f"Cannot write the ONNX export under {folder} ({exc.strerror}). "
                         "Make it writable or set MEDQUOTE_MODEL_DIR to a writable folder, then run `medquote ingest`.") from None
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        record = read_export(folder)
        if record is not None and _intact(folder, record, weights_sha256):
            return record
        from .onnx_export import export_onnx

        actual = file_sha256(Path(source) / WEIGHTS_FILE)
        if actual != weights_sha256:
            raise ModelError(f"The weights in {source} have sha256 {actual}, not {weights_sha256}; not exporting them. Run `medquote ingest`.")
        log.warning("Exporting the encoder %s to ONNX for serving (seconds, once per model).", name)
        try:
            sha = export_onnx(Path(source), folder / ONNX_FILE)
            record = Export(onnx_sha256=sha, weights_sha256=weights_sha256, model=name, recipe=recipe,
                            tokenizer_sha256=file_sha256(folder / TOKENIZER_FILE), settings_sha256=_hash_or_empty(folder / SETTINGS_FILE))
            _write_atomically(folder / RECORD_FILE, json.dumps(asdict(record), indent=2, sort_keys=True) + "\n")
        except OSError as exc:
            raise ModelError(f"Cannot write the ONNX export under {folder} ({exc.strerror}). "
                             "Make it writable or set MEDQUOTE_MODEL_DIR to a writable folder, then run `medquote ingest`.") from None
        return record


def _write_atomically(path: Path, text: str) -> None:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(name, 0o644)
        os.replace(name, path)
    finally:
        Path(name).unlink(missing_ok=True)


def exported_embedder(model: TrainedModel | None, store: Path, threads: int | None = None) -> ExportedEmbedder:
    """The torch embedder of `model` (None: the base model as shipped) with its ONNX export, made
    now if missing or stale (imports torch: the build side only)."""
    embedder = adapted_embedder(model, threads=threads)
    source = model.path if model is not None else model_dir()
    export = ensure_export(source, export_folder(model, store), embedder.name, embedder.weights_sha256, embedder.recipe)
    return ExportedEmbedder(embedder, export, Path(store) / CACHE_DIR)


def served_embedder(model: TrainedModel | None, index_root: Path, store: Path, threads: int | None = None) -> OnnxEmbedder:
    """The ONNX embedder of `model` (None: the base model), the encoder a build would use now
    (models.adapted_model with train=False), for the current index; imports neither torch nor
    transformers. Raises IndexUnavailable (or ModelError for a damaged file) naming `medquote
    ingest` when the index or the export is missing, or the export was made from other weights
    or is not the one the index manifest names. The caller opens the index with it, which checks
    the rest of the manifest (model, weights, recipe, corpus)."""
    _, manifest = read_manifest(Path(index_root))  # IndexUnavailable when there is none
    folder = export_folder(model, Path(store))
    name, weights, recipe = (model.name, model.weights_sha256, model.recipe) if model else (MODEL_NAME, WEIGHTS_SHA256, "none")
    record = read_export(folder)
    if record is None or record.weights_sha256 != weights or record.format != EXPORT_FORMAT:
        raise IndexUnavailable(f"The ONNX export in {folder} is missing or was made from other weights. Run `medquote ingest` to export it again.")
    if manifest.get("onnx_sha256") != record.onnx_sha256:
        raise IndexUnavailable("The index was built with another encoder or another ONNX export of it. Run `medquote ingest` to rebuild.")
    if not _tokenizer_intact(folder, record):
        raise ModelError(f"The tokenizer files of the ONNX export in {folder} are missing or changed. Run `medquote ingest` to export it again.")
    return OnnxEmbedder(folder / ONNX_FILE, folder / TOKENIZER_FILE, record.onnx_sha256, name=name,
                        weights_sha256=weights, recipe=recipe, threads=threads)
