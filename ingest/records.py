"""The typed records that leave ingest: source metadata, documents, spans and chunks.

Every record is a frozen dataclass. Offsets are Python string indices (Unicode code points)
into the document's raw text, decoded from UTF-8 exactly as stored (no newline translation),
so `doc.raw[chunk.start:chunk.end] == chunk.text` always holds.
"""

from __future__ import annotations

from dataclasses import dataclass

# The kind of part a chunk comes from. Q&A pages have a patient's question, a doctor's reply
# and an extended "More Info" answer; articles have only "article".
PART_KINDS = ("article", "question", "reply", "more_info")
DOC_KINDS = ("article", "qa")


class IngestError(Exception):
    """A corpus problem that stops the build. The message names the file and the fix."""


@dataclass(frozen=True)
class SourceMeta:
    doc_id: str
    title: str
    kind: str  # one of DOC_KINDS
    date: str  # the date as the text itself states it, or "" when it states none


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
    reason: str  # why the span is not quotable, e.g. "nav", "teaser", "trailer"


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    start: int
    end: int
    section: str
    kind: str  # one of PART_KINDS
    text: str

    @property
    def id(self) -> str:
        return f"{self.doc_id}:{self.start}-{self.end}"
