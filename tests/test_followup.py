"""Follow-up questions: read with the earlier message when they need it, never otherwise;
safety and scope always judge the current message alone."""

from __future__ import annotations

from dataclasses import replace

import pytest

from evaluation import load_gold, run_eval
from medquote.followup import needs_context, retrieval_text
from tests.helpers import ROOT


@pytest.mark.parametrize("message", ["why?", "how long?", "is that common?", "what about the arms?",
                                     "what does it find in ALS?", "and in MS?", "why does that happen?"])
def test_follow_ups_need_context(message):
    assert needs_context(message)


@pytest.mark.parametrize("message", ["bfs?", "emg hurt?", "what is BFS?", "can stress cause twitching?",
                                     "I have had twitching in my left calf for three weeks now, what can cause that?"])
def test_questions_of_their_own_are_searched_alone(message):
    assert not needs_context(message)
    assert retrieval_text(message, ["What is an EMG?"]) == message


def test_a_chain_of_follow_ups_reaches_back_to_the_topic():
    assert retrieval_text("why?", ["Does ALS cause weight loss?", "is that common?"]) == "Does ALS cause weight loss? is that common? why?"
    assert retrieval_text("why?", []) == "why?"


ISSUE_PAIRS = [
    ("What is an EMG?", "what does it find in ALS?", ("denervation",)),
    ("Does ALS cause weight loss?", "why does that happen?", ("weight loss",)),
    ("Can twitching be a sign of MS?", "is that common?", ("MS",)),
]


@pytest.mark.slow
@pytest.mark.parametrize("previous, message, words", ISSUE_PAIRS)
def test_issue_follow_ups_are_answered_in_context(real_engine, previous, message, words):
    reply = real_engine.ask(message, [previous])
    assert not reply.abstained
    assert any(w.casefold() in q.chunk.text.casefold() for q in reply.quotes for w in words)


# From the tuning splits (followups.jsonl, followups_notcovered.jsonl), never a blind set.
@pytest.mark.slow
def test_a_follow_up_that_leaves_its_topic_out_is_read_in_context(real_engine):
    """No pronoun, no lead word: the rule reads it alone; the head learned from the bank does not."""
    assert not needs_context("what else raises the risk then?")
    turn = real_engine.answer("what else raises the risk then?", ["Is ALS inherited?"])
    assert turn.context and not turn.reply.abstained
    assert any("risk factors" in q.chunk.text for q in turn.reply.quotes)
    assert real_engine.index.art.passage_tokens is not None and real_engine.index.follow_up_head is not None


@pytest.mark.slow
@pytest.mark.parametrize("previous, message", [
    ("It said early intervention and supportive care help", "what about riluzole"),
    ("I drink a lot of coffee and read that caffeine can cause twitching", "how many cups is too many"),
])
def test_a_follow_up_asking_what_no_passage_says_abstains(real_engine, previous, message):
    """Read with its earlier message it finds that topic's passage; its own specific word
    (riluzole, cups) is nowhere in it: the fitted gate turns it away (medquote/gate.py)."""
    turn = real_engine.answer(message, [previous])
    assert turn.context and turn.reply.abstained


@pytest.mark.slow
def test_an_unrelated_earlier_question_does_not_change_gold_accuracy(real_engine, corpus_dir):
    golds = load_gold(ROOT / "evaluation" / "gold" / "dev.jsonl")
    n = len(golds)
    after = [replace(g, previous=(golds[(i + n // 2) % n].question,)) for i, g in enumerate(golds)]
    alone = run_eval(real_engine, golds, corpus_dir)["metrics"]["accuracy@1"]
    assert abs(run_eval(real_engine, after, corpus_dir)["metrics"]["accuracy@1"] - alone) <= 0.02


HISTORIES = [(), ("I can't breathe and my chest is crushing",), ("I want to end my life tonight",),
             ("what is BFS?", "is that common?")]


@pytest.mark.slow
@pytest.mark.parametrize("history", HISTORIES, ids=["none", "emergency", "crisis", "chat"])
def test_safety_flags_come_from_the_current_message_alone(real_engine, history):
    import json

    rows = [json.loads(line) for name in ("redflags_heldout.jsonl", "personal.jsonl")
            for line in (ROOT / "evaluation" / "safety" / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    from answer import strings

    crisis = strings.CRISIS_NOTICE.format(number=real_engine.settings.emergency_number)
    for r in rows[::3]:
        alone, later = real_engine.ask(r["message"]), real_engine.ask(r["message"], list(history))
        assert (later.emergency, later.crisis) == (alone.emergency, alone.crisis), r["id"]
        # The one notice history adds: a crisis told in the last two messages shows the crisis
        # notice again, after an emergency notice and before the no-verdict line (crisis_before).
        expected = list(alone.notices)
        if "end my life" in " ".join(history) and crisis not in expected:
            expected.insert(int(alone.emergency), crisis)
        assert list(later.notices) == expected, r["id"]


@pytest.mark.slow
def test_a_crisis_verdict_never_carries_over_and_scope_judges_the_current_message(real_engine):
    # The earlier crisis repeats its notice above the answer; the answer itself is given.
    from answer import strings

    reply = real_engine.ask("what is BFS?", ["I want to kill myself"])
    assert not reply.crisis and not reply.emergency and reply.quotes
    assert reply.notices == (strings.CRISIS_NOTICE.format(number=real_engine.settings.emergency_number),)
    assert real_engine.ask("how much does it cost?", ["What is an EMG?"]).abstained


@pytest.mark.slow
def test_related_questions_lead_elsewhere_and_only_under_answers(real_engine):
    reply = real_engine.ask("What is an EMG?")
    assert 1 <= len(reply.related) <= 3 and reply.quotes
    for q in reply.related:
        assert q.endswith("?") and " my " not in f" {q.casefold()} "
        follow = real_engine.ask(q)
        assert follow.quotes and {x.chunk.id for x in follow.quotes} != {x.chunk.id for x in reply.quotes}
    assert real_engine.ask("I can't breathe, my lips are blue").related == ()
    assert real_engine.ask("how much does an EMG cost?").related == ()
    assert real_engine.ask("I want to end my life").related == ()


@pytest.mark.slow
def test_an_earlier_turn_blank_once_cleaned_is_no_context(real_engine):
    # "\x00" cleans to a space: before the fix the turn was read with " " (and with "\u200b" or "?").
    plain = real_engine.answer("why does that happen?", ["Does ALS cause weight loss?"])
    for junk in ("\x00", "\u200b", "?"):
        turn = real_engine.answer("why does that happen?", ["Does ALS cause weight loss?", junk])
        assert turn.context == plain.context != "" and turn.reply == plain.reply

