"""Turns blocks into chunks of whole sentences, at most about MAX_CHARS characters each.

A list (an intro line ending in ":" and the bullet lines after it) stays together with its
intro; prose paragraphs are chunked on their own. Sentences come from pysbd (text.py
`sentence_spans`: a list item stays whole) and are located back in the raw text, so every
chunk is an exact slice: `raw[start:end] == text`. A single sentence longer than MAX_CHARS
becomes one chunk (it is never cut mid-sentence).
It does not decide what is boilerplate or where sections start; see boilerplate/structure.
"""

from __future__ import annotations

import math

from .records import Chunk, ChunkKind, Document
from .structure import Block, is_bullet
from .text import sentence_spans

MAX_CHARS = 600
# Bump when chunk boundaries can change: the index manifest records it, so old indexes rebuild.
CHUNKER_VERSION = f"4-max{MAX_CHARS}"


def group_blocks(blocks: list[Block]) -> list[list[Block]]:
    """Join each list's bullet blocks to the intro block before them, within one section."""
    groups: list[list[Block]] = []
    for block in blocks:
        bullets = all(is_bullet(ln.text) for ln in block.lines)
        prev = groups[-1] if groups else None
        joins = (
            prev is not None
            and not block.after_break
            and bullets
            and (prev[-1].lines[-1].text.rstrip().endswith(":") or all(is_bullet(ln.text) for ln in prev[-1].lines))
        )
        if joins and prev is not None:
            prev.append(block)
        else:
            groups.append([block])
    return groups


def pack(units: list[tuple[int, int]], limit: int = MAX_CHARS) -> list[tuple[int, int]]:
    """Consecutive units into pieces of about equal length, none over `limit` unless one unit is."""
    if not units:
        return []
    total = units[-1][1] - units[0][0]
    target = total / math.ceil(total / limit)
    pieces, start, end = [], units[0][0], units[0][1]
    for s, e in units[1:]:
        if e - start > limit or end - start >= target:
            pieces.append((start, end))
            start = s
        end = e
    pieces.append((start, end))
    return pieces


def chunk_blocks(doc: Document, blocks: list[Block]) -> list[Chunk]:
    chunks = []
    for group in group_blocks(blocks):
        units = [span for block in group for line in block.lines for span in sentence_spans(line)]
        for start, end in pack(units):
            head = group[0]
            chunks.append(Chunk(doc.doc_id, start, end, head.section, ChunkKind(head.kind), doc.raw[start:end]))
    return chunks
