"""Fits the score weights (index/scoring.py) on a labelled gold file, then the threshold.

Every candidate the search gathers for a gold question becomes one row: its features, and
whether it is relevant (metrics.is_relevant; every candidate of an unanswerable question is
not). A logistic regression on those rows gives the intercept and one weight per feature; the
abstention threshold is then calibrated with those weights exactly as `--calibrate` does (best
balanced accuracy, middle of a tie). Only ever fit on the dev split:

    medquote eval --gold evaluation/gold/dev.jsonl --fit        # writes index/scoring.json

It does not decide which fit an engine uses (index/build.py `open_index` reads scoring.json through
`scoring.weights_for`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from index import FEATURES, ScoreWeights
from ingest import read_corpus
from medquote.engine import Engine

from .calibrate import sweep
from .gold import GoldQuestion
from .metrics import is_relevant

REGULARISATION = 10.0  # sklearn's C; the features are all on a 0..1 scale


def rows(engine: Engine, golds: Sequence[GoldQuestion], corpus_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """(features, relevant) for every candidate of every non-emergency gold question."""
    raws = {d.doc_id: d.raw for d in read_corpus(corpus_dir)}
    features, labels = [], []
    for gold in golds:
        if gold.emergency or gold.crisis:
            continue
        turn = engine.answer(gold.question, gold.previous)  # what the engine searched, read from its turn
        if turn.query is None:
            continue
        cand = engine.index.candidates(turn.search_text, turn.query, turn.context, engine.context_weight if turn.context else 0.0)
        for r, i in enumerate(cand.ids):
            chunk = engine.index.chunks[int(i)]
            features.append(cand.features[r])
            labels.append(gold.answerable and any(is_relevant(chunk, rel, raws) for rel in gold.relevant))
    return np.array(features).reshape(-1, len(FEATURES)), np.array(labels, dtype=bool)


def fit(engine: Engine, golds: Sequence[GoldQuestion], corpus_dir: Path, gold_path: Path) -> ScoreWeights:
    """The weights and threshold for `engine`'s encoder, fitted on `golds`."""
    from sklearn.linear_model import LogisticRegression

    x, y = rows(engine, golds, corpus_dir)
    model = LogisticRegression(C=REGULARISATION, max_iter=5000).fit(x, y)
    sha = hashlib.sha256(Path(gold_path).read_bytes()).hexdigest()
    weights = ScoreWeights(
        intercept=round(float(model.intercept_[0]), 6), coefficients=tuple(round(float(c), 6) for c in model.coef_[0]),
        threshold=0.5, fitted_for=engine.index.embedder.name, fitted_on=f"{Path(gold_path).name} sha256:{sha}",
        note=f"logistic regression, C={REGULARISATION}, {len(y)} candidates, {int(y.sum())} relevant",
    )
    return replace(weights, threshold=threshold(engine, weights, golds))


def threshold(engine: Engine, weights: ScoreWeights, golds: Sequence[GoldQuestion]) -> float:
    """The abstention threshold with these weights: calibrate.best over the dev curve."""
    return float(sweep(replace(engine, index=engine.index.with_settings(weights=weights)), golds)[1].threshold)
