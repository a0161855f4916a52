"""Sentence units inside chunks: the `sentence` score feature's and the highlighter's grain.

Each chunk is split into the same sentences (and list items) the chunker packed into it, as
absolute offsets into the raw document, so a highlighted sentence is always an exact
sub-span of its quote. It does not embed or score; see search.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest import Chunk, chunk_sentence_spans, non_answer, speaks_to_asker
from records import REPLY_PARTS


@dataclass(frozen=True)
class Sentence:
    chunk: int  # position of the chunk in the index's chunk list
    start: int
    end: int
    answers: bool = True  # False for a question, greeting, sign-off, transition or list header (never highlighted)
    to_asker: bool = False  # a reply's sentence about the original asker's own case (never highlighted)


def chunk_sentences(chunk: Chunk, position: int) -> list[Sentence]:
    out = []
    for s, e in chunk_sentence_spans(chunk):
        text = chunk.text[s - chunk.start: e - chunk.start]
        to_asker = chunk.kind in REPLY_PARTS and speaks_to_asker(text)
        out.append(Sentence(position, s, e, non_answer(text) is None, to_asker))
    return out


def all_sentences(chunks: list[Chunk]) -> list[Sentence]:
    return [s for i, c in enumerate(chunks) for s in chunk_sentences(c, i)]


def sentence_text(chunk: Chunk, sentence: Sentence) -> str:
    return chunk.text[sentence.start - chunk.start: sentence.end - chunk.start]
