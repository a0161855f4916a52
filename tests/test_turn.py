"""Engine.answer: one turn computed once, in a fixed order, as one value (issue 22)."""

from __future__ import annotations

from dataclasses import replace

from medquote.language import LanguageDetector
from medquote.turn import NO_VERDICT, Turn


def test_a_turn_carries_the_reply_ask_gives_and_what_was_shown(fake_engine):
    turn = fake_engine.answer("can stress make my muscles twitch?")
    assert isinstance(turn, Turn)
    assert turn.reply == fake_engine.ask("can stress make my muscles twitch?")
    assert turn.quote_ids and turn.quote_ids == tuple(q.chunk.id for q in turn.reply.quotes)
    assert turn.search_text == fake_engine.index.vocab.correct("can stress make my muscles twitch?")
    assert turn.context == "" and turn.query is not None


def test_a_follow_up_turn_records_the_earlier_message_it_was_read_with(fake_engine):
    turn = fake_engine.answer("why does that happen?", ["Does ALS cause weight loss?"])
    assert turn.context == fake_engine.index.vocab.correct("Does ALS cause weight loss?")
    alone = fake_engine.answer("why does that happen?")
    assert alone.context == "" and turn.reply.ranked != alone.reply.ranked


def test_refused_input_is_neither_judged_nor_searched(fake_engine):
    turn = fake_engine.answer("   ")
    assert turn.safety == NO_VERDICT and turn.query is None and turn.search_text == ""
    assert turn.reply.abstained and not turn.reply.ranked


def test_a_message_in_another_language_is_judged_but_not_searched(fake_engine):
    engine = replace(fake_engine, language=LanguageDetector(fake_engine.index.vocab.known))
    turn = engine.answer("Tengo espasmos musculares en la pierna desde hace dos semanas, ¿es esclerosis?")
    assert turn.reply.language == "es"
    assert turn.reply.ranked == () and turn.query is None and turn.search_text == ""
    urgent = engine.answer("Hola, mi padre está muy mal desde esta mañana y no sabemos qué hacer. He can't breathe, "
                           "ayuda por favor, estamos muy asustados")
    assert urgent.reply.language == "es" and urgent.reply.ranked == ()
    assert urgent.safety.emergency and urgent.reply.emergency  # judged before the language decides the rest


def test_the_verdict_is_on_the_message_alone_with_its_reasons(fake_engine):
    turn = fake_engine.answer("I can't breathe and my lips are turning blue", ["what is an EMG?"])
    assert turn.safety.emergency and turn.safety.reasons
    assert turn.reply.emergency
    calm = fake_engine.answer("what about the arms?", ["I can't breathe and my lips are turning blue"])
    assert not calm.safety.emergency and not calm.reply.emergency


def test_many_turns_at_once_equal_one_at_a_time(fake_engine):
    messages = ["what is an EMG?", "what does it find in ALS?", "", "I took all my pills on purpose"]
    history = [(), ["what is an EMG?"], (), ()]
    together = fake_engine.answer_many(messages, history)
    for turn, message, previous in zip(together, messages, history, strict=True):
        alone = fake_engine.answer(message, previous)
        assert (turn.reply, turn.safety, turn.search_text, turn.context) == (alone.reply, alone.safety, alone.search_text, alone.context)
