"""Calibrates the abstention threshold on a gold file: the curve and the threshold to use.

For each candidate threshold it reports the share of unanswerable questions that would
abstain and the share of answerable ones that would be answered (best score >= threshold).
It picks the threshold with the best balanced accuracy averaged over its neighbours (±WINDOW
points of the curve); where a range of thresholds ties, the middle of that range, so that a small
shift in scores on new questions moves neither rate (the upper edge, used before the question
bank, answered too few unseen questions; the single best point, used until issue 21, jumped
between plateaus of a flat curve). Emergency/crisis questions are left out: their
notices do not depend on retrieval. Only tune on the dev split; never on held-out.

    medquote eval --gold evaluation/gold/dev.jsonl --calibrate

It loads nothing: the engine is passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .gold import GoldQuestion

if TYPE_CHECKING:
    from medquote.engine import Engine


@dataclass(frozen=True)
class Point:
    threshold: float
    abstain_unanswerable: float
    answer_answerable: float

    @property
    def balanced(self) -> float:
        return (self.abstain_unanswerable + self.answer_answerable) / 2


def curve(best_scores: list[float], golds: list[GoldQuestion], steps: int = 101) -> list[Point]:
    """`best_scores[i]` is the top score, or -inf when the policy abstains whatever the threshold."""
    pairs = [(s, g) for s, g in zip(best_scores, golds, strict=True) if not (g.emergency or g.crisis)]
    pos = [s for s, g in pairs if g.answerable]
    neg = [s for s, g in pairs if not g.answerable]
    best_scores = [s for s in best_scores if s != float("-inf")] or [0.0]
    lo, hi = min(best_scores), max(best_scores)
    points = []
    for i in range(steps):
        t = round(lo + (hi - lo) * i / (steps - 1), 4)
        points.append(Point(t, sum(s < t for s in neg) / max(len(neg), 1), sum(s >= t for s in pos) / max(len(pos), 1)))
    return points


# Each point is judged by the mean balanced accuracy of itself and WINDOW points either side
# (about ±0.03 of score on a 0-1 range): on a flat, noisy curve the single best point jumped
# from 0.3366 to 0.4111 when one of 2,644 + 556 training items of the query adapter was removed.
WINDOW = 3


def smoothed(points: list[Point], window: int = WINDOW) -> list[float]:
    """Each point's balanced accuracy averaged with its neighbours' (fewer at the ends)."""
    values = [p.balanced for p in points]
    return [sum(values[max(0, i - window): i + window + 1]) / len(values[max(0, i - window): i + window + 1]) for i in range(len(values))]


def best(points: list[Point], window: int = WINDOW) -> Point:
    """The point with the best balanced accuracy over its neighbourhood (`smoothed`); where a
    range ties, its middle."""
    scores = [round(v, 6) for v in smoothed(points, window)]
    top = max(scores)
    tied = [p for p, v in zip(points, scores, strict=True) if v == top]
    return tied[len(tied) // 2]


def sweep(engine: Engine, golds: Sequence[GoldQuestion]) -> tuple[list[Point], Point]:
    """The threshold curve on these gold questions (each asked as the chat would, with its
    earlier messages), and its best point. The engine is run with no threshold (-inf): a reply
    that abstains anyway (scope rules, a crisis) abstains at every threshold. The one sweep:
    `--calibrate`, `--fit` and the HTML report all use it."""
    loose = replace(engine, settings=replace(engine.settings, threshold=float("-inf")))
    turns = loose.answer_many([g.question for g in golds], [g.previous for g in golds])
    scores = [t.reply.ranked[0].score if t.reply.ranked and not t.reply.abstained else float("-inf") for t in turns]
    points = curve(scores, list(golds))
    return points, best(points)


def calibrate(engine: Engine, golds: Sequence[GoldQuestion]) -> str:
    """The curve (every 5th point) and the best threshold, as `medquote eval --calibrate` prints
    them: for standalone questions and, apart, for follow-up turns (a message the engine reads
    with its earlier one: the rule or the follow-up head, Engine.reading), whose scores run lower;
    with the query adapter in use each also for the query as encoded, the second opinion
    (medquote/gate.py). Follow-ups with the fitted gate: evaluation/fit_gate.py."""
    ix = engine.index
    plain = None
    if ix.settings.query_adapter and ix.art.query_adapter is not None:
        from index import SearchIndex  # the engine's own index type: no new stack loaded here

        plain = replace(engine, index=SearchIndex(ix.art, ix.embedder, replace(ix.settings, query_adapter=False)))
    follow = [bool(t.context) for t in engine.answer_many([g.question for g in golds], [g.previous for g in golds])]
    groups = [("standalone questions", [g for g, f in zip(golds, follow, strict=True) if not f], "threshold", "plain_threshold"),
              ("follow-up turns", [g for g, f in zip(golds, follow, strict=True) if f], "followup_threshold", "followup_plain_threshold")]
    lines: list[str] = []
    for title, group, name, plain_name in groups:
        if not group:
            continue
        if len(group) < len(golds):
            lines += [*([""] if lines else []), f"{title} ({len(group)}):"]
        kinds = {g.answerable for g in group if not (g.emergency or g.crisis)}
        if kinds != {True, False}:  # a balanced accuracy needs both
            lines.append(f"no {name}: calibrating needs answerable and not-covered questions here")
            continue
        lines += _curve(*sweep(engine, group), name)
        if plain is not None:
            lines += ["", "the query as encoded, without the query adapter (the second opinion):"]
            lines += _curve(*sweep(plain, group), plain_name)
    return "\n".join(lines)


def _curve(points: list[Point], chosen: Point, name: str) -> list[str]:
    lines = ["threshold  abstain(unanswerable)  answer(answerable)"]
    for pt in points[::5]:
        lines.append(f"{pt.threshold:9.4f}  {pt.abstain_unanswerable:21.3f}  {pt.answer_answerable:18.3f}")
    lines.append(f"best balanced accuracy {chosen.balanced:.3f} at {name} {chosen.threshold}")
    return lines
