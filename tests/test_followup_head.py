"""index/followup_head.py: whether a message leans on the earlier one, learned from the bank;
and the engine reading a turn with the reading it chooses (medquote/engine.py Engine.reading)."""

from __future__ import annotations

import numpy as np
import pytest

from index.followup_head import CUT, FollowUpHead, fit_head, plain_features


def test_the_head_is_fitted_the_same_way_every_time():
    rng = np.random.default_rng(0)
    questions, follow_ups = rng.normal(0, 1, (40, 8)), rng.normal(1, 1, (20, 8))
    texts_q = [f"what is emg number {i}" for i in range(40)]
    texts_f = ["what kind of doctor tho"] * 20
    first = fit_head(questions, texts_q, follow_ups, texts_f)
    assert first is not None and first.shape == (8 + 4,)
    assert np.array_equal(first, fit_head(questions, texts_q, follow_ups, texts_f))
    head = FollowUpHead(first)
    assert head.probability(follow_ups.mean(axis=0), texts_f[0]) > CUT > head.probability(questions.mean(axis=0), texts_q[0])


def test_no_head_without_both_kinds_of_reviewed_text():
    assert fit_head(np.zeros((0, 4)), [], np.ones((3, 4)), ["why?"] * 3) is None
    assert fit_head(np.ones((3, 4)), ["what is bfs?"] * 3, np.zeros((0, 4)), []) is None


def test_the_rule_is_a_floor_and_a_message_without_words_stands_alone():
    never = FollowUpHead(np.r_[np.zeros(4 + 3), -50.0])  # the head alone would never say so
    assert never.follows(np.zeros(4), "why does that happen?")  # the rule's
    assert not never.follows(np.zeros(4), "what kind of doctor tho")
    always = FollowUpHead(np.r_[np.zeros(4 + 3), 50.0])
    assert always.follows(np.zeros(4), "what kind of doctor tho")
    assert not always.follows(np.zeros(4), "?!")
    assert plain_features("what kind of doctor tho") == [0.25, 0.0, 0.0]


@pytest.fixture
def with_head(fake_engine):
    """The fake engine with a head that says `yes` to every message with words, or never."""
    def make(yes: bool):
        from dataclasses import replace

        index = fake_engine.index.with_settings()
        index.follow_up_head = FollowUpHead(np.r_[np.zeros(index.embedder.dim + 3), 50.0 if yes else -50.0])
        return replace(fake_engine, index=index)
    return make


def test_the_engine_reads_a_message_the_head_calls_a_follow_up_with_the_earlier_one(with_head):
    turn = with_head(True).answer("what kind of doctor tho", ["When should I see a doctor about my twitching?"])
    assert turn.context == "when should i see a doctor about my twitching?"  # spell-corrected, as searched
    two = with_head(True).answer("and the late stage", ["What are the stages of ALS?", "what happens in stage 1"])
    assert two.context == "what are the stages of als? what happens in stage 1"  # the earlier one leans back too


def test_without_the_heads_yes_only_the_rule_reads_context(with_head):
    engine = with_head(False)
    assert engine.answer("what kind of doctor tho", ["When should I see a doctor about my twitching?"]).context == ""
    assert engine.answer("why?", ["What is BFS?", "is it common"]).context == "what is bfs? is it common"  # the rule's chain
    alone = engine.answer("what kind of doctor tho")
    assert alone.context == "" and alone.reply == engine.answer("what kind of doctor tho", []).reply
