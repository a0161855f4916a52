"""The answer policy: disclaimer always last, quotes always verbatim and escaped, abstention,
input messages, determinism, and the answer object's shape."""

from __future__ import annotations

import re

import pytest

from answer import Settings, compose, render, strings, to_answer_object
from index import Hit
from ingest import Chunk, SourceMeta

DISCLAIMER_MD = f"_{render.escape(strings.DISCLAIMER)}_"
QUESTIONS = [
    "does twitching mean i have als", "what causes muscle twitching", "how is ALS diagnosed?",
    "can stress cause twitching", "what is the capital of france", "asdfgh", "   ", "x" * 1001,
    "<img src=x onerror=alert(1)>", "what is **EMG** [link](http://example.com)",
]


def assert_reply_invariants(reply, raws):
    assert render.reply_markdown(reply).endswith(DISCLAIMER_MD)
    shown = render.quoted_blocks(render.reply_markdown(reply))
    assert len(shown) == len(reply.quotes)
    for quote, seen in zip(reply.quotes, shown):
        c = quote.chunk
        assert raws[c.doc_id][c.start:c.end] == c.text
        assert " ".join(seen.split()) == " ".join(c.text.split())
    assert reply.abstained == (not reply.quotes)


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_reply_ends_with_disclaimer_and_quotes_are_verbatim(fake_engine, corpus, question):
    raws = {d.doc_id: d.raw for d in corpus[0]}
    assert_reply_invariants(fake_engine.ask(question), raws)


def test_empty_and_too_long_input_get_fixed_messages(fake_engine):
    assert fake_engine.ask("  ").lead == strings.EMPTY_INPUT
    long = fake_engine.ask("a" * 1001)
    assert long.lead == strings.TOO_LONG.format(limit=1000) and not long.quotes and not long.ranked
    assert fake_engine.ask("a" * 1000).lead != strings.TOO_LONG.format(limit=1000)


PADDING = " My calves have twitched for months and I keep reading about ALS at night." * 15


@pytest.mark.parametrize("message, notice", [
    ("I want to end my life, I can't live with this fear." + PADDING, "crisis"),
    (PADDING + " Right now I have crushing chest pain and I can't breathe.", "emergency"),
])
def test_a_message_too_long_to_answer_still_gets_its_notice_first(fake_engine, message, notice):
    # Too long to search is not too long to screen: before, the safety check never ran on it.
    assert len(message) > 1000
    reply = fake_engine.ask(message)
    number = fake_engine.settings.emergency_number
    expected = strings.CRISIS_NOTICE if notice == "crisis" else strings.EMERGENCY_NOTICE
    assert reply.notices[0] == expected.format(number=number) and getattr(reply, notice)
    assert reply.lead == strings.TOO_LONG.format(limit=1000) and not reply.quotes and not reply.ranked
    assert reply.disclaimer == strings.DISCLAIMER
    assert not fake_engine.ask("a" * 1001).notices  # a long calm message gets the fixed line alone
    assert not fake_engine.ask("is it ALS? " * 100).notices  # no no-verdict line: nothing is answered


def test_a_crisis_told_in_one_of_the_last_two_messages_keeps_the_crisis_notice_first(fake_engine):
    # Safety judges this message alone, so "how long do people live with it?" after a crisis
    # got survival figures with no support line; now the notice comes again, and the answer stays.
    notice = strings.CRISIS_NOTICE.format(number=fake_engine.settings.emergency_number)
    question = "what are the early symptoms of ALS"
    alone = fake_engine.ask(question)
    after = fake_engine.ask(question, ["If this is ALS I will kill myself.", "ok"])
    assert after.notices[0] == notice and not after.crisis and not alone.crisis
    assert [q.chunk for q in after.quotes] == [q.chunk for q in alone.quotes] and after.lead == alone.lead
    assert notice not in fake_engine.ask(question, ["If this is ALS I will kill myself.", "ok", "thanks"]).notices
    assert notice not in fake_engine.ask(question, ["that would be career suicide"]).notices  # a word the classifier must confirm
    assert notice not in alone.notices


SRC = {"d": SourceMeta("d", "A <b>title</b>", "article", "2024")}


def hit(text, score, start=0):
    return Hit(Chunk("d", start, start + len(text), "Sec [x](y)", "article", text), score, score)


