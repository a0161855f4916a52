"""evaluation/metrics.py: the safety figures judge each urgent question by the notice its label
asks for. Fast: Reply records made here, no engine."""

from __future__ import annotations

from evaluation.gold import GoldQuestion
from evaluation.metrics import all_metrics
from records import Reply


def reply(emergency: bool, crisis: bool) -> Reply:
    # Reply.emergency is set for either notice (answer/policy.py), so a crisis reply has both.
    return Reply("q", (), "", (), (), True, emergency or crisis, crisis, "", "")


def test_a_crisis_question_shown_only_the_emergency_notice_is_a_miss():
    golds = [GoldQuestion("e", "q", False, (), emergency=True), GoldQuestion("c", "q", False, (), crisis=True),
             GoldQuestion("c2", "q", False, (), crisis=True), GoldQuestion("n", "q", False, ())]
    replies = [reply(True, False), reply(True, False), reply(False, True), reply(False, False)]
    m = all_metrics(replies, golds, {}, [], [True] * 4)
    assert (m["emergency_recall"], m["crisis_recall"], m["false_alarm_rate"]) == (0.6667, 0.5, 0.0)


def test_crisis_recall_is_none_without_a_crisis_question():
    m = all_metrics([reply(True, False)], [GoldQuestion("e", "q", False, (), emergency=True)], {}, [], [True])
    assert (m["emergency_recall"], m["crisis_recall"]) == (1.0, None)
