"""The built index as a folder of plain files, written atomically and checked before use.

Layout under the index root:  builds/<id>/{vectors.faiss, chunks.jsonl, sentences.jsonl,
sentence_vectors.npy, hubness.npy, bank.jsonl, bank_vectors.npy, query_adapter.npy (with a bank),
exemplars.jsonl, exemplar_vectors.npy, safety_head.npy, safety_branch.onnx and safety_branch.json (with a
real encoder: safety_branch.py), followup_vectors.npy (with reviewed follow-ups),
passage_tokens.npy and passage_token_offsets.npy (with a real encoder: coverage.py), followup_head.npy
(with one and reviewed follow-ups: followup_head.py), bm25/*, embed_keys.npy, manifest.json}
and `current`, a symlink to the build being served. A build is written to a temp folder and only
then swapped in with one atomic rename of the symlink, so a crash mid-build leaves the previous
index untouched. Loading compares the manifest with the corpus, the embedder and
every file's sha256: a stale, mismatched or damaged index raises IndexUnavailable, never loads.
It does not chunk or embed; see build.py.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import faiss
import numpy as np

from ingest import Chunk
from records import MedquoteError

from .embedder import file_sha256
from .lexical import Lexical
from .questions import BankQuestion
from .reuse import KEY_BYTES
from .screen import Exemplar
from .sentences import Sentence

FORMAT_VERSION = 8  # 8: safety_branch.onnx (index/safety_branch.py); 7: safety_head.npy, the safety classifier (index/safety_model.py); 6: onnx_sha256
T = TypeVar("T")


@dataclass(frozen=True)
class Artifacts:
    """Everything a build holds, in memory."""

    dense: faiss.Index  # one normalised vector per chunk
    chunks: list[Chunk]
    sentences: list[Sentence]
    sentence_vectors: np.ndarray  # one normalised vector per sentence
    lexical: Lexical
    hubness: np.ndarray  # one value per chunk, see hubness.py
    bank: list[BankQuestion]  # reviewed questions with their anchors, see questions.py
    bank_vectors: np.ndarray  # one normalised vector per bank question
    exemplars: list[Exemplar]  # the safety screen's reviewed messages, see screen.py
    exemplar_vectors: np.ndarray  # one normalised vector per exemplar
    safety_head: np.ndarray  # the safety classifier fitted on them, (3, dim + 1): see safety_model.py
    # sha256 of the exact text behind every vector (chunks, sentences, bank, exemplars), for
    # reuse by the next build (reuse.py); None in builds made before it was stored.
    embed_keys: np.ndarray | None = None
    query_adapter: np.ndarray | None = None  # (dim, dim), see adapter.py; None without a bank
    # The bank's reviewed follow-ups, each (earlier message, follow-up) as two rows, for fitting
    # the adapter and for reuse; None without any (questions.bank_followups).
    followup_vectors: np.ndarray | None = None
    # The trained safety branch as ONNX bytes and the sha256 of what it was trained from
    # (safety_branch.branch_key, for reuse by the next build); None with the fake encoder.
    safety_branch: bytes | None = None
    safety_branch_key: str = ""
    # Whether a message leans on the earlier one (followup_head.py), (dim + 4,); and every
    # passage's trunk states, token by token without [CLS]/[SEP], normalised, float16, with the
    # offsets of each chunk's rows (n + 1,) for the uncovered-word feature (coverage.py). None
    # with the fake encoder (the head also without reviewed follow-ups).
    followup_head: np.ndarray | None = None
    passage_tokens: np.ndarray | None = None
    passage_token_offsets: np.ndarray | None = None


def _reader_consistent(art: Artifacts, dim: int, recipe: str) -> bool:
    """The passage tokens are there exactly when the manifest names the reader (the follow-up head
    too, unless the bank has no follow-ups), with the shapes it needs: one offset per chunk and one
    more, rising to the rows."""
    head, tokens, offsets = art.followup_head, art.passage_tokens, art.passage_token_offsets
    if not recipe:
        return head is None and tokens is None and offsets is None
    if tokens is None or offsets is None:
        return False
    return ((head is None or head.shape == (dim + 4,)) and tokens.ndim == 2 and tokens.shape[1] == dim
            and offsets.shape == (len(art.chunks) + 1,) and offsets[0] == 0 and offsets[-1] == len(tokens)
            and bool(np.all(np.diff(offsets) >= 0)))


def _rows(vectors: np.ndarray | None) -> int:
    return 0 if vectors is None else len(vectors)


class IndexUnavailable(MedquoteError):
    """No index can be served. The message says why and what to run."""


@dataclass(frozen=True)
class Manifest:
    format_version: int
    model: str
    weights_sha256: str
    dim: int
    recipe: str  # how the encoder was trained ("none" for a model used as shipped), see train.py
    chunker_version: str
    embed_version: str
    documents: dict[str, str]  # corpus file name -> sha256
    chunk_count: int
    files: dict[str, str]  # index file name -> sha256
    onnx_sha256: str = ""  # the encoder's ONNX export the server runs ("" when none was made), see serving.py
    adapter: str = ""  # adapter.RECIPE, the query adapter's recipe ("" in builds before it)
    safety_branch: str = ""  # safety_branch.RECIPE.version when the build trains one ("" for the fake encoder)
    followup_reader: str = ""  # build.FOLLOWUP_READER when the build stores passage tokens (a real encoder)


def _sha(path: Path) -> str:
    return file_sha256(path)  # in blocks: at 1M chunks the vectors file is 1.5 GB


def _data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json")


def _write_jsonl(path: Path, rows: Iterable[Any]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")


def write_build(root: Path, manifest: Manifest, art: Artifacts) -> Path:
    """Write a complete build next to the served one, then swap `current` to it atomically."""
    builds = root / "builds"
    try:
        builds.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="tmp-", dir=builds))
        tmp.chmod(0o755)  # mkdtemp makes it private; a server running as another user must read it
    except OSError as exc:
        raise IndexUnavailable(
            f"Cannot write the index under {root} ({exc.strerror}). "
            "Make the folder writable or set MEDQUOTE_INDEX_DIR to a writable folder, then run `medquote ingest`."
        ) from None
    try:
        try:
            faiss.write_index(art.dense, str(tmp / "vectors.faiss"))
        except RuntimeError as exc:  # faiss reports a full disk or an I/O error so, not as OSError
            raise OSError(errno.EIO, "could not write vectors.faiss: " + str(exc).strip().splitlines()[-1]) from None
        _write_jsonl(tmp / "chunks.jsonl", art.chunks)
        _write_jsonl(tmp / "sentences.jsonl", art.sentences)
        np.save(tmp / "sentence_vectors.npy", art.sentence_vectors, allow_pickle=False)
        np.save(tmp / "hubness.npy", art.hubness, allow_pickle=False)
        _write_jsonl(tmp / "bank.jsonl", art.bank)
        np.save(tmp / "bank_vectors.npy", art.bank_vectors, allow_pickle=False)
        _write_jsonl(tmp / "exemplars.jsonl", art.exemplars)
        np.save(tmp / "exemplar_vectors.npy", art.exemplar_vectors, allow_pickle=False)
        np.save(tmp / "safety_head.npy", art.safety_head, allow_pickle=False)
        if art.embed_keys is not None:
            np.save(tmp / "embed_keys.npy", art.embed_keys, allow_pickle=False)
        if art.query_adapter is not None:
            np.save(tmp / "query_adapter.npy", art.query_adapter, allow_pickle=False)
        if art.followup_vectors is not None:
            np.save(tmp / "followup_vectors.npy", art.followup_vectors, allow_pickle=False)
        if art.safety_branch is not None:
            (tmp / "safety_branch.onnx").write_bytes(art.safety_branch)
            (tmp / "safety_branch.json").write_text(json.dumps({"key": art.safety_branch_key}) + "\n", encoding="utf-8")
        for name in ("followup_head", "passage_tokens", "passage_token_offsets"):
            if getattr(art, name) is not None:
                np.save(tmp / f"{name}.npy", getattr(art, name), allow_pickle=False)
        (tmp / "bm25").mkdir()
        art.lexical.save(tmp / "bm25")
        files = {str(p.relative_to(tmp)): _sha(p) for p in _data_files(tmp)}
        final = {**asdict(manifest), "files": files}
        (tmp / "manifest.json").write_text(json.dumps(final, indent=2, sort_keys=True), encoding="utf-8")
        for path in [*_data_files(tmp), tmp / "manifest.json"]:
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
        done = builds / tmp.name.replace("tmp-", "build-", 1)
        os.rename(tmp, done)
        tmp = done  # from here on, a failure must remove the finished but unswapped build
        link = root / f".current-{os.getpid()}"
        if link.is_symlink():
            link.unlink()
        os.symlink(Path("builds") / done.name, link)
        os.replace(link, root / "current")  # the one atomic step that switches what is served
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise IndexUnavailable(
            f"Cannot write the index under {root} ({exc.strerror}). "
            "Make the folder writable or set MEDQUOTE_INDEX_DIR to a writable folder, then run `medquote ingest`."
        ) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(builds, keep=done.name)
    return done


def _prune(builds: Path, keep: str) -> None:
    # Runs under the build lock, so temp folders and links left here are from killed builds.
    for old in builds.iterdir():
        if old.name != keep and old.name.startswith(("build-", "tmp-")):
            shutil.rmtree(old, ignore_errors=True)
    for link in builds.parent.glob(".current-*"):
        if link.is_symlink():
            link.unlink(missing_ok=True)


def read_manifest(root: Path) -> tuple[Path, dict[str, Any]]:
    current = root / "current"
    if not current.exists():
        raise IndexUnavailable(f"No index found in {root}. Run `medquote ingest` to build it.")
    path = current.resolve()
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexUnavailable(f"The index manifest in {path} is unreadable ({exc}). Run `medquote ingest` to rebuild.") from None
    # Valid JSON of the wrong shape is as unusable as broken JSON: say so, never crash later.
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict) or not isinstance(manifest.get("chunk_count"), int):
        raise IndexUnavailable(f"The index manifest in {path} is not a medquote manifest. Run `medquote ingest` to rebuild.")
    return path, manifest


SERVED_KEYS = ("format_version", "model", "weights_sha256", "dim", "recipe", "chunker_version", "embed_version", "documents", "adapter",
               "safety_branch", "followup_reader")


def check_manifest(found: dict[str, Any], expected: Manifest, keys: tuple[str, ...] = SERVED_KEYS) -> None:
    """Raise IndexUnavailable naming the first of `keys` that does not match."""
    want = asdict(expected)
    for key in keys:
        if found.get(key) != want[key]:
            what = "the corpus has changed" if key == "documents" else f"its {key} differs"
            raise IndexUnavailable(f"The index is stale: {what}. Run `medquote ingest` to rebuild.")


def _read_jsonl(path: Path, kind: Callable[..., T]) -> list[T]:
    with open(path, encoding="utf-8") as fh:
        return [kind(**json.loads(line)) for line in fh]


def _optional(path: Path, name: str, files: dict[str, str]) -> np.ndarray | None:
    return np.load(path / f"{name}.npy", allow_pickle=False) if f"{name}.npy" in files else None


def load_build(root: Path, expected: Manifest, keys: tuple[str, ...] = SERVED_KEYS) -> Artifacts:
    """The current build, checked against `expected` on `keys` (all of them to serve it) and
    against its own manifest's file hashes."""
    path, manifest = read_manifest(root)
    check_manifest(manifest, expected, keys)
    files = manifest.get("files") or {}
    present = {str(p.relative_to(path)) for p in _data_files(path)}
    for name in sorted(set(files) | present | {"vectors.faiss", "chunks.jsonl"}):
        file = path / name
        if not file.is_file() or _sha(file) != files.get(name):
            raise IndexUnavailable(f"Index file {file} is missing, unexpected or damaged. Run `medquote ingest` to rebuild.")
    try:
        art = Artifacts(
            dense=faiss.read_index(str(path / "vectors.faiss")),
            chunks=_read_jsonl(path / "chunks.jsonl", Chunk),
            sentences=_read_jsonl(path / "sentences.jsonl", Sentence),
            sentence_vectors=np.load(path / "sentence_vectors.npy", allow_pickle=False),
            lexical=Lexical.load(path / "bm25"),
            hubness=np.load(path / "hubness.npy", allow_pickle=False),
            bank=_read_jsonl(path / "bank.jsonl", BankQuestion),
            bank_vectors=np.load(path / "bank_vectors.npy", allow_pickle=False),
            exemplars=_read_jsonl(path / "exemplars.jsonl", Exemplar),
            exemplar_vectors=np.load(path / "exemplar_vectors.npy", allow_pickle=False),
            safety_head=np.load(path / "safety_head.npy", allow_pickle=False),
            embed_keys=np.load(path / "embed_keys.npy", allow_pickle=False) if "embed_keys.npy" in files else None,
            query_adapter=np.load(path / "query_adapter.npy", allow_pickle=False) if "query_adapter.npy" in files else None,
            followup_vectors=np.load(path / "followup_vectors.npy", allow_pickle=False) if "followup_vectors.npy" in files else None,
            safety_branch=(path / "safety_branch.onnx").read_bytes() if "safety_branch.onnx" in files else None,
            safety_branch_key=json.loads((path / "safety_branch.json").read_text(encoding="utf-8"))["key"] if "safety_branch.json" in files else "",
            followup_head=_optional(path, "followup_head", files),
            passage_tokens=_optional(path, "passage_tokens", files),
            passage_token_offsets=_optional(path, "passage_token_offsets", files),
        )
    except Exception as exc:  # faiss raises RuntimeError, json ValueError, dataclasses TypeError
        raise IndexUnavailable(f"Index in {path} cannot be read ({exc}). Run `medquote ingest` to rebuild.") from None
    n = len(art.chunks)
    if (n != manifest["chunk_count"] or art.dense.ntotal != n or art.dense.d != expected.dim
            or art.sentence_vectors.shape != (len(art.sentences), expected.dim) or art.hubness.shape != (n,)
            or art.bank_vectors.shape != (len(art.bank), expected.dim) or any(not 0 <= q.chunk < n for q in art.bank)
            or art.exemplar_vectors.shape != (len(art.exemplars), expected.dim)
            or art.safety_head.shape != (3, expected.dim + 1)
            or (art.safety_branch is None) != (manifest.get("safety_branch", "") == "")
            or (art.query_adapter is not None and art.query_adapter.shape != (expected.dim, expected.dim))
            or (art.followup_vectors is not None and (art.followup_vectors.ndim != 2 or art.followup_vectors.shape[1] != expected.dim))
            or not _reader_consistent(art, expected.dim, manifest.get("followup_reader", ""))
            or (art.embed_keys is not None and art.embed_keys.shape != (n + len(art.sentences) + len(art.bank) + len(art.exemplars)
                                                                     + _rows(art.followup_vectors), KEY_BYTES))):
        raise IndexUnavailable(f"Index in {path} is inconsistent. Run `medquote ingest` to rebuild.")
    return art
