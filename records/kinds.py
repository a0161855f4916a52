"""The allowed values of the records' kind and reason fields, as StrEnums.

A StrEnum member is a str: it compares, hashes, formats and serialises to JSON exactly as its
value, so files written with these are byte-identical to files written with plain strings,
while a record built with an unknown value is rejected (records/errors.py `member`).
"""

from __future__ import annotations

from enum import StrEnum


class ChunkKind(StrEnum):
    """The kind of part a chunk comes from. Q&A pages have a patient's question, a doctor's reply
    and an extended "More Info" answer; articles have only "article"."""

    ARTICLE = "article"
    QUESTION = "question"
    REPLY = "reply"
    MORE_INFO = "more_info"


class DocKind(StrEnum):
    """The kind of source document (corpus/sources.toml "kind")."""

    ARTICLE = "article"
    QA = "qa"


class SpanReason(StrEnum):
    """Why a span of a document is never quoted (see ingest/boilerplate.py)."""

    NAV = "nav"
    TEASER = "teaser"
    RELATED = "related"
    TRAILER = "trailer"
    TITLE = "title"
    MARKER = "marker"
    CAPTION = "caption"
    ASKED = "asked"
    REPLY_BY = "reply-by"
    REPLIED = "replied"
    DATELINE = "dateline"


PART_KINDS = tuple(k.value for k in ChunkKind)
DOC_KINDS = tuple(k.value for k in DocKind)
# Parts written in reply to another person's question: about their case, not the reader's.
REPLY_PARTS = (ChunkKind.REPLY, ChunkKind.MORE_INFO)
