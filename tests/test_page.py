"""The chat page without a browser: quote cards with highlights and context links, the
"show in context" pages, the chat handlers, and the server's privacy headers."""

from __future__ import annotations

import html
import logging
import re
from dataclasses import replace
from types import SimpleNamespace

import pytest

from answer import Quote, render, strings
from ingest import Chunk, SourceMeta
from medquote.feedback import FeedbackStore
from web import ContextPages, context_href
from web.page import Chat

RAW = "Intro line.\n<b>Title</b> & **not bold**\nFirst sentence here. Second [link](http://x.example) one.\nTail."
START = RAW.index("First")
END = RAW.index("Tail") - 1
SECOND = (RAW.index("Second"), END)
SOURCES = {"d1": SourceMeta("d1", "A <i>title</i>", "qa", "2020/10/07")}


def quote(highlights=()):
    return Quote(Chunk("d1", START, END, "Sec", "reply", RAW[START:END]), "A <i>title</i>", "2020/10/07", highlights)


def test_highlights_render_bold_and_quotes_stay_verbatim():
    q = quote((SECOND,))
    md = render.markdown((), strings.LEAD_IN, (q,), strings.DISCLAIMER, context_link=lambda _: "LINK")
    bold = re.findall(r"<strong>(.*?)</strong>", md)
    assert [render.unescape(b) for b in bold] == [RAW[SECOND[0]:SECOND[1]]]
    assert render.quoted_blocks(md) == [q.chunk.text]
    assert "http://x.example" not in md.replace(render.escape("http://x.example"), "")
    assert "\nLINK\n" in md and md.endswith(f"_{render.escape(strings.DISCLAIMER)}_")


def test_highlight_across_lines_is_closed_on_each_line():
    text = "One two.\nThree four."
    md = render.blockquote(text, ((4, 13),))
    assert md == "> One <strong>two\\.</strong>\n> <strong>Thre</strong>e four\\."
    assert render.quoted_blocks(md + "\n") == [text]


def test_context_link_is_relative_and_names_the_passage():
    href = context_href(quote((SECOND,)))
    assert href == f"source/d1?start={START}&end={END}&hl={SECOND[0]}-{SECOND[1]}#passage"


def pages():
    return ContextPages({"d1": RAW, "stray": "not in sources"}, SOURCES, "112")


def test_context_page_shows_the_whole_document_escaped_with_the_passage_marked():
    status, page = pages().render("d1", str(START), str(END), f"{SECOND[0]}-{SECOND[1]}")
    assert status == 200 and page.startswith('<!doctype html>\n<html lang="en">')
    assert "<b>" not in page and "&lt;b&gt;Title&lt;/b&gt;" in page and "<i>" not in page
    passage = re.search(r'<mark id="passage" tabindex="-1">(.*?)</mark>', page, re.S).group(1)
    assert html.unescape(re.sub(r"</?strong>", "", passage)) == RAW[START:END]
    assert re.findall(r"<strong>(.*?)</strong>", passage) == [html.escape(RAW[SECOND[0]:SECOND[1]])]
    body = re.search(r'<div class="doc">(.*)</div>', page, re.S).group(1)
    assert html.unescape(re.sub(r"</?(mark|strong)[^>]*>", "", body)) == RAW
    assert "112" in page and html.escape(strings.DISCLAIMER) in page
    assert not re.search(r"<(script|img|link|iframe)\b", page) and "http" not in page.split("<main>")[0]


def test_context_page_without_a_span_shows_the_document_unmarked():
    status, page = pages().render("d1", None, None, None)
    assert status == 200 and "<mark" not in page and "&lt;b&gt;" in page


@pytest.mark.parametrize("doc, start, end, hl", [
    ("stray", None, None, None), ("nope", "0", "5", None), ("../corpus/sources.toml", None, None, None),
    ("d1", "5", "2", None), ("d1", "0", str(len(RAW) + 1), None), ("d1", "-1", "4", None), ("d1", "a", "4", None),
    ("d1", "4", None, None), ("d1", str(START), str(END), f"0-{END}"), ("d1", str(START), str(END), "x"),
    ("d1", None, None, "1-2"), ("d1", "1" * 40, "2" * 40, None),
])
def test_context_page_refuses_anything_but_a_corpus_document_and_a_valid_span(doc, start, end, hl):
    status, page = pages().render(doc, start, end, hl)
    assert status == 404 and html.escape(strings.CONTEXT_NOT_FOUND) in page and "<mark" not in page


HOSTILE = "<img src=http://127.0.0.2:9/x.png onerror=alert(1)> ![x](http://127.0.0.2:9/y.png) **b**"


