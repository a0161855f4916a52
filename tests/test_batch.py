"""Answering many messages at once (`Engine.ask_many`, used by the chat and /ask when requests
wait together) gives exactly the replies `ask` gives one at a time: same quotes, scores,
notices and related questions, in any batch order, alongside bad input."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from answer import to_answer_object
from evaluation.gold import load_gold

GOLD = Path(__file__).resolve().parent.parent / "evaluation" / "gold"
ODD = ["", "   ", "x" * 5000, None, 42, "what is ALS?\x00\ud800"]


def gold_cases() -> list[tuple[str, tuple[str, ...]]]:
    cases = []
    for name in ("dev.jsonl", "heldout.jsonl", "blind.jsonl", "followups.jsonl"):
        cases += [(g.question, g.previous) for g in load_gold(GOLD / name)]
    return cases


def as_bytes(reply) -> str:
    return json.dumps(to_answer_object(reply), sort_keys=True, ensure_ascii=False)


def check_batches(engine, cases, size: int) -> int:
    order = list(range(len(cases)))
    random.Random(7).shuffle(order)
    checked = 0
    for start in range(0, len(order), size):
        batch = [cases[i] for i in order[start: start + size]]
        together = engine.ask_many([q for q, _ in batch], [p for _, p in batch])
        for (question, previous), reply in zip(batch, together):
            alone = engine.ask(question, previous)
            assert reply == alone, question
            assert as_bytes(reply) == as_bytes(alone), question
            checked += 1
    return checked


def test_batched_replies_are_the_single_ones_fake(fake_engine):
    cases = gold_cases() + [(q, ()) for q in ODD]
    assert check_batches(fake_engine, cases, 16) == len(cases)


def test_batch_arguments(fake_engine):
    assert fake_engine.ask_many([]) == []
    replies = fake_engine.ask_many(["what is ALS?", None], None)
    assert [as_bytes(r) for r in replies] == [as_bytes(fake_engine.ask("what is ALS?")), as_bytes(fake_engine.ask(None))]
    with pytest.raises(ValueError):
        fake_engine.ask_many(["a", "b"], [()])


@pytest.mark.slow
def test_batched_replies_are_the_single_ones_real(real_engine):
    # The model pads a batch to its longest text; rows are grouped by padded length so that no
    # row's floats depend on its companions (index/embedder.py, QUERY_PAD).
    cases = gold_cases() + [(q, ()) for q in ODD]
    assert check_batches(real_engine, cases, 16) == len(cases)


def test_chat_batch_handlers_match_single_turns(fake_engine):
    from web.page import Chat

    chat = Chat(fake_engine)
    _, first, first_records, *_ = chat.submit_with_related("what is an EMG?", [], [])
    messages = ["what is an EMG?", "and how long does it take?", "", "<img src=x>"]
    histories = [[], first, None, []]
    records = [[], first_records, None, []]
    together = chat.submit_batch(messages, histories, records)
    assert len(together) == 7 and all(len(column) == len(messages) for column in together)
    for i, (message, history, shown) in enumerate(zip(messages, histories, records)):
        assert tuple(column[i] for column in together) == chat.submit_with_related(message, history, shown)
    answers = chat.ask_batch(["what is an EMG?", "why?"], [None, ["what is an EMG?"]])[0]
    assert answers == [chat.ask("what is an EMG?"), chat.ask("why?", ["what is an EMG?"])]


class FailsOnOne:
    """An engine whose batch call fails and which cannot answer one particular message."""

    def __init__(self, engine):
        self.engine, self.sources = engine, engine.sources

    def answer_many(self, messages, previous=None):
        raise RuntimeError("batch failed")

    def answer(self, message, previous=()):
        if message == "poison":
            raise RuntimeError("cannot answer this one")
        return self.engine.answer(message, previous)


def test_one_failing_message_does_not_take_the_batch_down(fake_engine):
    from answer import render, strings
    from web.page import Chat

    answers = Chat(FailsOnOne(fake_engine)).ask_batch(["what is an EMG?", "poison"], [None, None])[0]
    assert answers[0] == to_answer_object(fake_engine.ask("what is an EMG?"))
    assert answers[1]["error"] == strings.INTERNAL_ERROR and render.escape(strings.DISCLAIMER) in answers[1]["reply"]
