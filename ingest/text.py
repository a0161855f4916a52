"""The text toolkit: sentences, clauses and readability, beside the shared folds and words.

One definition of each, so every layer splits and folds text the same way (all exported by
`ingest`; the folds and words live in records/text.py so the pure answer policy can use them):
- `sentences(text)`: pysbd's sentences, trimmed. `sentence_spans(line)`: their offsets in one
  line, a list item kept whole: the chunker's units. `chunk_sentence_spans(chunk)`: the same
  units inside a chunk, as raw-document offsets (highlights, "quotable" in answers.py).
- `clauses(message)`: a longer chat message cut into sentences and, when long, at commas and
  "but", so one alarming sentence is not diluted by a long story (the semantic safety screen).
- `reading_grade(sentence)`: Flesch-Kincaid grade of one sentence, syllables by pyphen.
It does not decide what answers or is boilerplate (answers.py, boilerplate.py), and the rule
screen's veto clauses (answer/safety.py) are cut differently, on its normalised text, by design.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyphen
import pysbd

from .boilerplate import Line
from .records import Chunk
from .structure import is_bullet


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def sentences(text: str) -> list[str]:
    """The sentences of `text` as pysbd splits it, trimmed, blank ones dropped."""
    return [piece for piece in (s.strip() for s in _segmenter().segment(text)) if piece]


def sentence_spans(line: Line) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of one line, trimmed of surrounding spaces; a list
    item is one unit whatever its punctuation."""
    text = line.text
    if is_bullet(text):
        lead = len(text) - len(text.lstrip())
        return [(line.start + lead, line.start + len(text.rstrip()))]
    spans, cursor = [], 0
    for piece in sentences(text):
        at = text.find(piece, cursor)
        if at < 0:  # pysbd changed the text: keep the rest of the line as one unit
            rest = text[cursor:]
            at, piece = cursor + len(rest) - len(rest.lstrip()), rest.strip()
            if piece:
                spans.append((line.start + at, line.start + at + len(piece)))
            break
        spans.append((line.start + at, line.start + at + len(piece)))
        cursor = at + len(piece)
    return spans


def chunk_sentence_spans(chunk: Chunk) -> list[tuple[int, int]]:
    """Raw-document offsets of the sentences (and list items) the chunker packed into `chunk`."""
    spans, offset = [], chunk.start
    for line in chunk.text.split("\n"):
        if line.strip():
            spans.extend(sentence_spans(Line(offset, offset + len(line), line)))
        offset += len(line) + 1
    return spans


def chunk_sentence_texts(chunk: Chunk) -> list[str]:
    return [chunk.text[s - chunk.start: e - chunk.start] for s, e in chunk_sentence_spans(chunk)]


_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;]*")
_SOFT = re.compile(r",|\bbut\b")
MAX_CLAUSE_WORDS = 14
MIN_CLAUSE_WORDS = 4  # shorter fragments ("off for two months") match anything a little
# Clauses judged at most: a message is at most 1,000 characters (about 20 clauses of real
# writing); past this the first and the last halves are kept, since a long post often tells
# what is happening now at its end (with the first 12 alone, a calm post of 14 sentences ending
# "... and now she is not breathing" lost its last sentence). Each clause is one encoder row.
MAX_CLAUSES = 24


def clauses(message: str) -> list[str]:
    """The sentences of a longer message, long ones cut again at commas and "but".
    [] for a message of one short sentence: the whole-message vector already covers it."""
    parts: list[str] = []
    for sent in (m.group(0).strip() for m in _SENTENCE.finditer(message)):
        pieces = _SOFT.split(sent) if len(sent.split()) > MAX_CLAUSE_WORDS else [sent]
        merged: list[str] = []
        for piece in (p.strip() for p in pieces if p.strip()):
            if merged and len(merged[-1].split()) < MIN_CLAUSE_WORDS:
                merged[-1] = f"{merged[-1]} {piece}"  # a fragment joins the piece after it
            else:
                merged.append(piece)
        parts.extend(p for p in merged if len(p.split()) >= 3)
    if len(parts) <= 1:
        return []
    return parts if len(parts) <= MAX_CLAUSES else parts[:MAX_CLAUSES // 2] + parts[-(MAX_CLAUSES // 2):]


@lru_cache(maxsize=1)
def _hyphenator() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="en_US")


def reading_grade(sentence: str) -> float:
    """Flesch-Kincaid grade of one sentence, syllables by pyphen (as textstat counts them offline)."""
    words = sentence.split()
    if not words:
        return 0.0
    bare = [re.sub(r"[^\w]", "", w).casefold() for w in words]  # textstat drops punctuation, hyphens too
    syllables = sum(len(_hyphenator().positions(w)) + 1 for w in bare)
    return 0.39 * len(words) + 11.8 * syllables / len(words) - 15.59
