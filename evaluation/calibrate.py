"""Calibrates the abstention threshold on a gold file and prints the curve.

For each candidate threshold it reports the share of unanswerable questions that would
abstain and the share of answerable ones that would be answered (best score >= threshold).
It picks the threshold with the best balanced accuracy; where a range of thresholds ties, the
middle of that range, so that a small shift in scores on new questions moves neither rate
(the upper edge, used before the question bank, answered too few unseen questions). Emergency/crisis questions are left out: their
notices do not depend on retrieval. Only tune on the dev split; never on held-out.

    python -m evaluation.calibrate --gold evaluation/gold/dev.jsonl
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from answer import Settings

from .gold import GoldQuestion, load_gold


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
    pairs = [(s, g) for s, g in zip(best_scores, golds) if not (g.emergency or g.crisis)]
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


def main(argv: list[str] | None = None) -> int:
    from medquote import Engine
    from medquote.config import from_env

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--gold", required=True)
    args = p.parse_args(argv)
    cfg = from_env()
    # With no threshold, a reply still abstains for scope rules or a crisis: those count as
    # abstaining at every threshold.
    engine = Engine.load(cfg.corpus_dir, cfg.index_dir, settings=Settings(threshold=float("-inf")))
    golds = load_gold(args.gold)
    replies = [engine.ask(g.question) for g in golds]
    points = curve([r.ranked[0].score if r.ranked and not r.abstained else float("-inf") for r in replies], golds)
    print("threshold  abstain(unanswerable)  answer(answerable)")
    for pt in points[::5]:
        print(f"{pt.threshold:9.4f}  {pt.abstain_unanswerable:21.3f}  {pt.answer_answerable:18.3f}")
    chosen = best(points)
    print(f"best balanced accuracy {chosen.balanced:.3f} at threshold {chosen.threshold}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
