"""Fits the follow-up gate (medquote/gate.py) on the tuning splits and records it in index/scoring.json.

    python -m evaluation.fit_gate           # print the fit, its cut and the tuning figures
    python -m evaluation.fit_gate --write   # also record it for the served encoder

The turns: every row of the tuning splits `followups.jsonl` and `followups_notcovered.jsonl` that
the engine reads as a follow-up, ranks something for and flags no emergency or crisis. Their
features as the gate reads them (Engine.follow_up_features: best score, the second opinion's,
the uncovered word), labelled answerable or not: a logistic regression (scikit-learn, C = 1).
The cut, answer-first: from out-of-fold probabilities (stratified 5-fold, 10 seeds, averaged),
the highest cut in steps of 0.01 at which those follow-ups are answered at least as often as the
thresholds alone answer them (docs/experiments/followup-gate-criterion.md, written before any
blind run). Never fitted on a blind set. The weights belong to the encoder, adapter and bank in
use: refit after changing any. It runs the server's runtime (ONNX), as the gate will.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np

from index.scoring import WEIGHTS_FILE, load_weights, save_weights, weights_kind
from medquote.engine import Engine

from .gold import GoldQuestion, load_gold

SPLITS = ("followups.jsonl", "followups_notcovered.jsonl")
GOLD_DIR = Path(__file__).with_name("gold")
FOLDS, SEEDS, STEP = 5, 10, 0.01


def tuning_golds(gold_dir: Path = GOLD_DIR) -> list[GoldQuestion]:
    """The tuning splits' questions, validated: a bad line stops the fit (GoldError naming
    file:line) rather than being left out of it unseen."""
    return [q for split in SPLITS for q in load_gold(gold_dir / split)]


def tuning_turns(engine: Engine, golds: list[GoldQuestion]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, answerable, answered by the thresholds alone) of the follow-up turns."""
    ungated = replace(engine, index=engine.index.with_settings(weights=replace(engine.index.settings.weights, followup_gate=None)))
    rows, labels, answered = [], [], []
    for g in golds:
        turn = ungated.answer(g.question, g.previous)
        features = ungated.follow_up_features(turn)
        if features is None or turn.reply.emergency or turn.reply.crisis:
            continue
        rows.append(features)
        labels.append(g.answerable)
        answered.append(not turn.reply.abstained)
    return np.array(rows), np.array(labels), np.array(answered)


def fit(x: np.ndarray, y: np.ndarray, answered: np.ndarray) -> tuple[tuple[float, float, float, float, float], str]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    folds = [cross_val_predict(LogisticRegression(max_iter=1000), x, y, method="predict_proba",
                               cv=StratifiedKFold(FOLDS, shuffle=True, random_state=seed))[:, 1] for seed in range(SEEDS)]
    p = np.mean(folds, axis=0)
    target = answered[y].mean()
    cuts = [round(c, 2) for c in np.arange(0.0, 1.0, STEP) if (p[y] >= c).mean() >= target - 1e-9]
    cut = float(max(cuts))
    model = LogisticRegression(max_iter=1000).fit(x, y)
    gate = (round(float(model.intercept_[0]), 6), *(round(float(w), 6) for w in model.coef_[0]), cut)
    report = (f"{len(y)} follow-up turns ({int(y.sum())} answerable); thresholds alone answer {target:.3f} of the "
              f"answerable and abstain on {1 - answered[~y].mean():.3f} of the others; out of fold at cut {cut}: "
              f"{(p[y] >= cut).mean():.3f} and {(p[~y] < cut).mean():.3f}")
    return gate, report  # type: ignore[return-value]  # five numbers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.fit_gate", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="record the gate in index/scoring.json")
    args = parser.parse_args(argv)
    from medquote.config import from_env
    from medquote.engine import engine_for

    golds = tuning_golds()  # first: a bad gold line is found before the model loads
    engine = engine_for(from_env(), runtime="onnx")
    gate, report = fit(*tuning_turns(engine, golds))
    print(f"{report}\nfollowup_gate (intercept, score, plain, uncovered, cut) = {gate}")
    if args.write:
        kind = weights_kind(engine.index.embedder.name)
        fits = load_weights()
        fits[kind] = replace(fits[kind], followup_gate=gate)
        save_weights(fits)
        print(f"written to {WEIGHTS_FILE} ({kind})")
    return 0


if __name__ == "__main__":
    from medquote.errors import handled  # a known failure (a bad gold line) is one line, not a trace

    raise SystemExit(handled(main))
