"""records: the typed, frozen records that cross every boundary, and the one error root.

Stdlib only, at the bottom of the import graph: ingest, index, answer, medquote, web and
evaluation all import from here, and this package imports none of them (pyproject's
import-linter contracts check it). It holds data shapes and their allowed values, and no logic
but the text primitives every layer shares (text.py: fold, words, collapse; the answer policy
imports them from `records.text`, the layers above ingest from `ingest`).

Public API:
    Chunk, Document, SourceMeta, Span                 (corpus.py: what ingest produces)
    Hit, Quote, Reply, SafetyFlags, AnswerObject      (answer.py: what retrieval and the policy produce)
    ChunkKind, DocKind, SpanReason, PART_KINDS, DOC_KINDS, REPLY_PARTS   (kinds.py)
    MedquoteError, UnknownValue                       (errors.py)
"""

from .answer import RANKED_SHOWN, AnswerObject, Hit, Passage, Quote, QuotedPassage, RankedPassage, Reply, SafetyFlags
from .corpus import Chunk, Document, SourceMeta, Span
from .errors import MedquoteError, UnknownValue, member
from .kinds import DOC_KINDS, PART_KINDS, REPLY_PARTS, ChunkKind, DocKind, SpanReason

__all__ = [
    "DOC_KINDS", "PART_KINDS", "RANKED_SHOWN", "REPLY_PARTS", "AnswerObject", "Chunk", "ChunkKind", "DocKind", "Document",
    "Hit", "MedquoteError", "Passage", "Quote", "QuotedPassage", "RankedPassage", "Reply", "SafetyFlags", "SourceMeta", "Span",
    "SpanReason", "UnknownValue", "member",
]
