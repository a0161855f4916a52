"""The built index as a folder of plain files, written atomically and checked before use.

Layout under the index root:  builds/<id>/{vectors.faiss, chunks.jsonl, manifest.json}
and `current`, a symlink to the build being served. A build is written to a temp folder and
only then swapped in with one atomic rename of the symlink, so a crash mid-build leaves the
previous index untouched. Loading compares the manifest with the corpus, the embedder and
every file's sha256: a stale, mismatched or damaged index raises IndexUnavailable, never loads.
It does not chunk or embed; see build.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np

from ingest import Chunk

from .faiss_index import make_index

FORMAT_VERSION = 1
FILES = ("vectors.faiss", "chunks.jsonl")


class IndexUnavailable(Exception):
    """No index can be served. The message says why and what to run."""


@dataclass(frozen=True)
class Manifest:
    format_version: int
    model: str
    weights_sha256: str
    dim: int
    chunker_version: str
    embed_version: str
    documents: dict  # corpus file name -> sha256
    chunk_count: int
    files: dict  # index file name -> sha256


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_build(root: Path, manifest: Manifest, vectors: np.ndarray, chunks: list[Chunk]) -> Path:
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
        index = make_index(vectors)
        faiss.write_index(index, str(tmp / "vectors.faiss"))
        with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")
        files = {name: _sha(tmp / name) for name in FILES}
        final = {**asdict(manifest), "files": files}
        (tmp / "manifest.json").write_text(json.dumps(final, indent=2, sort_keys=True), encoding="utf-8")
        for name in (*FILES, "manifest.json"):
            with open(tmp / name, "rb") as fh:
                os.fsync(fh.fileno())
        done = builds / tmp.name.replace("tmp-", "build-", 1)
        os.rename(tmp, done)
        link = root / f".current-{os.getpid()}"
        if link.is_symlink():
            link.unlink()
        os.symlink(Path("builds") / done.name, link)
        os.replace(link, root / "current")  # the one atomic step that switches what is served
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(builds, keep=done.name)
    return done


def _prune(builds: Path, keep: str) -> None:
    for old in builds.iterdir():
        if old.name != keep and old.name.startswith("build-"):
            shutil.rmtree(old, ignore_errors=True)


def read_manifest(root: Path) -> tuple[Path, dict]:
    current = root / "current"
    if not current.exists():
        raise IndexUnavailable(f"No index found in {root}. Run `medquote ingest` to build it.")
    path = current.resolve()
    try:
        return path, json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexUnavailable(f"The index manifest in {path} is unreadable ({exc}). Run `medquote ingest` to rebuild.") from None


def check_manifest(found: dict, expected: Manifest) -> None:
    """Raise IndexUnavailable naming the first field that does not match."""
    want = asdict(expected)
    for key in ("format_version", "model", "weights_sha256", "dim", "chunker_version", "embed_version", "documents"):
        if found.get(key) != want[key]:
            what = "the corpus has changed" if key == "documents" else f"its {key} differs"
            raise IndexUnavailable(f"The index is stale: {what}. Run `medquote ingest` to rebuild.")


def load_build(root: Path, expected: Manifest) -> tuple[faiss.Index, list[Chunk]]:
    path, manifest = read_manifest(root)
    check_manifest(manifest, expected)
    for name in FILES:
        file = path / name
        if not file.is_file() or _sha(file) != manifest.get("files", {}).get(name):
            raise IndexUnavailable(f"Index file {file} is missing or damaged. Run `medquote ingest` to rebuild.")
    try:
        index = faiss.read_index(str(path / "vectors.faiss"))
        with open(path / "chunks.jsonl", encoding="utf-8") as fh:
            chunks = [Chunk(**json.loads(line)) for line in fh]
    except Exception as exc:  # faiss raises RuntimeError, json ValueError, Chunk TypeError
        raise IndexUnavailable(f"Index in {path} cannot be read ({exc}). Run `medquote ingest` to rebuild.") from None
    if len(chunks) != manifest["chunk_count"] or index.ntotal != len(chunks) or index.d != expected.dim:
        raise IndexUnavailable(f"Index in {path} is inconsistent. Run `medquote ingest` to rebuild.")
    return index, chunks
