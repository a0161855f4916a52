"""Which abstain threshold a turn's best score is judged by: the gate before the answer policy.

Four calibrated numbers (index/scoring.json, ScoreWeights; `medquote eval --calibrate` prints
each curve): `threshold` for the best score of a standalone question, with the query adapter;
`plain_threshold` for a second opinion, the same candidates scored with the query as encoded;
and, because a follow-up's vector (its own plus the earlier message's) scores lower than a whole
question's, `followup_threshold` and `followup_plain_threshold` for follow-up turns (None: the
standalone ones). A threshold set on the engine by hand (evaluation: -inf to sweep, the
un-adapted configuration's 0.44) is used for every turn as it is. Pure: the second opinion's
score is computed only when needed, by the function passed in. It does not rank or compose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from answer import Settings
from index import ScoreWeights


def judged_by(settings: Settings, weights: ScoreWeights, follow_up: bool, best: float | None,
              plain_best: Callable[[], float | None]) -> Settings:
    """The policy settings for this turn: its threshold, or -inf when the second opinion clears
    its own (the turn then answers with the adapted ranking: the adapter ranks better, the
    encoder's own geometry tells better whether anything answers, and a wording the map was not
    fitted on, "tengo twitching in my calf, is it ALS?", is not turned away for the map's sake)."""
    t = settings.threshold
    served = t is not None and t == weights.threshold
    if follow_up and served and weights.followup_threshold is not None:
        t = weights.followup_threshold
    plain_t = weights.followup_plain_threshold if follow_up and weights.followup_plain_threshold is not None else weights.plain_threshold
    own = settings if t == settings.threshold else replace(settings, threshold=t)
    if best is None or t is None or plain_t is None or best >= t:
        return own
    plain = plain_best()
    return own if plain is None or plain < plain_t else replace(settings, threshold=float("-inf"))
