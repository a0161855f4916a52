"""medquote/gate.py: the threshold a turn is judged by, and the second opinion."""

from __future__ import annotations

import pytest

from answer import Settings
from evaluation.gold import load_gold
from index import ScoreWeights
from medquote.gate import Decision, decide, judged_by

W = ScoreWeights(0.0, (1.0, 0.0, 0.0, 0.0, 0.0, 0.0), 0.40, "m", "d", plain_threshold=0.60,
                 followup_threshold=0.45, followup_plain_threshold=0.55)
SERVED = Settings(threshold=W.threshold)


def never() -> float:
    raise AssertionError("the second opinion was asked for although the first cleared its threshold")


@pytest.mark.parametrize("follow_up, best, expected", [
    (False, 0.41, 0.40),  # a question over its threshold
    (True, 0.46, 0.45),  # a follow-up is judged by the follow-ups' threshold
])
def test_a_best_over_its_threshold_needs_no_second_opinion(follow_up, best, expected):
    assert judged_by(SERVED, W, follow_up, best, never).threshold == expected


@pytest.mark.parametrize("follow_up, plain, expected", [
    (False, 0.61, float("-inf")), (False, 0.59, 0.40),  # the second opinion clears 0.60, or does not
    (True, 0.56, float("-inf")), (True, 0.54, 0.45),  # a follow-up's: 0.55
    (True, None, 0.45),  # no second opinion to be had (no adapter)
])
def test_under_its_threshold_a_turn_answers_when_the_query_as_encoded_clears_its_own(follow_up, plain, expected):
    assert judged_by(SERVED, W, follow_up, 0.30, lambda: plain).threshold == expected


def test_a_threshold_set_by_hand_is_used_for_every_turn():
    by_hand = Settings(threshold=float("-inf"))  # evaluation's sweep
    assert judged_by(by_hand, W, True, 0.1, never).threshold == float("-inf")
    legacy = Settings(threshold=0.44)  # the un-adapted configuration: no follow-up threshold of its own
    assert judged_by(legacy, W, True, 0.5, never).threshold == 0.44


def test_without_follow_up_thresholds_follow_ups_are_judged_like_questions():
    plain = ScoreWeights(0.0, W.coefficients, 0.40, "m", "d", plain_threshold=0.60)
    assert judged_by(SERVED, plain, True, 0.42, never).threshold == 0.40
    assert judged_by(SERVED, plain, True, 0.30, lambda: 0.58).threshold == 0.40
    assert judged_by(SERVED, plain, False, None, never) is SERVED  # nothing ranked: the policy abstains


# The fitted follow-up gate: (intercept, score, plain, uncovered, cut). P = 0.5 exactly where
# score + plain - uncovered = 1 (intercept -1, unit weights), cut 0.5.
GATED = ScoreWeights(0.0, W.coefficients, 0.40, "m", "d", plain_threshold=0.60, followup_gate=(-1.0, 1.0, 1.0, -1.0, 0.5))


@pytest.mark.parametrize("best, plain, uncovered, expected", [
    (0.30, 0.50, 0.0, float("inf")),  # under the threshold and P < 0.5: abstains
    (0.55, 0.50, 0.0, float("-inf")),  # P > 0.5: answers, quoting down to best - margin
    (0.55, 0.50, 0.2, float("inf")),  # the same scores with a specific word left unanswered: abstains
    (0.45, 0.55, 0.1, float("inf")),  # over the question threshold (0.40), yet the gate says no
    (0.10, 0.65, 0.9, float("-inf")),  # P low, but the second opinion clears its 0.60: answers, as before
])
def test_a_follow_up_is_judged_by_the_fitted_gate(best, plain, uncovered, expected):
    assert judged_by(SERVED, GATED, True, best, lambda: plain, lambda: uncovered).threshold == expected