def test_user_message_is_shown_as_literal_text(fake_engine):
    _, history, _ = Chat(fake_engine).submit(HOSTILE, [], [])
    user, bot = history
    assert user == {"role": "user", "content": render.escape(HOSTILE)}
    assert "<img" not in user["content"] and "](" not in user["content"]
    assert render.unescape(user["content"]) == HOSTILE
    assert bot["content"].endswith(f"_{render.escape(strings.DISCLAIMER)}_")


def answered(fake_engine, corpus) -> str:
    """A question the fake embedder answers: a passage's own words."""
    return next(c.text for c in corpus[1] if c.kind == "reply" and fake_engine.ask(c.text).quotes)


def test_answer_has_a_context_link_per_quote(fake_engine, corpus):
    reply = fake_engine.ask(answered(fake_engine, corpus))
    _, (_, bot), _ = Chat(fake_engine).submit(reply.question, [], [])
    links = re.findall(r"\]\(<(source/[^>]+)>\)", bot["content"])
    assert links == [context_href(q) for q in reply.quotes]
    assert render.quoted_blocks(bot["content"]) == render.quoted_blocks(render.reply_markdown(reply))


def test_the_context_page_serves_only_a_quotable_passage_and_its_highlights(fake_engine, corpus):
    # Any span inside a document was served as "the quoted passage", so a crafted link on our own
    # site could mark "your symptoms are indicative of ALS" cut out of its sentence.
    from urllib.parse import parse_qs, urlsplit

    spans = fake_engine.index.context_spans()
    served = ContextPages({d.doc_id: d.raw for d in corpus[0]}, fake_engine.sources, "112", spans)
    questions = [c.text for c in corpus[1] if c.kind == "reply"][:40]
    quotes = [q for question in questions for q in fake_engine.ask(question).quotes]
    assert quotes and any(q.highlights for q in quotes)
    for q in quotes:  # every link the chat makes still opens
        url = urlsplit(context_href(q))
        args = {k: v[0] for k, v in parse_qs(url.query).items()}
        doc = url.path.split("/")[-1]
        assert served.render(doc, args["start"], args["end"], args.get("hl"))[0] == 200
    c = quotes[0].chunk
    assert served.render(c.doc_id, str(c.start + 1), str(c.end), None)[0] == 404  # not a passage
    assert served.render(c.doc_id, str(c.start), str(c.end), f"{c.start + 1}-{c.end - 1}")[0] == 404  # not a highlight
    assert served.render(c.doc_id, str(c.start), str(c.end), None)[0] == 200


def test_retry_and_undo_work_on_the_question_as_typed(fake_engine):
    chat = Chat(fake_engine)
    question = "can *stress* cause twitching? (1 < 2)"
    _, history, records = chat.submit(question, [], [])
    _, history, records = chat.submit("what tests diagnose ALS?", history, records)
    assert chat.retry(history, records, SimpleNamespace(index=3)) == (history, records)
    assert chat.undo(history, records, SimpleNamespace(index=1)) == ([], [], question)
    parts = [{"role": m["role"], "content": [{"type": "text", "text": m["content"]}]} for m in history]
    assert chat.undo(parts, records, SimpleNamespace(index=[3, 0])) == (parts[:2], records[:2], "what tests diagnose ALS?")


class Offers:
    """The fake engine, offering two related questions under every reply that is no notice (the
    fake encoder's vectors are too coarse to offer any by themselves)."""

    def __init__(self, engine):
        self.engine, self.sources = engine, engine.sources

    def answer(self, message, previous=()):
        turn = self.engine.answer(message, previous)
        related = () if turn.reply.crisis or turn.reply.emergency else ("What is an EMG?", "What is BFS?")
        return replace(turn, reply=replace(turn.reply, related=related))


def test_undo_and_retry_never_leave_related_questions_from_another_answer(fake_engine):
    # Related questions are offered under one answer; after an undo they must not stay under the
    # reply that is now the last one (it may be an emergency or crisis reply, which offers none).
    chat = Chat(Offers(fake_engine))
    _, history, records = chat.submit("I want to end my life", [], [])
    _, history, records = chat.submit("what tests diagnose ALS?", history, records)
    undone = chat.undo_with_related(history, records, SimpleNamespace(index=3))
    assert undone[:3] == (history[:2], records[:2], "what tests diagnose ALS?")
    assert not undone[-1]["visible"] and all(not b["visible"] for b in undone[3:-1])
    again = chat.retry_with_related(history, records, SimpleNamespace(index=3))
    assert [b["value"] for b in again[2:-1] if b["visible"]] == ["What is an EMG?", "What is BFS?"] and again[-1]["visible"]


