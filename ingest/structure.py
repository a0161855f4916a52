"""Splits a document's content into blocks that know their section heading and kind of part.

A block is a run of content lines with no blank or boilerplate line between them. Articles
have headings (short lines standing alone); Q&A pages have the patient's question (under its
title line), the doctor's reply and the "More Info" extended answer (with its own headings).
It does not split sentences or size chunks; see chunker.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .boilerplate import Line, split_lines
from .records import Document, Span

BULLETS = ("–", "-", "•", "*", "—", "·")
SENTENCE_INSIDE = re.compile(r"[.!?]\s+\S")


@dataclass(frozen=True)
class Block:
    lines: tuple[Line, ...]
    section: str
    kind: str
    after_break: bool  # a heading or boilerplate line stands before it: never join to the previous block


def is_bullet(text: str) -> bool:
    return text.lstrip().startswith(BULLETS)


def is_heading(text: str) -> bool:
    """A short line that reads like a title: no list bullet, no closing punctuation, one phrase."""
    t = heading_label(text)
    if not t or len(t) > 90 or len(t.split()) > 14 or is_bullet(t):
        return False
    return not t.endswith((".", ",", ";", ":", '"', "”")) and not SENTENCE_INSIDE.search(t)


def heading_label(text: str) -> str:
    # FAQ headings end in a "›" link glyph; the label drops it (still a substring of the source).
    return text.strip().rstrip("›").strip()


def parse_blocks(doc: Document, boilerplate: list[Span]) -> list[Block]:
    reason_at = {}
    for span in boilerplate:
        reason_at[span.start] = span.reason
    excluded = [(s.start, s.end) for s in boilerplate]

    def reason(line: Line) -> str | None:
        if line.start in reason_at:
            return reason_at[line.start]
        return "inside" if any(s < line.end and line.start < e for s, e in excluded) else None

    qa = doc.meta.kind == "qa"
    kind = "question" if qa else "article"
    section = doc.meta.title
    expect_title = qa  # the Q&A question's own title line comes first
    blocks: list[Block] = []
    current: list[Line] = []
    after_break = True
    prev_blank = True

    def flush() -> None:
        nonlocal current, after_break
        if current:
            blocks.append(Block(tuple(current), section, kind, after_break))
            after_break = False
        current = []

    for line in split_lines(doc.raw):
        why = reason(line)
        if why is not None or not line.text.strip():
            flush()
            if why is not None:
                after_break = True
                kind = {"reply-by": "reply", "marker": "more_info", "asked": "between", "replied": "between"}.get(why, kind)
                if why == "marker":
                    section = line.text.strip()
            prev_blank = True
            continue
        starts_block = prev_blank
        prev_blank = False
        if starts_block and expect_title and kind == "question":
            section, expect_title, after_break = heading_label(line.text), False, True
            continue
        if starts_block and kind in ("article", "more_info") and is_heading(line.text):
            flush()
            section, after_break = heading_label(line.text), True
            prev_blank = True  # the next line starts a new block under this heading
            continue
        if kind != "between":
            current.append(line)
    flush()
    return blocks
