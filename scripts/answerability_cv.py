"""Offline measurement: does a learned gate tell answerable from not-covered turns better than a
threshold on the top score? Tuning splits only (dev, notcovered, followups,
followups_notcovered), 5 x 5-fold stratified cross-validation of balanced accuracy. It measures;
nothing is served from it (docs/learned-answers.md, session 10).

    HF_HUB_OFFLINE=1 .venv/bin/python -m scripts.answerability_cv
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from evaluation import load_gold
from medquote import config
from medquote.engine import engine_for

GOLD = Path(__file__).resolve().parents[1] / "evaluation" / "gold"
SPLITS = ("dev", "notcovered", "followups", "followups_notcovered")


def features() -> tuple[np.ndarray, np.ndarray]:
    """Per turn that reaches the gate: top score, margin to the second, the top hit's cosine,
    BM25, best sentence and best bank question, the query-as-encoded score, follow-up or not."""
    cfg = config.from_env()
    engine = engine_for(cfg, None, False, float("-inf"))
    golds = [g for s in SPLITS for g in load_gold(GOLD / f"{s}.jsonl")
             if not (g.emergency or g.crisis)]
    rows, labels = [], []
    for g, t in zip(golds, engine.answer_many([g.question for g in golds], [g.previous for g in golds]), strict=True):
        h = t.reply.ranked
        if t.reply.abstained or not h or t.query is None:  # scope rules: abstains at any threshold
            continue
        plain = engine.index.plain_best(t.search_text, t.query, t.context, engine.context_weight if t.context else 0.0)
        second = h[1].score if len(h) > 1 else 0.0
        rows.append([h[0].score, h[0].score - second, h[0].dense, h[0].lexical, h[0].sentence, h[0].bank, plain or 0.0, float(bool(t.context))])
        labels.append(int(g.answerable))
    return np.array(rows), np.array(labels)


def balanced(pred: np.ndarray, y: np.ndarray) -> float:
    return float((np.mean(pred[y == 1] == 1) + np.mean(pred[y == 0] == 0)) / 2)


def cut(scores: np.ndarray, y: np.ndarray) -> float:
    return float(max(np.unique(scores), key=lambda t: balanced((scores >= t).astype(int), y)))


def main() -> None:
    x, y = features()
    print(f"{len(y)} turns reach the gate, {int(y.sum())} answerable")
    results: dict[str, list[float]] = {"threshold on the top score": [], "the served gate (top score OR query as encoded)": [],
                                       "logistic head on the top hit's features": []}
    for seed in range(5):
        for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(x, y):
            t = cut(x[train, 0], y[train])
            results["threshold on the top score"].append(balanced((x[test, 0] >= t).astype(int), y[test]))
            grid = [(a, b) for a in np.quantile(x[train, 0], np.linspace(0, 1, 41)) for b in np.quantile(x[train, 6], np.linspace(0, 1, 41))]
            a, b = max(grid, key=lambda ab: balanced(((x[train, 0] >= ab[0]) | (x[train, 6] >= ab[1])).astype(int), y[train]))
            results["the served gate (top score OR query as encoded)"].append(balanced(((x[test, 0] >= a) | (x[test, 6] >= b)).astype(int), y[test]))
            head = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000).fit(x[train], y[train])
            t = cut(head.predict_proba(x[train])[:, 1], y[train])
            results["logistic head on the top hit's features"].append(balanced((head.predict_proba(x[test])[:, 1] >= t).astype(int), y[test]))
    for name, values in results.items():
        print(f"{name}: cross-validated balanced accuracy {np.mean(values):.3f} ± {np.std(values):.3f}")


if __name__ == "__main__":
    main()