def test_hand_crafted_event_data_changes_nothing(fake_engine):
    chat = Chat(fake_engine)
    _, history, records = chat.submit("what tests diagnose ALS?", [], [])
    for index in ("abc", [], None, True, 1.5, ["x"]):
        data = SimpleNamespace(index=index, liked=True)
        assert chat.retry(history, records, data) == (history, records)
        assert chat.undo(history, records, data) == (history, records, "")
        chat.rate(history, records, data)  # no feedback store: nothing to do, and nothing raised


def test_half_an_emoji_is_a_space_everywhere_the_page_sends_it(fake_engine):
    # A lone surrogate (half an emoji, e.g. pasted from a cut message) once reached Gradio's
    # JSON encoder, which refused it and replaced the whole chat with error badges.
    orjson = pytest.importorskip("orjson")
    chat = Chat(fake_engine)
    _, history, records = chat.submit("twitching \ud800 ALS", [], [])
    orjson.dumps(history)
    orjson.dumps(records)
    assert "\ud800" not in history[0]["content"] and records[0]["message"] == "twitching   ALS"
    answer = chat.ask("twitching \udc00 ALS")
    orjson.dumps(answer)
    assert answer["question"] == "twitching   ALS"


def test_ratings_are_stored_only_when_feedback_is_on(fake_engine, corpus, tmp_path):
    question = answered(fake_engine, corpus)
    _, history, records = Chat(fake_engine).submit(question, [], [])
    Chat(fake_engine).rate(history, records, SimpleNamespace(index=1, liked=True))  # off: nothing to store in
    store = FeedbackStore(tmp_path / "f.sqlite")
    chat = Chat(fake_engine, store)
    for liked in (True, False, strings.FEEDBACK_WRONG_PASSAGE, strings.FEEDBACK_WRONG_PASSAGE, "", "Something else"):
        chat.rate(history, records, SimpleNamespace(index=1, liked=liked))  # the repeat is Gradio's echo
    ids = tuple(q.chunk.id for q in fake_engine.ask(question).quotes)
    assert ids
    assert [(v.question, v.chunks, v.verdict) for v in store.votes()] == [
        (question, ids, "helpful"), (question, ids, "not_helpful"), (question, ids, "wrong_passage")]


class Broken:
    sources = SOURCES

    def answer(self, message, previous=()):
        raise RuntimeError(f"boom on {message}")


def test_a_failing_engine_gives_the_fixed_message_and_logs_no_question(caplog):
    with caplog.at_level(logging.ERROR):
        _, (_, bot), _ = Chat(Broken()).submit("zebracanary4711", [], [])
        failed = Chat(Broken()).ask("zebracanary4711")
    assert bot["content"].startswith(render.escape(strings.INTERNAL_ERROR))
    # The API's failed answer says the same as the chat, disclaimer included.
    assert failed == {"error": strings.INTERNAL_ERROR, "reply": bot["content"]}
    assert render.escape(strings.DISCLAIMER) in bot["content"].rstrip().split("\n\n")[-1]
    assert "RuntimeError" in caplog.text and "zebracanary4711" not in caplog.text


def test_server_sends_privacy_headers_and_serves_only_corpus_documents(fake_engine, corpus_dir, tmp_path):
    from fastapi.testclient import TestClient

    import app
    from medquote import config

    cfg = config.from_env({"MEDQUOTE_CORPUS": str(corpus_dir), "MEDQUOTE_INDEX_DIR": str(tmp_path)})
    doc = sorted(fake_engine.sources)[0]
    start, end = min(fake_engine.index.context_spans()[doc])  # a passage a quote can be
    with TestClient(app.create_app(fake_engine, cfg)) as client:
        home = client.get("/")
        assert home.status_code == 200 and '<html\n\tlang="en"' in home.text
        csp = home.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "unsafe-eval" not in csp and "*" not in csp
        assert home.headers["referrer-policy"] == "no-referrer" and "set-cookie" not in home.headers
        page = client.get(f"/source/{doc}", params={"start": start, "end": end})
        assert page.status_code == 200 and "default-src 'none'" in page.headers["content-security-policy"]
        # Gradio's deep link would write the session's last inputs (its chat) to a file.
        assert client.get("/gradio_api/deep_link", params={"session_hash": "x"}).status_code == 404
        for bad in ("/source/nope", "/source/..%2Fapp.py", f"/source/{doc}?start=0&end=99999999",
                    f"/source/{doc}?start={start}&end={end - 1}"):  # not a passage a quote can be
            missing = client.get(bad)
            assert missing.status_code == 404 and "Traceback" not in missing.text
