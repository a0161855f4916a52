"""The records that leave ingest: source metadata, documents, spans and chunks.

Every record is a frozen dataclass. Offsets are Python string indices (Unicode code points)
into the document's raw text, decoded from UTF-8 exactly as stored (no newline translation),
so `doc.raw[chunk.start:chunk.end] == chunk.text` always holds. Kind and reason fields are
StrEnums; a plain string is accepted (a record read back from JSON) and checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import member
from .kinds import ChunkKind, DocKind, SpanReason


@dataclass(frozen=True)
class SourceMeta:
    doc_id: str
    title: str
    kind: DocKind
    date: str  # the date as the text itself states it, or "" when it states none

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", member(DocKind, self.kind, "document kind"))


@dataclass(frozen=True)
class Document:
    doc_id: str
    path: str
    raw: str
    sha256: str  # of the file's bytes
    meta: SourceMeta


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    reason: SpanReason  # why the span is not quotable

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", member(SpanReason, self.reason, "boilerplate reason"))


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    start: int
    end: int
    section: str
    kind: ChunkKind
    text: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", member(ChunkKind, self.kind, "chunk kind"))

    @property
    def id(self) -> str:
        return f"{self.doc_id}:{self.start}-{self.end}"
