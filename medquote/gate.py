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
passed in. It does not rank or compose.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from answer import Settings
from index import ScoreWeights


def follow_up_probability(gate: tuple[float, float, float, float, float], best: float, plain: float, uncovered: float) -> float:
    b, w_score, w_plain, w_uncovered, _ = gate
    return 1.0 / (1.0 + math.exp(-(b + w_score * best + w_plain * plain + w_uncovered * uncovered)))


def judged_by(settings: Settings, weights: ScoreWeights, follow_up: bool, best: float | None,
              plain_best: Callable[[], float | None], uncovered: Callable[[], float | None] = lambda: None) -> Settings:
    """The policy settings for this turn: its threshold, or -inf when the second opinion clears
    its own (the turn then answers with the adapted ranking: the adapter ranks better, the
    encoder's own geometry tells better whether anything answers, and a wording the map was not
    fitted on, "tengo twitching in my calf, is it ALS?", is not turned away for the map's sake),
    or, for a follow-up with the fitted gate, -inf or +inf as the gate decides."""
    t = settings.threshold
    served = t is not None and t == weights.threshold
    plain_t = weights.followup_plain_threshold if follow_up and weights.followup_plain_threshold is not None else weights.plain_threshold
    if follow_up and served and weights.followup_gate is not None and best is not None:
        gated = _gate(weights.followup_gate, best, plain_best(), uncovered(), plain_t)
        if gated is not None:
            return replace(settings, threshold=-math.inf if gated else math.inf)
    if follow_up and served and weights.followup_threshold is not None:
        t = weights.followup_threshold
    own = settings if t == settings.threshold else replace(settings, threshold=t)
    if best is None or t is None or plain_t is None or best >= t:
        return own
    plain = plain_best()
    return own if plain is None or plain < plain_t else replace(settings, threshold=float("-inf"))


def _gate(gate: tuple[float, float, float, float, float], best: float, plain: float | None, uncovered: float | None,
          plain_t: float | None) -> bool | None:
    """Whether the follow-up answers; None without the uncovered word (an index storing no
    passage tokens): the thresholds judge it then."""
    if uncovered is None:
        return None
    if follow_up_probability(gate, best, best if plain is None else plain, uncovered) >= gate[4]:
        return True
    return plain is not None and plain_t is not None and plain >= plain_t
