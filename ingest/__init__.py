"""ingest: corpus files -> chunks of verbatim text with exact offsets.

Public API:
    read_corpus(dir) -> list[Document]      find_boilerplate(raw) -> list[Span]
    chunk_document(doc) -> list[Chunk]      chunk_corpus(dir) -> (documents, chunks)
    corpus_hashes(dir) -> {file name: sha256}
    Chunk, Document, SourceMeta, Span, IngestError, CHUNKER_VERSION, MAX_CHARS
"""

from __future__ import annotations

from pathlib import Path

from .boilerplate import find_boilerplate
from .chunker import CHUNKER_VERSION, MAX_CHARS, chunk_blocks
from .reader import corpus_hashes, read_corpus
from .records import PART_KINDS, Chunk, Document, IngestError, SourceMeta, Span
from .structure import parse_blocks

__all__ = [
    "CHUNKER_VERSION", "MAX_CHARS", "PART_KINDS", "Chunk", "Document", "IngestError", "SourceMeta", "Span",
    "chunk_corpus", "chunk_document", "corpus_hashes", "find_boilerplate", "read_corpus",
]


def chunk_document(doc: Document) -> list[Chunk]:
    return chunk_blocks(doc, parse_blocks(doc, find_boilerplate(doc.raw)))


def chunk_corpus(corpus_dir: Path | str) -> tuple[list[Document], list[Chunk]]:
    docs = read_corpus(corpus_dir)
    return docs, [chunk for doc in docs for chunk in chunk_document(doc)]
