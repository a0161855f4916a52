"""Renders a reply as Markdown (for the chat) or plain text (for the terminal).

Quoted text and citation parts come from documents we do not control, so every character
that Markdown or HTML would interpret is escaped: HTML-special characters become entities
(`html.escape`) and Markdown punctuation gets a backslash. The quote then renders as
literal text, never as a link, image, tag or formula. `unescape` inverts `escape`, which
the tests use to prove every quote on screen is verbatim. Highlighted answer sentences are
wrapped in <strong> (which `quoted_blocks` drops again). `chat_markdown` is the reply as the chat
shows it (with a "show in context" link per quote), `reply_markdown` as the /ask API and the
CLI's JSON give it; a Reply holds no rendered text, so every edge renders here and the
evaluation's verbatim check reads exactly what the chat shows. It does not choose what to show;
see policy.py.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from urllib.parse import quote as url_quote
from urllib.parse import urlencode

from records import Quote, Reply

from . import strings

# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are the ones
# with a meaning in Markdown or in Gradio's renderer (LaTeX `$`, tables `|`, strikethrough `~`).
MD_SPECIAL = set("\\`*_{}[]()#+-.!|~$:=")
HTML_SPECIAL = set("<>&\"'")


def escape(text: str) -> str:
    out = []
    for ch in text:
        if ch in HTML_SPECIAL:
            out.append(html.escape(ch, quote=True))
        elif ch in MD_SPECIAL:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def unescape(text: str) -> str:
    return html.unescape(re.sub(r"\\(.)", r"\1", text))


def blockquote(text: str, bold: tuple[tuple[int, int], ...] = ()) -> str:
    """Each source line becomes a quote line, so line breaks in the source survive. `bold` holds
    (start, end) offsets into `text`; those parts are wrapped in <strong>. Raw tags cannot clash
    with quoted text, whose `<` is always escaped; <strong> (unlike `**`) has no flanking rules."""
    lines, pos = [], 0
    for line in text.split("\n"):
        lead = len(line) - len(line.lstrip())
        start, end = pos + lead, pos + len(line.rstrip())
        pos += len(line) + 1
        if start >= end:
            lines.append(">")
            continue
        cuts = sorted({start, end} | {x for b in bold for x in b if start < x < end})
        parts = []
        for a, b in zip(cuts, cuts[1:], strict=False):
            piece = escape(text[a:b])
            strong = any(s <= a and b <= e for s, e in bold)
            parts.append(f"<strong>{piece}</strong>" if strong else piece)
        lines.append("> " + "".join(parts))
    return "\n".join(lines)


def citation_parts(quote: Quote) -> list[str]:
    chunk = quote.chunk
    parts = [quote.title]
    if chunk.section and chunk.section != quote.title:
        parts.append(chunk.section)
    parts.append(strings.KIND_LABELS.get(chunk.kind, chunk.kind))
    parts.append(quote.date or strings.NO_DATE)
    return parts


def markdown(
    notices: Sequence[str], lead: str, quotes: Sequence[Quote], disclaimer: str, context_link: Callable[[Quote], str] | None = None,
) -> str:
    """`context_link(quote)`, when given (the chat gives it), returns safe Markdown for a
    "show in context" control, put on the line after the citation. A lead in another language
    is plain text too: the page gives every paragraph dir="auto", so Arabic reads right to left."""
    blocks = [f"**{escape(n)}**" for n in notices]
    if lead:
        blocks.append(escape(lead))
    for quote in quotes:
        cite = " · ".join(escape(p) for p in citation_parts(quote))
        link = f"\n{context_link(quote)}" if context_link else ""
        bold = tuple((s - quote.chunk.start, e - quote.chunk.start) for s, e in quote.highlights)
        note = strings.WRITTEN_TO_ANOTHER.get(quote.chunk.kind)
        lead = f"_{escape(note)}_\n\n" if note else ""
        blocks.append(f"{lead}{blockquote(quote.chunk.text, bold)}\n\n{escape(strings.CITATION_LABEL)}: {cite}{link}")
    blocks.append(f"_{escape(disclaimer)}_")
    return "\n\n".join(blocks)


def reply_markdown(reply: Reply) -> str:
    """The reply as Markdown without links: the answer object's "reply" field."""
    return markdown(reply.notices, reply.lead, reply.quotes, reply.disclaimer)


def chat_markdown(reply: Reply) -> str:
    """The reply exactly as the chat shows it: a "show in context" link under each quote."""
    return markdown(reply.notices, reply.lead, reply.quotes, reply.disclaimer, context_link)


def context_href(quote: Quote) -> str:
    """The same-origin URL of a quote's "show in context" page (web/context.py serves it)."""
    c = quote.chunk
    query: dict[str, int | str] = {"start": c.start, "end": c.end}
    if quote.highlights:
        query["hl"] = ",".join(f"{s}-{e}" for s, e in quote.highlights)
    return f"source/{url_quote(c.doc_id, safe='')}?{urlencode(query)}#passage"


def context_link(quote: Quote) -> str:
    # Gradio's chat opens links in a new tab (target=_blank), so the text says so.
    text = escape(f"{strings.CONTEXT_LINK} {strings.NEW_TAB}")
    return f"[{text}](<{context_href(quote)}>)"


def plain(reply: Reply) -> str:
    """The same reply for a terminal: notices, lead, each quote with its citation, disclaimer."""
    blocks = list(reply.notices)
    if reply.lead:
        blocks.append(reply.lead)
    for quote in reply.quotes:
        quoted = "\n".join("  > " + line for line in quote.chunk.text.split("\n"))
        note = strings.WRITTEN_TO_ANOTHER.get(quote.chunk.kind)
        lead = f"  ({note})\n" if note else ""
        blocks.append(f"{lead}{quoted}\n  {strings.CITATION_LABEL}: {' · '.join(citation_parts(quote))}")
    if reply.related:
        blocks.append("\n".join([strings.RELATED_LABEL, *(f"  - {q}" for q in reply.related)]))
    blocks.append(reply.disclaimer)
    return "\n\n".join(blocks)


def quoted_blocks(markdown_text: str) -> list[str]:
    """The text of each blockquote in rendered Markdown, unescaped: what a reader sees quoted."""
    blocks: list[str] = []
    current: list[str] | None = None
    for line in markdown_text.split("\n"):
        if line.startswith(">"):
            current = [] if current is None else current
            line = line.replace("<strong>", "").replace("</strong>", "")  # highlight markup, never text
            current.append(unescape(line[2:] if line.startswith("> ") else line[1:]))
        elif current is not None:
            blocks.append("\n".join(current))
            current = None
    if current is not None:
        blocks.append("\n".join(current))
    return blocks
