"""The "show in context" page: one whole source document, with the quoted passage highlighted.

`answer.render.context_link(quote)` is the Markdown link the chat puts under each
quote: a relative URL on the same origin, `source/<doc id>?start=&end=[&hl=a-b,...]#passage`. `ContextPages` answers
that URL with a small self-contained HTML page: the document's raw text escaped with
`html.escape` (so tags or Markdown in a source show as literal text), the passage in
<mark id="passage"> (the #passage fragment scrolls it into view without any script) and the
answer sentences in <strong>. Only documents loaded from the corpus at start-up are served,
looked up by id; the client never names a file. Anything else gets one fixed "not found" page.
It does not search, rank or log anything.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from answer import strings
from ingest import SourceMeta

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import HTMLResponse

Span = tuple[int, int]

SPAN = re.compile(r"^(\d{1,9})-(\d{1,9})$")
# The page is self-contained: no script, no images, no fonts; its only style is inline.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       margin: 0 auto; max-width: 46rem; padding: 1rem; line-height: 1.55; color: #1f2937; background: #fff; }
h1 { font-size: 1.4rem; margin: .5rem 0; }
.meta, .note { color: #374151; }
.emergency { font-weight: 700; color: #7f1d1d; background: #fef2f2; border-left: 4px solid #b91c1c; padding: .4rem .6rem; }
.doc { white-space: pre-wrap; overflow-wrap: anywhere; border-top: 1px solid #d1d5db; padding-top: 1rem; }
mark { background: #fde68a; color: #111827; box-decoration-break: clone; -webkit-box-decoration-break: clone;
       padding: .1em 0; scroll-margin-top: 30vh; }
mark:focus { outline: none; }  /* focused only so that reading and Tab continue from the passage */
mark strong { font-weight: 800; }
a { color: #1d4ed8; }
a:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
"""


def parse_span(value: str | None) -> Span | None:
    m = SPAN.match(value or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def marked_text(raw: str, span: Span | None, bold: list[Span]) -> str:
    if span is None:
        return html.escape(raw)
    start, end = span
    cuts = sorted({start, end} | {x for b in bold for x in b})
    inner = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        piece = html.escape(raw[a:b])
        inner.append(f"<strong>{piece}</strong>" if any(s <= a and b <= e for s, e in bold) else piece)
    return (f'{html.escape(raw[:start])}<mark id="passage" tabindex="-1">{"".join(inner)}</mark>'
            f"{html.escape(raw[end:])}")


def page(title: str, body: str, number: str) -> str:
    e = html.escape
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)} - {e(strings.APP_TITLE)}</title><style>{CSS}</style></head><body>"
        f'<header><p><a href="../">{e(strings.CONTEXT_BACK)}</a></p>'
        f'<p class="emergency">{e(strings.EMERGENCY_LINE.format(number=number))}</p>'
        f'<p class="note">{e(strings.DISCLAIMER)}</p></header>'
        f"<main>{body}</main></body></html>\n"
    )


class ContextPages:
    def __init__(self, documents: Mapping[str, str], sources: Mapping[str, SourceMeta], emergency_number: str,
                 spans: Mapping[str, Mapping[Span, frozenset[Span]]] | None = None):
        """`spans` (SearchIndex.context_spans): the passages a quote can be and, per passage, the
        spans it may highlight; a link to anything else is not found. None: any span inside
        the document (tests of the page alone)."""
        # Only documents that are both in the corpus and in the engine's sources are served.
        self.raws = {doc_id: raw for doc_id, raw in documents.items() if doc_id in sources}
        self.sources = sources
        self.number = emergency_number
        self.spans = spans

    def parse(self, doc_id: str, start: str | None, end: str | None, hl: str | None) -> tuple[str, Span | None, list[Span]] | None:
        """(raw, span or None, bold spans) for a valid request, else None."""
        raw = self.raws.get(doc_id)
        if raw is None:
            return None
        if start is None and end is None and hl is None:
            return raw, None, []
        span = parse_span(f"{start}-{end}")
        if span is None or not 0 <= span[0] < span[1] <= len(raw):
            return None
        bold = [parse_span(part) for part in hl.split(",")] if hl else []
        inside = [b for b in bold if b is not None and span[0] <= b[0] < b[1] <= span[1]]
        if self.spans is not None:  # only a passage a quote can be, marked only where a quote's highlight can be
            marks = self.spans.get(doc_id, {}).get(span)
            if marks is None or any(b not in marks for b in inside):
                return None
        return (raw, span, inside) if len(inside) == len(bold) else None

    def render(self, doc_id: str, start: str | None, end: str | None, hl: str | None) -> tuple[int, str]:
        """(HTTP status, HTML) for one request; never raises on any input."""
        parsed = self.parse(doc_id, start, end, hl)
        e = html.escape
        if parsed is None:
            return 404, page(strings.CONTEXT_NOT_FOUND, f"<h1>{e(strings.CONTEXT_NOT_FOUND)}</h1>", self.number)
        raw, span, bold = parsed
        meta = self.sources[doc_id]
        kind = strings.DOC_KIND_LABELS.get(meta.kind, meta.kind)
        jump = f'<p><a href="#passage">{e(strings.CONTEXT_JUMP)}</a></p>' if span else ""
        body = (
            f'<h1>{e(meta.title)}</h1><p class="meta">{e(kind)} · {e(meta.date or strings.NO_DATE)}</p>'
            f'<p class="note">{e(strings.CONTEXT_INTRO)}</p>{jump}'
            f'<div class="doc">{marked_text(raw, span, bold)}</div>'
        )
        return 200, page(meta.title, body, self.number)

    async def endpoint(self, request: Request) -> HTMLResponse:
        from starlette.responses import HTMLResponse

        q = request.query_params
        status, text = self.render(request.path_params.get("doc_id", ""), q.get("start"), q.get("end"), q.get("hl"))
        return HTMLResponse(text, status_code=status, headers=HEADERS)
