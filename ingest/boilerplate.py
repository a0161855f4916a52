"""Finds the spans of a document that must never be indexed or quoted, without altering text.

Rules are generic line patterns (not per-document offsets), so a new page from the same
sites is handled the same way: site navigation, "Similar Q&A" teasers, "Related FAQ" lists,
image-caption stubs and repeated titles, ask/reply bylines, bare date lines, and the
references/author trailer (which holds a person's name, address and phone).
It does not find headings or sentences; see structure.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .records import Span, SpanReason

NAV_LINES = {"skip to content", "share to:"}
# A block that starts at one of these lines runs to the end of the document: these sites put
# teasers, link lists and author details after the content, and nothing after them is content.
TAIL_BLOCKS = {
    "similar q&a": SpanReason.TEASER,
    "related faq": SpanReason.RELATED,
    "references": SpanReason.TRAILER,
    "top articles": SpanReason.TRAILER,
    "latest posts": SpanReason.TRAILER,
    "article information": SpanReason.TRAILER,
    "author information": SpanReason.TRAILER,
}
# Q&A bylines. The reasons double as structure markers: the asker line ends the patient's
# question, the "Dr. X reply Dept" line starts the doctor's reply, "Reply Date:" ends it.
BYLINES = (
    (SpanReason.ASKED, re.compile(r"\bAsk Date:\s*\d{4}/\d{1,2}/\d{1,2}$")),
    (SpanReason.REPLY_BY, re.compile(r"^Dr\. [^.]{1,60} reply [A-Z][\w ]{0,40}$")),
    (SpanReason.REPLIED, re.compile(r"^Reply Date:")),
)
DATELINE = re.compile(r"^[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}$")
MARKER_LINES = {"more info"}  # structural markers: used by structure.py, never quoted
TRAILING_PAREN = re.compile(r"\s*\((?:\d{1,4})\)\s*$")


@dataclass(frozen=True)
class Line:
    start: int
    end: int  # excludes the line break
    text: str


def split_lines(raw: str) -> list[Line]:
    lines = []
    for match in re.finditer(r"[^\r\n]*(?:\r\n|\r|\n|$)", raw):
        body = match.group(0).rstrip("\r\n")
        if match.start() == len(raw) and not body:
            break
        lines.append(Line(match.start(), match.start() + len(body), body))
    return lines


def _title_key(text: str) -> str:
    """A title without a trailing "(2024)"/"(1)" and the " - Section" suffix, for comparing."""
    text = TRAILING_PAREN.sub("", text.strip())
    return re.sub(r"\s+-\s+[A-Z][\w ]{0,30}$", "", text).casefold()


def find_boilerplate(raw: str) -> list[Span]:
    spans: list[Span] = []
    title: str | None = None
    tail: tuple[int, SpanReason] | None = None  # (start, reason) of the open tail block
    for ln in split_lines(raw):
        text = ln.text.strip()
        key = text.casefold()
        if not text:
            continue
        if key in TAIL_BLOCKS:
            if tail:
                spans.append(Span(tail[0], ln.start, tail[1]))
            tail = (ln.start, TAIL_BLOCKS[key])
        elif tail:
            continue
        elif key in NAV_LINES:
            spans.append(Span(ln.start, ln.end, SpanReason.NAV))
        elif title is None:
            title = _title_key(text)
            spans.append(Span(ln.start, ln.end, SpanReason.TITLE))
        elif key in MARKER_LINES:
            spans.append(Span(ln.start, ln.end, SpanReason.MARKER))
        elif _title_key(text) == title:
            # Repeated page title, with or without "(2024)", or an image-caption stub "(1)".
            spans.append(Span(ln.start, ln.end, SpanReason.CAPTION))
        elif byline := next((r for r, rx in BYLINES if rx.search(text)), None):
            spans.append(Span(ln.start, ln.end, byline))
        elif DATELINE.match(text):
            spans.append(Span(ln.start, ln.end, SpanReason.DATELINE))
    if tail:
        spans.append(Span(tail[0], len(raw), tail[1]))
    return spans
