"""Calibrates the abstention threshold on a gold file: the curve and the threshold to use.

For each candidate threshold it reports the share of unanswerable questions that would
abstain and the share of answerable ones that would be answered (best score >= threshold).
It picks the threshold with the best balanced accuracy; where a range of thresholds ties, the
middle of that range, so that a small shift in scores on new questions moves neither rate
(the upper edge, used before the question bank, answered too few unseen questions). Emergency/crisis questions are left out: their
notices do not depend on retrieval. Only tune on the dev split; never on held-out.

    medquote eval --gold evaluation/gold/dev.jsonl --calibrate

The command loads the engine with no threshold and passes it in; this module loads nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from records import Reply

from .gold import GoldQuestion


class Asker(Protocol):
    def ask(self, question: str) -> Reply: ...


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


def best(points: list[Point]) -> Point:
    top = max(round(p.balanced, 6) for p in points)
    tied = [p for p in points if round(p.balanced, 6) == top]
    return tied[len(tied) // 2]


def calibrate(engine: Asker, golds: Sequence[GoldQuestion]) -> str:
    """The curve (every 5th point) and the best threshold, as `medquote eval --calibrate` prints them.
    `engine` must run with no threshold (-inf): a reply that abstains anyway (scope rules, a
    crisis) counts as abstaining at every threshold."""
    replies = [engine.ask(g.question) for g in golds]
    points = curve([r.ranked[0].score if r.ranked and not r.abstained else float("-inf") for r in replies], list(golds))
    lines = ["threshold  abstain(unanswerable)  answer(answerable)"]
    for pt in points[::5]:
        lines.append(f"{pt.threshold:9.4f}  {pt.abstain_unanswerable:21.3f}  {pt.answer_answerable:18.3f}")
    chosen = best(points)
    lines.append(f"best balanced accuracy {chosen.balanced:.3f} at threshold {chosen.threshold}")
    return "\n".join(lines)
