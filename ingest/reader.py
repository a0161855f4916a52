"""Reads the corpus folder: each `.txt`/`.md` document plus its entry in `sources.toml`.

It decodes bytes as UTF-8 without translating newlines, so offsets match the file exactly.
It does not split or judge the text. Any problem raises IngestError naming the file and
the fix; the caller keeps the previous index in place.
"""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

from .records import DOC_KINDS, Document, IngestError, SourceMeta

DOC_SUFFIXES = (".txt", ".md")
METADATA_FILE = "sources.toml"


def read_metadata(corpus_dir: Path) -> dict[str, SourceMeta]:
    path = corpus_dir / METADATA_FILE
    if not path.is_file():
        raise IngestError(f"{path} is missing. Add it with one [documents.<file stem>] entry per document.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise IngestError(f"{path} is not valid TOML: {exc}") from None
    metas = {}
    for doc_id, entry in data.get("documents", {}).items():
        title, kind = entry.get("title"), entry.get("kind")
        if not isinstance(title, str) or not title.strip():
            raise IngestError(f"{path}: [documents.{doc_id}] needs a non-empty title.")
        if kind not in DOC_KINDS:
            raise IngestError(f"{path}: [documents.{doc_id}] kind must be one of {', '.join(DOC_KINDS)}.")
        metas[doc_id] = SourceMeta(doc_id=doc_id, title=title.strip(), kind=kind, date=str(entry.get("date", "")))
    return metas


def document_paths(corpus_dir: Path) -> list[Path]:
    """Document files in a stable order (by file name)."""
    if not corpus_dir.is_dir():
        raise IngestError(f"The corpus folder {corpus_dir} does not exist or is not a folder. "
                          "Set MEDQUOTE_CORPUS to the folder holding the documents (default: corpus/ in the repository).")
    return sorted(p for p in corpus_dir.iterdir() if p.is_file() and p.suffix in DOC_SUFFIXES)


def read_document(path: Path, meta: SourceMeta) -> Document:
    data = path.read_bytes()
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{path} is not valid UTF-8 (bad byte at offset {exc.start}). "
            "Save it as UTF-8 or remove it, then run `medquote ingest`."
        ) from None
    if not raw.strip():
        raise IngestError(f"{path} is empty. Add its text or remove it, then run `medquote ingest`.")
    return Document(doc_id=path.stem, path=str(path), raw=raw, sha256=hashlib.sha256(data).hexdigest(), meta=meta)


def read_corpus(corpus_dir: Path | str) -> list[Document]:
    corpus_dir = Path(corpus_dir)
    paths = document_paths(corpus_dir)  # a missing folder: the message that names MEDQUOTE_CORPUS
    metas = read_metadata(corpus_dir)
    if not paths:
        raise IngestError(f"{corpus_dir} holds no .txt or .md documents.")
    stems = [p.stem for p in paths]
    if len(set(stems)) != len(stems):
        raise IngestError(f"{corpus_dir} has two documents with the same file stem; ids must be unique.")
    for path in paths:
        if path.stem not in metas:
            raise IngestError(
                f"{path} has no entry in {corpus_dir / METADATA_FILE}. "
                f"Add [documents.{path.stem}] with a title and kind, then run `medquote ingest`."
            )
    missing = sorted(set(metas) - set(stems))
    if missing:
        raise IngestError(f"{corpus_dir / METADATA_FILE} lists {', '.join(missing)} but no such file is in {corpus_dir}.")
    return [read_document(p, metas[p.stem]) for p in paths]


def corpus_hashes(corpus_dir: Path | str) -> dict[str, str]:
    """sha256 of every document file plus the metadata file, without decoding: cheap staleness check."""
    corpus_dir = Path(corpus_dir)
    paths = document_paths(corpus_dir) + [corpus_dir / METADATA_FILE]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}
