"""ingest: corpus files -> chunks of verbatim text with exact offsets; the question bank; the text toolkit.

Its modules are private (an import-linter contract in pyproject.toml): every other package uses
these names.

Public API:
    read_corpus(dir) -> list[Document]      find_boilerplate(raw) -> list[Span]
    chunk_document(doc) -> list[Chunk]      chunk_corpus(dir) -> (documents, chunks)
    corpus_hashes(dir) -> {file name: sha256}   read_metadata(dir) -> {doc id: SourceMeta}
    Chunk, Document, SourceMeta, Span, IngestError, CHUNKER_VERSION, MAX_CHARS, PART_KINDS
  The question bank (bank.py):
    load_bank(dir, docs, chunks) -> list[Anchor]   bank_report(...) -> (anchors, problems)
    bank_paths(dir), bank_hashes(dir), Anchor, BankError, MIN_QUESTIONS
  Reviewed TOML files (reviewed.py): load_reviewed(path, model, error, unit), file_hashes(paths, prefix)
  What answers (answers.py):
    quotable(chunk), answers_nothing(chunk, sentences), non_answer(sentence), speaks_to_asker(sentence),
    general_form(question), VERDICT_PHRASES
  Follow-ups (followup.py): needs_context(message): a message that only makes sense after the previous one
  The text toolkit (text.py, records/text.py, frequencies.py):
    fold(text), fold_nfkc(text), words(text), bare_words(text), collapse(text), WORD
    sentences(text), chunk_sentence_spans(chunk), clauses(message), reading_grade(sentence)
    zipf(word, lang) (wordfreq's Zipf value, 0.0 below ZIPF_FLOORS[lang]), ZIPF_LANGUAGES, ZIPF_FLOORS
"""

from __future__ import annotations

from pathlib import Path

from records.text import WORD, bare_words, collapse, fold, fold_nfkc, words

from .answers import VERDICT_PHRASES, answers_nothing, general_form, non_answer, quotable, speaks_to_asker
from .bank import MIN_QUESTIONS, Anchor, BankError, bank_hashes, bank_paths, bank_report, load_bank
from .boilerplate import find_boilerplate
from .chunker import CHUNKER_VERSION, MAX_CHARS, chunk_blocks
from .followup import needs_context
from .frequencies import FLOORS as ZIPF_FLOORS
from .frequencies import LANGUAGES as ZIPF_LANGUAGES
from .frequencies import zipf
from .reader import corpus_hashes, read_corpus, read_metadata
from .records import PART_KINDS, Chunk, Document, IngestError, SourceMeta, Span
from .reviewed import file_hashes, load_reviewed
from .structure import parse_blocks
from .text import chunk_sentence_spans, clauses, reading_grade, sentences

__all__ = [
    "CHUNKER_VERSION", "MAX_CHARS", "PART_KINDS", "Chunk", "Document", "IngestError", "SourceMeta", "Span",
    "chunk_corpus", "chunk_document", "corpus_hashes", "find_boilerplate", "read_corpus", "read_metadata",
    "MIN_QUESTIONS", "Anchor", "BankError", "bank_hashes", "bank_paths", "bank_report", "load_bank",
    "VERDICT_PHRASES", "answers_nothing", "general_form", "non_answer", "quotable", "speaks_to_asker",
    "WORD", "ZIPF_FLOORS", "ZIPF_LANGUAGES", "bare_words", "chunk_sentence_spans", "clauses", "collapse", "fold", "fold_nfkc",
    "reading_grade", "sentences", "words", "zipf", "file_hashes", "load_reviewed", "needs_context",
]


def chunk_document(doc: Document) -> list[Chunk]:
    return chunk_blocks(doc, parse_blocks(doc, find_boilerplate(doc.raw)))


def chunk_corpus(corpus_dir: Path | str) -> tuple[list[Document], list[Chunk]]:
    docs = read_corpus(corpus_dir)
    return docs, [chunk for doc in docs for chunk in chunk_document(doc)]