def test_the_gate_judges_follow_ups_only_and_needs_the_uncovered_word():
    assert judged_by(SERVED, GATED, False, 0.45, never, never).threshold == 0.40  # a question: the thresholds
    assert judged_by(SERVED, GATED, True, 0.45, lambda: 0.5, lambda: None).threshold == 0.40  # no passage tokens
    assert judged_by(Settings(threshold=float("-inf")), GATED, True, 0.1, never, never).threshold == float("-inf")  # by hand
    assert judged_by(SERVED, GATED, True, 0.30, lambda: None, lambda: 0.0).threshold == float("inf")  # P(0.3, 0.3, 0) < 0.5


def test_a_gate_needs_five_numbers():
    from index.scoring import ScoringError

    with pytest.raises(ScoringError, match="fit_gate"):
        ScoreWeights(0.0, W.coefficients, 0.40, "m", "d", followup_gate=(1.0, 2.0))  # type: ignore[arg-type]


@pytest.mark.parametrize("weights, follow_up, best, plain, uncovered, rule, score, threshold, answers", [
    (W, False, 0.41, None, None, "threshold", 0.41, 0.40, True),
    (W, False, 0.30, 0.61, None, "plain_threshold", 0.61, 0.60, True),  # the second opinion let it answer
    (W, False, 0.30, 0.59, None, "threshold", 0.30, 0.40, False),
    (W, True, 0.46, None, None, "followup_threshold", 0.46, 0.45, True),
    (W, True, 0.30, 0.56, None, "followup_plain_threshold", 0.56, 0.55, True),
    (GATED, True, 0.55, 0.50, 0.0, "followup_gate", pytest.approx(1 / (1 + 2.718281828459045 ** -0.05)), 0.5, True),
    (GATED, True, 0.30, 0.50, 0.0, "followup_gate", pytest.approx(1 / (1 + 2.718281828459045 ** 0.2)), 0.5, False),
    (GATED, True, 0.10, 0.65, 0.9, "plain_threshold", 0.65, 0.60, True),  # P low, the second opinion answers
])
def test_the_decision_names_the_rule_that_settled_the_turn(weights, follow_up, best, plain, uncovered, rule, score, threshold, answers):
    settings, decision = decide(SERVED, weights, follow_up, best, lambda: plain, lambda: uncovered)
    assert settings == judged_by(SERVED, weights, follow_up, best, lambda: plain, lambda: uncovered)
    assert (decision.rule, decision.score, decision.threshold, decision.answers) == (rule, score, threshold, answers)


def test_a_threshold_set_by_hand_is_named_so():
    d = decide(Settings(threshold=-1.0), W, False, 0.1, never)[1]
    assert (d.rule, d.score, d.threshold, d.answers) == ("threshold set by hand", 0.1, -1.0, True)
    assert decide(SERVED, W, False, None, never)[1] == Decision("threshold", None, 0.40, False)  # nothing ranked


def test_the_gate_is_fitted_on_validated_tuning_splits_only(tmp_path):
    """evaluation/fit_gate.py read its splits with read_gold(...)[0], which dropped a bad line
    from the fit without a word; now the line stops it, named."""
    import shutil

    from evaluation.fit_gate import SPLITS, tuning_golds
    from evaluation.gold import GoldError
    from tests.helpers import ROOT

    for split in SPLITS:
        shutil.copy(ROOT / "evaluation" / "gold" / split, tmp_path / split)
    assert len(tuning_golds(tmp_path)) == sum(len(load_gold(tmp_path / s)) for s in SPLITS)
    with open(tmp_path / SPLITS[1], "a", encoding="utf-8") as fh:
        fh.write('{"id": "u999", "question": "and that?", "answerable": "no"}\n')
    lines = (tmp_path / SPLITS[1]).read_text(encoding="utf-8").count("\n")
    with pytest.raises(GoldError, match=rf"^{tmp_path / SPLITS[1]}:{lines}: 'answerable' must be a bool\.$"):
        tuning_golds(tmp_path)