def test_below_threshold_abstains_with_fixed_text_and_keeps_ranking():
    settings = Settings(threshold=0.5)
    reply = compose("q", [hit("Some text.", 0.49)], SRC, settings)
    assert reply.abstained and reply.lead == strings.NOT_COVERED and not reply.quotes
    assert len(reply.ranked) == 1
    obj = to_answer_object(reply)
    assert obj["abstained"] and obj["quotes"] == [] and len(obj["ranked"]) == 1


def test_quotes_are_capped_and_must_score_near_the_best():
    settings = Settings(threshold=0.3, max_quotes=3, margin=0.1)
    hits = [hit(f"Text {i}.", s, start=i * 20) for i, s in enumerate([0.9, 0.85, 0.81, 0.8, 0.5])]
    reply = compose("q", hits, SRC, settings)
    assert [q.chunk.text for q in reply.quotes] == ["Text 0.", "Text 1.", "Text 2."]
    reply = compose("q", hits[:1] + hits[4:], SRC, settings)
    assert len(reply.quotes) == 1


HOSTILE = '<img src=x onerror=alert(1)> **bold** [a link](http://evil.example/x) ![i](http://evil.example/i.png) `code` $x^2$ # h'


def test_quoted_markdown_and_html_render_as_literal_text():
    reply = compose("q", [hit(HOSTILE, 0.9)], SRC, Settings(threshold=0.1))
    md = render.reply_markdown(reply)
    for raw in ("<img", "<b>", "](", "**bold**", "`code`"):
        assert raw not in md
    assert not re.search(r"(?<!\\)\$", md)  # every dollar sign is escaped: no formula
    assert render.quoted_blocks(md) == [HOSTILE]
    assert render.unescape(render.escape(HOSTILE)) == HOSTILE


def test_same_question_gives_byte_identical_reply(fake_engine):
    a, b = fake_engine.ask("can caffeine cause twitching"), fake_engine.ask("can caffeine cause twitching")
    assert render.reply_markdown(a) == render.reply_markdown(b) and to_answer_object(a) == to_answer_object(b)


def test_answer_object_shape(fake_engine):
    obj = to_answer_object(fake_engine.ask("what are the early symptoms of ALS"), "q1")
    assert set(obj) >= {"id", "question", "abstained", "emergency", "ranked", "quotes", "reply"}
    assert obj["id"] == "q1" and 0 < len(obj["ranked"]) <= 10
    assert set(obj["ranked"][0]) == {"doc", "start", "end", "text", "section", "score"}
    for q in obj["quotes"]:
        assert {"doc", "start", "end", "text", "section"} <= set(q)


def test_crisis_shows_notice_and_no_quotes():
    from answer.policy import NoFlags

    flags = NoFlags(crisis=True)
    reply = compose("q", [hit("Most patients die.", 0.9)], SRC, Settings(threshold=0.1), flags)
    assert reply.notices[0].startswith(strings.CRISIS_NOTICE.split("{")[0]) and not reply.quotes
    assert reply.emergency and reply.crisis


def test_the_answer_object_withholds_what_the_reply_withholds():
    # A client showing `ranked` would otherwise show a crisis reply's survival text, or another
    # asker's own verdict under a personal question; the evaluation still sees every passage.
    from dataclasses import replace

    from answer.policy import NoFlags

    survival = hit("Most patients die within five years.", 0.9)
    crisis = compose("q", [survival], SRC, Settings(threshold=0.1), NoFlags(crisis=True))
    assert to_answer_object(crisis)["ranked"] == [] and len(to_answer_object(crisis, evaluation=True)["ranked"]) == 1
    verdict = replace(hit("Your twitching is benign, in my view.", 0.9, start=40), on_askers_case=True)
    hits = [verdict, hit("Twitching alone is rarely ALS.", 0.8)]
    personal = compose("q", hits, SRC, Settings(threshold=0.1), NoFlags(personal=True))
    assert [p["text"] for p in to_answer_object(personal)["ranked"]] == ["Twitching alone is rarely ALS."]
    assert len(to_answer_object(personal, evaluation=True)["ranked"]) == 2
    general = compose("q", hits, SRC, Settings(threshold=0.1))
    assert len(to_answer_object(general)["ranked"]) == 2


