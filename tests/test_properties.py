"""Property tests (hypothesis, FakeEmbedder, fast) for the invariants hostile text must not break.

- ingest: for any document text (arbitrary Unicode, CRLF/CR line ends, bullets, heading-like
  lines, boilerplate-like lines) every chunk is an exact slice, `raw[start:end] == text`.
- engine: for any question (including lone surrogates and control characters) the reply ends
  with the disclaimer, every quote is verbatim, and the Markdown holds no literal `<`.
- policy/render: for any chunk text, title and section (even ones full of HTML and Markdown),
  the reply holds no literal `<`, and each quoted block reads back as the chunk's lines.
It does not test retrieval quality or the real model.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from answer import NoFlags, Quote, Settings, compose, render, strings
from index import Hit
from ingest import Chunk, Document, SourceMeta, chunk_document
from tests.helpers import DISCLAIMER_MD, without_renderer_tags

PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Lines that look like the structure ingest reacts to: headings, bullets, Q&A bylines, markers.
STRUCTURAL = [
    "Muscle Twitching and ALS", "What Causes Fasciculations", "- a dash bullet", "• a dot bullet",
    "* star bullet", "– en dash bullet", "More Info", "Skip to content", "Share to:", "Ask Date: 2024/5/6",
    "Dr. Lee reply Neurology", "Reply Date: 2024/5/7", "Jan 5, 2024", "Symptoms include:", "(1)",
    "<script>alert(1)</script>", "[link](https://evil.example)", "   ", "",
]
PROSE = [
    "Twitching is common. It is usually benign!", "Dr. Smith said so, e.g. in 2020... Really?",
    "Stress can cause it.\tSo can caffeine.", "ALS (amyotrophic lateral sclerosis) is rare.",
]
# A tail line ("Similar Q&A", "References"...) makes the rest boilerplate, so it only ends a document.
TAIL = ["Similar Q&A", "Related FAQ", "References", "Author Information"]
any_text = st.text(st.characters(codec="utf-8"), max_size=300)
line = st.one_of(st.sampled_from(STRUCTURAL), st.sampled_from(PROSE), any_text)
newline = st.sampled_from(["\n", "\r\n", "\r", "\n\n", "\r\n\r\n", "\u2028", "\x85"])


@st.composite
def documents(draw) -> str:
    lines = draw(st.lists(line, min_size=1, max_size=25)) + draw(st.lists(st.sampled_from(TAIL), max_size=1))
    breaks = draw(st.lists(newline, min_size=len(lines), max_size=len(lines)))
    return "".join(a + b for a, b in zip(lines, breaks))


@settings(PROFILE, max_examples=300)
@given(raw=st.one_of(documents(), st.text(max_size=2000)), kind=st.sampled_from(["article", "qa"]))
def test_every_chunk_is_an_exact_slice(raw, kind):
    doc = Document(doc_id="prop", path="prop.txt", raw=raw, sha256="", meta=SourceMeta("prop", "Muscle Twitching and ALS", kind, ""))
    previous_end = 0
    for chunk in chunk_document(doc):
        assert 0 <= chunk.start < chunk.end <= len(raw)
        assert raw[chunk.start:chunk.end] == chunk.text
        assert chunk.start >= previous_end  # chunks never overlap or go backwards
        previous_end = chunk.end


hostile_bits = st.sampled_from([
    "<script>", "</b>", "<img src=x onerror=alert(1)>", "](https://evil.example)", "![a](http://x/p.png)",
    "twitching", "ALS", "\x00", "\ud800", "\udfff", "\u202e", "\u200b", "\r\n", "$$", "&lt;", "\\", "`", "*",
    "I can't breathe", "do I have ALS?", "💪",
])
questions = st.one_of(
    st.text(st.characters(codec=None), max_size=1200),  # includes lone surrogates
    st.lists(hostile_bits, max_size=30).map(" ".join),
)


@pytest.fixture(scope="module")
def raws(corpus):
    return {d.doc_id: d.raw for d in corpus[0]}


@PROFILE
@given(question=questions)
def test_any_question_gets_a_safe_reply(fake_engine, raws, question):
    reply = fake_engine.ask(question)
    assert render.reply_markdown(reply).endswith(DISCLAIMER_MD)
    assert "<" not in without_renderer_tags(render.reply_markdown(reply))
    assert "](http" not in render.reply_markdown(reply).lower()
    for quote in reply.quotes:
        assert raws[quote.chunk.doc_id][quote.chunk.start:quote.chunk.end] == quote.chunk.text


chunk_text = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"), min_size=1, max_size=400),
    st.lists(hostile_bits | st.sampled_from(["\n", "\n\n", "  ", "> ", "# ", "1. "]), min_size=1, max_size=30).map("".join),
)


@st.composite
def spans(draw, length: int) -> tuple[tuple[int, int], ...]:
    """Sorted, non-overlapping (start, end) spans inside [0, length), like sentence highlights."""
    cuts = sorted(draw(st.sets(st.integers(0, length), max_size=4)))
    return tuple((a, b) for a, b in zip(cuts[::2], cuts[1::2]) if a < b)


@PROFILE
@given(texts=st.lists(chunk_text, min_size=1, max_size=4), title=chunk_text, section=chunk_text,
       scores=st.lists(st.floats(-1, 1), min_size=4, max_size=4), crisis=st.booleans(), data=st.data())
def test_any_source_text_is_escaped_and_reads_back_verbatim(texts, title, section, scores, crisis, data):
    # Sources are trusted files, but the renderer must not rely on that: any text stays literal.
    chunks = [Chunk("d", i * 1000, i * 1000 + len(t), section, "article", t) for i, t in enumerate(texts)]
    hits = sorted((Hit(c, s, s) for c, s in zip(chunks, scores)), key=lambda h: -h.score)
    sources = {"d": SourceMeta("d", title, "article", "")}
    reply = compose("q", hits, sources, Settings(), NoFlags(emergency=crisis, crisis=crisis))
    # The same quotes again with highlighted sentences, which the renderer wraps in <strong>.
    quotes = [Quote(q.chunk, q.title, q.date, tuple((q.chunk.start + a, q.chunk.start + b)
                                                    for a, b in data.draw(spans(len(q.chunk.text)))))
              for q in reply.quotes]
    highlighted = render.markdown(reply.notices, reply.lead, quotes, strings.DISCLAIMER)
    for markdown in (render.reply_markdown(reply), highlighted):
        assert markdown.endswith(DISCLAIMER_MD)
        assert "<" not in without_renderer_tags(markdown)
        assert "](" not in markdown
        shown = render.quoted_blocks(markdown)
        assert len(shown) == len(reply.quotes)
        for block, quote in zip(shown, reply.quotes):
            # Each source line is shown stripped of its indentation; the words are untouched.
            assert block == "\n".join(ln.strip() for ln in quote.chunk.text.split("\n"))
