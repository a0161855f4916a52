"""Which abstain threshold a turn's best score is judged by: the gate before the answer policy.

Calibrated numbers (index/scoring.json, ScoreWeights; `medquote eval --calibrate` prints each
curve): `threshold` for the best score of a standalone question, with the query adapter;
`plain_threshold` for a second opinion, the same candidates scored with the query as encoded;
`followup_threshold` and `followup_plain_threshold` for follow-up turns (None: the standalone
ones). With `followup_gate` (fitted by evaluation/fit_gate.py), a follow-up turn answers when

    P = 1 / (1 + exp(-(b + w1·score + w2·plain + w3·uncovered))) >= cut

or, as before, when the second opinion clears its threshold; else it abstains. `uncovered`
(index/coverage.py) is how specific the follow-up's own word is that the top passage never
speaks to: read with its earlier message, "how many cups is too many" finds the caffeine passage
and scores like an answer; no word there is about cups. A threshold set on the engine by hand
(evaluation: -inf to sweep, the un-adapted configuration's 0.44) is used for every turn as it is.
Pure: the second opinion and the uncovered word are computed only when needed, by the functions
passed in. `decide` also says which rule settled the turn (Decision), so the evaluation report
states the rule that was applied. It does not rank or compose.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from answer import Settings
from index import ScoreWeights


def follow_up_probability(gate: tuple[float, float, float, float, float], best: float, plain: float, uncovered: float) -> float:
    b, w_score, w_plain, w_uncovered, _ = gate
    return 1.0 / (1.0 + math.exp(-(b + w_score * best + w_plain * plain + w_uncovered * uncovered)))


@dataclass(frozen=True)
class Decision:
    """Which rule of the gate settled a turn and the threshold it applied, so the evaluation
    report can say why a turn answered or abstained without working the gate out again.
    `rule`: "threshold", "followup_threshold", "plain_threshold" or "followup_plain_threshold"
    (the second opinion), "followup_gate", or "threshold set by hand"; `score`: what that rule
    compared (the best score, the second opinion's, or the gate's probability; None when
    nothing was ranked); `threshold`: what it was compared with (the gate's cut); `answers`: the
    gate lets the policy answer (scope rules and notices may still make it abstain)."""

    rule: str
    score: float | None
    threshold: float | None
    answers: bool


def judged_by(settings: Settings, weights: ScoreWeights, follow_up: bool, best: float | None,
              plain_best: Callable[[], float | None], uncovered: Callable[[], float | None] = lambda: None) -> Settings:
    """The policy settings for this turn: its threshold, or -inf when the second opinion clears
    its own (the turn then answers with the adapted ranking: the adapter ranks better, the
    encoder's own geometry tells better whether anything answers, and a wording the map was not
    fitted on, "tengo twitching in my calf, is it ALS?", is not turned away for the map's sake),
    or, for a follow-up with the fitted gate, -inf or +inf as the gate decides."""
    return decide(settings, weights, follow_up, best, plain_best, uncovered)[0]


def decide(settings: Settings, weights: ScoreWeights, follow_up: bool, best: float | None,
           plain_best: Callable[[], float | None], uncovered: Callable[[], float | None] = lambda: None) -> tuple[Settings, Decision]:
    """`judged_by`'s settings and the Decision that chose them (the one place the gate is decided)."""
    t = settings.threshold
    served = t is not None and t == weights.threshold
    own_plain = follow_up and weights.followup_plain_threshold is not None
    plain_t = weights.followup_plain_threshold if own_plain else weights.plain_threshold
    plain_rule = "followup_plain_threshold" if own_plain else "plain_threshold"
    if follow_up and served and weights.followup_gate is not None and best is not None:
        gate, plain, gap = weights.followup_gate, plain_best(), uncovered()
        if gap is not None:  # without the uncovered word (no passage tokens) the thresholds judge
            p = follow_up_probability(gate, best, best if plain is None else plain, gap)
            if p >= gate[4]:
                return replace(settings, threshold=-math.inf), Decision("followup_gate", p, gate[4], True)
            if plain is not None and plain_t is not None and plain >= plain_t:  # the second opinion, as before
                return replace(settings, threshold=-math.inf), Decision(plain_rule, plain, plain_t, True)
            return replace(settings, threshold=math.inf), Decision("followup_gate", p, gate[4], False)
    rule = "threshold" if served or t is None else "threshold set by hand"
    if follow_up and served and weights.followup_threshold is not None:
        t, rule = weights.followup_threshold, "followup_threshold"
    own = settings if t == settings.threshold else replace(settings, threshold=t)
    if best is None:  # nothing ranked: the policy abstains
        return own, Decision(rule, None, t, False)
    if t is None or plain_t is None or best >= t:
        return own, Decision(rule, best, t, t is None or best >= t)
    plain = plain_best()
    if plain is None or plain < plain_t:
        return own, Decision(rule, best, t, False)
    return replace(settings, threshold=float("-inf")), Decision(plain_rule, plain, plain_t, True)
