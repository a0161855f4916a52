"""Messages in other languages: a fixed reply in the reader's language, English stays English."""

from __future__ import annotations

import json

import pytest

from answer import render, strings, to_answer_object
from evaluation.language.report import english_sets, messages
from medquote.language import LanguageDetector
from tests.helpers import ROOT

ROWS = messages(ROOT / "evaluation" / "language" / "messages.jsonl")


@pytest.fixture(scope="module")
def detector(fake_engine):
    return LanguageDetector(fake_engine.index.vocab.known)


def test_at_least_95_percent_of_foreign_messages_get_their_language(detector):
    foreign = [r for r in ROWS if r["language"] != "en"]
    assert len(foreign) >= 80 and len({r["language"] for r in foreign}) >= 8
    wrong = [(r["id"], detector.detect(r["message"])) for r in foreign if detector.detect(r["message"]) != r["language"]]
    assert len(wrong) <= 0.05 * len(foreign), wrong


def test_no_english_message_of_any_set_is_taken_for_another_language(detector):
    english = [r["message"] for r in ROWS if r["language"] == "en"] + english_sets()
    assert len(english) > 1000
    assert [m for m in english if detector.detect(m) != "en"] == []


def test_a_line_separator_inside_a_message_keeps_the_row_whole(tmp_path):
    # JSON allows a raw U+2028 in a string; str.splitlines cut such a row in two (a JSONDecodeError).
    path = tmp_path / "messages.jsonl"
    path.write_text(json.dumps({"id": "x", "language": "de", "message": "Hallo\u2028Welt"}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert messages(path) == [{"id": "x", "language": "de", "message": "Hallo\u2028Welt"}]


def test_every_reply_language_has_both_fixed_sentences():
    for code in ("es", "zh", "pt", "fr", "de", "ar", "hi", "ru"):
        only, emergency = strings.LANGUAGE_REPLIES[code]
        assert only.strip() and emergency.strip() and "medquote" in only


def test_a_reply_in_another_language_gives_the_emergency_number_itself():
    # The CLI and /ask show no page around the reply: the number must be in it.
    from answer import Settings, compose

    for code in ("es", "el"):  # "el": detected, not translated (English sentences)
        reply = compose("q", [], {}, Settings(emergency_number="112"), language=code)
        assert reply.lead.endswith("\u260e 112") and not reply.quotes


def test_every_message_in_another_language_gets_the_crisis_line_in_that_language():
    # The screen reads English best: "I want to kill myself" in Chinese raised no notice, and the
    # reply spoke only of "an emergency". Every translated reply now carries a crisis sentence.
    from answer import Settings, compose

    assert set(strings.LANGUAGE_CRISIS) == set(strings.LANGUAGE_REPLIES)
    for code, crisis in strings.LANGUAGE_CRISIS.items():
        assert crisis.strip() and crisis != strings.CRISIS_ANY_LANGUAGE
        assert crisis in compose("q", [], {}, Settings(), language=code).lead
    assert strings.CRISIS_ANY_LANGUAGE in compose("q", [], {}, Settings(), language="el").lead


EXAMPLES = [
    ("¿Los tirones musculares significan que tengo ELA?", "es"),
    ("肌肉跳動是漸凍症的症狀嗎？", "zh"),
    ("Est-ce que les fasciculations sont un signe de SLA ?", "fr"),
]


@pytest.mark.slow
@pytest.mark.parametrize("message, code", EXAMPLES)
def test_issue_examples_get_their_language_reply(real_engine, message, code):
    reply = real_engine.ask(message)
    only, emergency = strings.LANGUAGE_REPLIES[code]
    assert reply.language == code and to_answer_object(reply)["language"] == code
    crisis = strings.LANGUAGE_CRISIS[code]
    assert reply.lead == f"{only} {emergency} {crisis} \u260e {real_engine.settings.emergency_number}"
    assert not reply.quotes and strings.NOT_COVERED not in render.reply_markdown(reply)
    assert render.reply_markdown(reply).endswith(f"_{render.escape(strings.DISCLAIMER)}_")


@pytest.mark.slow
def test_an_english_emergency_inside_a_foreign_message_still_shows_the_notice_first(real_engine):
    reply = real_engine.ask("Hola, mi padre está muy mal. He can't breathe and his lips are blue, ayuda por favor")
    assert reply.emergency
    assert reply.notices[0] == strings.EMERGENCY_NOTICE.format(number=real_engine.settings.emergency_number)


@pytest.mark.slow
def test_mixed_and_english_messages_are_answered_in_english(real_engine):
    for message in ("tengo twitching in my calf, is it ALS?", "whats bfs", "Dr. Müller ordered an EMG, what does it show?"):
        reply = real_engine.ask(message)
        assert reply.language == "en" and not reply.abstained, message


@pytest.mark.slow
def test_arabic_message_gets_the_arabic_reply(real_engine):
    reply = real_engine.ask("هل ارتعاش العضلات علامة على التصلب الجانبي الضموري؟")
    only, emergency = strings.LANGUAGE_REPLIES["ar"]
    crisis = strings.LANGUAGE_CRISIS["ar"]
    assert reply.language == "ar" and reply.lead == f"{only} {emergency} {crisis} \u260e {real_engine.settings.emergency_number}"