def test_emergency_notice_comes_before_any_quote():
    from answer.policy import NoFlags

    reply = compose("q", [hit("Some text.", 0.9)], SRC, Settings(threshold=0.1, emergency_number="112"), NoFlags(emergency=True))
    notice = render.escape(strings.EMERGENCY_NOTICE.format(number="112"))
    assert render.reply_markdown(reply).index(notice) < render.reply_markdown(reply).index(">")
    assert to_answer_object(reply)["emergency"] is True


@pytest.mark.slow
def test_real_model_replies_are_verbatim(real_engine, corpus):
    raws = {d.doc_id: d.raw for d in corpus[0]}
    for q in QUESTIONS:
        assert_reply_invariants(real_engine.ask(q), raws)
    assert real_engine.ask("can stress or anxiety make my muscles twitch?").quotes
    assert real_engine.ask("what is the best pizza topping?").abstained


def test_near_duplicate_quotes_become_one():
    settings = Settings(threshold=0.1, max_quotes=3, margin=0.5)
    same = "Muscle twitching can have a number of different causes. Common causes are often benign."
    hits = [hit(same, 0.9), hit(same + " Extra words here.", 0.85, start=200), hit("Something else entirely.", 0.8, start=400)]
    reply = compose("q", hits, SRC, settings)
    assert [q.chunk.start for q in reply.quotes] == [0, 400]


def test_highlights_are_carried_into_quotes_and_lie_inside_them():
    text = "First sentence here. The answer sentence. Last one."
    h = Hit(Chunk("d", 100, 100 + len(text), "S", "article", text), 0.9, 0.9, highlights=((121, 141),))
    reply = compose("q", [h], SRC, Settings(threshold=0.1))
    obj = to_answer_object(reply)
    assert obj["quotes"][0]["highlights"] == [[121, 141]]
    for s, e in reply.quotes[0].highlights:
        assert h.chunk.start <= s < e <= h.chunk.end
    assert render.quoted_blocks(render.reply_markdown(reply)) == [text]


@pytest.mark.slow
def test_real_highlights_are_sentences_inside_their_quotes(real_engine, corpus):
    raws = {d.doc_id: d.raw for d in corpus[0]}
    seen = 0
    for q in ("what tests do doctors use for ALS?", "can caffeine cause twitching", "how fast does ALS progress"):
        for quote in real_engine.ask(q).quotes:
            for s, e in quote.highlights:
                seen += 1
                assert quote.chunk.start <= s < e <= quote.chunk.end
                assert raws[quote.chunk.doc_id][s:e] in quote.chunk.text
    assert seen > 0


@pytest.mark.parametrize("message, crisis", [
    ("my dad suddenly can't breathe and his lips are turning blue", False),
    ("i think im having a stroke, my face is drooping on one side", False),
    ("if this is ALS i want to kill myself", True),
])
def test_engine_puts_the_notice_before_any_quote(fake_engine, message, crisis):
    reply = fake_engine.ask(message)
    obj = to_answer_object(reply)
    assert reply.emergency and obj["emergency"] and obj["crisis"] is crisis
    first = render.escape(reply.notices[0])
    assert obj["reply"].startswith(f"**{first}**")
    if reply.quotes:
        assert obj["reply"].index(first) < obj["reply"].index("\n>")
    if crisis:
        assert not reply.quotes


def test_a_benign_turn_does_not_carry_over(fake_engine):
    assert not fake_engine.ask("my calf twitches every evening").emergency
    assert fake_engine.ask("now my wife collapsed and won't wake up").emergency
    assert not fake_engine.ask("does ALS affect breathing later on?").emergency


@pytest.mark.parametrize("message", ["do I have ALS?", "is my twitching BFS?", "what are my chances?"])
def test_personal_verdict_questions_start_with_the_no_verdict_line(fake_engine, message):
    reply = fake_engine.ask(message)
    assert strings.NO_VERDICT in reply.notices
    assert render.reply_markdown(reply).startswith(f"**{render.escape(strings.NO_VERDICT)}**")


def test_an_emergency_without_quotes_shows_only_the_notice_and_disclaimer():
    from answer.policy import NoFlags

    reply = compose("q", [hit("Some text.", 0.1)], SRC, Settings(threshold=0.5), NoFlags(emergency=True))
    assert reply.abstained and reply.lead == "" and strings.NOT_COVERED not in render.reply_markdown(reply)
    notice = render.escape(strings.EMERGENCY_NOTICE.format(number=Settings().emergency_number))
    assert render.reply_markdown(reply) == f"**{notice}**\n\n{DISCLAIMER_MD}"
