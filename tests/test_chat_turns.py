"""The chat keeps each turn's record in the page (web/page.py, issue 22): a vote stores the
passages the voted answer showed, a follow-up is read with the earlier messages as typed, a turn
runs the engine's one path once, and records that do not match the history are never trusted."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from types import SimpleNamespace

import gradio as gr
import pytest

from answer import strings
from index import FakeEmbedder
from index.search import SearchIndex
from index.vocabulary import Vocabulary
from medquote import Engine
from web.page import Chat, build_blocks

EARLIER, FOLLOW_UP = "What is an EMG?", "what does it find in ALS?"  # evaluation/gold/followups.jsonl f001


class Votes:
    """A feedback store double: keeps what it is given."""

    def __init__(self):
        self.votes = []

    def record(self, question, chunk_ids, verdict):
        self.votes.append((question, tuple(chunk_ids), verdict))


class Recording:
    """An engine double that remembers what each turn was asked with, and answers as the real one."""

    def __init__(self, engine):
        self.engine, self.sources, self.asked = engine, engine.sources, []

    def answer(self, message, previous=()):
        self.asked.append((message, list(previous)))
        return self.engine.answer(message, previous)

    def answer_many(self, messages, previous=None):
        self.asked += [(m, list(p or ())) for m, p in zip(messages, previous or [()] * len(messages))]
        return self.engine.answer_many(messages, previous)


def through_page(history, records):
    """What Gradio does to the chat's values between two events: each component's postprocess
    (sent to the page) and preprocess (sent back). gr.Chatbot reshapes text on the way
    (inspect.cleandoc: leading space stripped, tabs expanded) and gives content as parts."""
    chatbot, store = gr.Chatbot(), gr.JSON()
    return chatbot.preprocess(chatbot.postprocess(history)), store.preprocess(store.postprocess(records).model_dump())


def test_a_vote_after_a_follow_up_stores_the_passages_that_reply_showed(fake_engine):
    shown = fake_engine.answer(FOLLOW_UP, [EARLIER]).quote_ids
    alone = fake_engine.answer(FOLLOW_UP).quote_ids
    assert shown and alone and shown != alone  # asked alone, the message shows other passages
    votes = Votes()
    chat = Chat(fake_engine, votes)
    _, history, records = chat.submit(EARLIER, [], [])
    _, history, records = chat.submit(FOLLOW_UP, *through_page(history, records))
    history, records = through_page(history, records)
    chat.rate(history, records, SimpleNamespace(index=3, liked=strings.FEEDBACK_WRONG_PASSAGE))
    chat.rate(history, records, SimpleNamespace(index=1, liked=True))
    first = fake_engine.answer(EARLIER).quote_ids
    assert votes.votes == [(FOLLOW_UP, shown, "wrong_passage"), (EARLIER, first, "helpful")]


@dataclass(frozen=True)
class CountingVocabulary(Vocabulary):
    corrected: list[str] = field(default_factory=list, compare=False)  # each text `correct` was called with

    def correct(self, question: str) -> str:
        self.corrected.append(question)
        return super().correct(question)


class CountingEmbedder(FakeEmbedder):
    def __init__(self):
        super().__init__()
        self.encoded = []  # the texts of each encode_queries call

    def encode_queries(self, texts):
        self.encoded.append(list(texts))
        return super().encode_queries(texts)


def test_one_chat_turn_spell_corrects_once_and_encodes_once(fake_engine):
    # The fixture's built artifacts, read by a counting embedder (the same fake: the same vectors)
    # and a counting vocabulary with the same words.
    built = fake_engine.index
    vocab = CountingVocabulary(built.vocab.known, built.vocab.corpus, built.vocab.groups)
    embedder = CountingEmbedder()
    engine = Engine(index=SearchIndex(built.art, embedder, built.settings, vocab=vocab), sources=fake_engine.sources)
    chat = Chat(engine)
    _, history, records = chat.submit(EARLIER, [], [])
    assert len(embedder.encoded) == 1 and vocab.corrected == [EARLIER]
    _, history, records = chat.submit(FOLLOW_UP, history, records)
    # A follow-up corrects its own message once and, once, the earlier message it is read with:
    # the page sends earlier messages as typed and the engine does not keep the earlier turn's
    # corrected text, so that is the one further call. Still one model call for the whole turn,
    # the earlier message's vector included (last).
    assert vocab.corrected == [EARLIER, FOLLOW_UP, EARLIER]
    assert len(embedder.encoded) == 2 and embedder.encoded[1][-1] == vocab.correct(EARLIER)
    assert records[3]["quotes"] == list(fake_engine.answer(FOLLOW_UP, [EARLIER]).quote_ids)


@pytest.mark.parametrize("typed", ["what about *this* <b>?", "  what about *this*\t<b> \\* &amp;?"])
def test_the_next_turn_reads_earlier_messages_as_typed(fake_engine, typed):
    engine = Recording(fake_engine)
    chat = Chat(engine)
    _, history, records = chat.submit(typed, [], [])
    history, records = through_page(history, records)
    _, history, records = chat.submit("and why?", history, records)
    assert engine.asked == [(typed, []), ("and why?", [typed])]
    history, records = through_page(history, records)
    assert chat.undo(history, records, SimpleNamespace(index=1))[2] == typed
    engine.asked.clear()
    again, again_records = chat.retry(history, records, SimpleNamespace(index=3))
    assert engine.asked == [("and why?", [typed])] and again_records == records and again[:2] == history[:2]


def test_undo_retry_and_batches_keep_the_records_in_step(fake_engine):
    chat = Chat(fake_engine)
    _, history, records = chat.submit(EARLIER, [], [])
    _, history, records = chat.submit(FOLLOW_UP, history, records)
    assert [(r["role"], r["message"]) for r in records] == [
        ("user", EARLIER), ("assistant", EARLIER), ("user", FOLLOW_UP), ("assistant", FOLLOW_UP)]
    before, kept, text = chat.undo(history, records, SimpleNamespace(index=3))
    assert (before, kept, text) == (history[:2], records[:2], FOLLOW_UP)
    # Two chats answered in one batch: each follow-up is read with its own chat's messages.
    _, other, other_records = chat.submit("Can stress cause muscle twitching?", [], [])
    boxes, histories, shown, *_ = chat.submit_batch(["how does it do that", FOLLOW_UP], [other, before], [other_records, kept])
    assert shown[0][-1]["quotes"] == list(fake_engine.answer("how does it do that", ["Can stress cause muscle twitching?"]).quote_ids)
    assert shown[1] == records and histories[1] == history


def test_records_that_do_not_match_the_history_give_no_context_and_no_vote(fake_engine, caplog):
    engine, votes = Recording(fake_engine), Votes()
    chat = Chat(engine, votes)
    question = "zebracanary4711 twitching"
    _, history, records = chat.submit(question, [], [])
    wrong = [records[1], records[0]]  # roles swapped
    with caplog.at_level(logging.WARNING):
        for bad in (None, [], wrong, records[:1], [{"role": "user"}, "x"], records + records):
            chat.rate(history, bad, SimpleNamespace(index=1, liked=True))
        assert votes.votes == []
        engine.asked.clear()
        _, _, later = chat.submit("and why?", history, None)  # a page without records
        assert engine.asked == [("and why?", [])] and later[:2] == [
            {"role": "user", "message": None, "quotes": None}, {"role": "assistant", "message": None, "quotes": None}]
        assert chat.retry(history, None, SimpleNamespace(index=1))[0] == history  # nothing known to ask again
    assert "records do not match" in caplog.text and "zebracanary4711" not in caplog.text
    chat.rate(history, records, SimpleNamespace(index=0, liked=True))  # a user message is no answer
    chat.rate(history, records, SimpleNamespace(index=1, liked=True))
    assert votes.votes == [(question, fake_engine.answer(question).quote_ids, "helpful")]


def test_batched_events_take_no_session_state(fake_engine):
    # Gradio gives every event of a batch the first event's gr.State: a state there would mix
    # people's chats. The records travel with each event instead.
    demo = build_blocks(fake_engine, "112", Votes())
    batched = [fn for fn in demo.fns.values() if fn.batch]
    assert len(batched) >= 2 + len(strings.EXAMPLE_QUESTIONS)
    for fn in batched:
        assert not [block for block in [*fn.inputs, *fn.outputs] if block.stateful]
    chat_events = [fn for fn in demo.fns.values() if fn.api_name != "ask"]
    assert all(any(isinstance(b, gr.JSON) for b in fn.inputs) for fn in chat_events if fn.inputs)
