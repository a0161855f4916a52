"""The typed records that leave ingest: source metadata, documents, spans and chunks.

They are defined in the stdlib-only `records` package (so the answer policy can use them
without importing ingest) and re-exported here; this module adds the ingest error.
Offsets are Python string indices into the document's raw text, decoded from UTF-8 exactly as
stored, so `doc.raw[chunk.start:chunk.end] == chunk.text` always holds.
"""

from __future__ import annotations

from records import DOC_KINDS, PART_KINDS, Chunk, ChunkKind, DocKind, Document, MedquoteError, SourceMeta, Span, SpanReason

__all__ = ["DOC_KINDS", "PART_KINDS", "Chunk", "ChunkKind", "DocKind", "Document", "IngestError", "SourceMeta", "Span", "SpanReason"]


class IngestError(MedquoteError):
    """A corpus problem that stops the build. The message names the file and the fix."""
