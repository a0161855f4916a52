"""The one score a passage gets for a question, and the fitted weights it is computed with.

    score = 1 / (1 + exp(-(b + w · f)))      f = (cosine, hubness, lexical, sentence, bank, to_asker)

- cosine: the question's vector against the passage's (section heading + text);
- hubness: how close the passage sits to every other sentence (hubness.py): general
  introductions are near every question and answer few;
- lexical: BM25 of the question (plus synonyms) squashed into [0, 1) (lexical.squash);
- sentence: the cosine of the passage's best answering sentence (0 when it has none);
- bank: the cosine of the passage's best reviewed bank question, floored at 0, so unrelated bank
  questions never make a passage score below the same passage with none;
- to_asker: 1 for a reply passage written about another asker's own case.
b and w are a logistic regression fitted on labelled candidates (evaluation/fit.py, recorded in
index/scoring.json with what it was fitted on and for which encoder): no hand-set weight. The
score reads as the chance that the passage answers; the abstention threshold is calibrated on
the same dev split for the encoder in use. The served base encoder still uses the landed
hand-set formula (kind "landed", see score) until a fit ranks the issue examples as well
(docs/learned-answers.md). It does not gather features (search.py) or fit.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from records import MedquoteError

ADAPTED_PREFIX = "medquote-adapted"  # the name of every encoder trained by index/train.py starts so
FEATURES = ("cosine", "hubness", "lexical", "sentence", "bank", "to_asker")
WEIGHTS_FILE = Path(__file__).with_name("scoring.json")


class ScoringError(MedquoteError):
    """The fitted weights cannot be used. The message says what to run."""


@dataclass(frozen=True)
class ScoreWeights:
    intercept: float
    coefficients: tuple[float, ...]  # one per FEATURES entry, in that order
    threshold: float  # abstain below this score; calibrated on dev with these weights
    fitted_for: str  # the encoder's name (its recipe and training-data key), see models.py
    fitted_on: str  # the labelled data: gold file and its sha256
    note: str = ""  # how the fit went (rows, positives, dev figures)
    kind: str = "logistic"  # or "landed": the hand-set formula served until a fit beats it (see score)
    # With the query adapter: the threshold for the same score with the query as encoded. A turn
    # whose adapted best is under `threshold` still answers when its un-adapted best clears this
    # (SearchIndex.plain_best, medquote/gate.py). Calibrated on the tuning splits like
    # `threshold`; None: no second opinion.
    plain_threshold: float | None = None
    # The same two for follow-up turns (their mixed vectors score lower), calibrated on the
    # tuning splits' follow-ups; None: the standalone ones (medquote/gate.py).
    followup_threshold: float | None = None
    followup_plain_threshold: float | None = None
    # The fitted follow-up gate (medquote/gate.py): (intercept, w_score, w_plain, w_uncovered, cut),
    # a logistic regression on the tuning splits' follow-up turns (evaluation/fit_gate.py); None:
    # follow-ups are judged by the thresholds above.
    followup_gate: tuple[float, float, float, float, float] | None = None

    def __post_init__(self) -> None:
        if self.followup_gate is not None and len(self.followup_gate) != 5:
            raise ScoringError("followup_gate needs 5 numbers (intercept, score, plain, uncovered, cut). "
                               "Refit: `python -m evaluation.fit_gate --write`.")
        if len(self.coefficients) != len(FEATURES):
            raise ScoringError(f"Score weights need {len(FEATURES)} coefficients ({', '.join(FEATURES)}), "
                               f"got {len(self.coefficients)}. Refit: `medquote eval --gold evaluation/gold/dev.jsonl --fit`.")


def score(features: np.ndarray, weights: ScoreWeights) -> np.ndarray:
    """One score per row of `features` (columns in FEATURES order).

    kind "logistic": the fitted formula in the module docstring. kind "landed": the hand-set
    formula served before issue 21, kept as the served base encoder's score because the fitted one,
    better on dev and held-out, ranked two of the issue examples worse (docs/learned-answers.md):
    s = 0.64·(cosine − 0.3·hubness) + 0.16·lexical + 0.2·sentence; for a passage with bank questions
    s = max(s + 0.5·(bank − 0.3), bank − 0.35); then − 0.03 for text written to another asker."""
    f = np.asarray(features, dtype=np.float64).reshape(-1, len(FEATURES))
    if weights.kind == "landed":
        cosine, hub, lexical, sentence, bank, to_asker = f.T
        s = 0.64 * (cosine - 0.3 * hub) + 0.16 * lexical + 0.2 * sentence
        s = np.where(bank > 0, np.maximum(s + 0.5 * (bank - 0.3), bank - 0.35), s)
        return s - 0.03 * to_asker
    logit = weights.intercept + f @ np.asarray(weights.coefficients, dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-logit))


def load_weights(path: Path = WEIGHTS_FILE) -> dict[str, ScoreWeights]:
    """Every fit in the file, by the encoder it was made for ("adapted", "base", "fake")."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return {kind: ScoreWeights(**{**w, "coefficients": tuple(w["coefficients"]),
                                      "followup_gate": tuple(w["followup_gate"]) if w.get("followup_gate") else None})
                for kind, w in data.items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ScoringError(f"{path} cannot be read ({exc}). Restore it from git or refit: "
                           "`medquote eval --gold evaluation/gold/dev.jsonl --fit`.") from None


def save_weights(fits: dict[str, ScoreWeights], path: Path = WEIGHTS_FILE) -> None:
    text = json.dumps({k: asdict(w) for k, w in sorted(fits.items())}, indent=2, sort_keys=True) + "\n"
    tmp = Path(path).with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def weights_kind(embedder_name: str) -> str:
    """The key of this encoder's fit in scoring.json: "adapted", "base" or "fake"."""
    from .embedder import MODEL_NAME

    return "adapted" if embedder_name.startswith(ADAPTED_PREFIX) else "base" if embedder_name == MODEL_NAME else "fake"


def weights_for(embedder_name: str, path: Path = WEIGHTS_FILE) -> ScoreWeights:
    """The fit for this encoder: the adapted encoder's, the base model's, or the tests' fake
    embedder's. A fit made for another adapted encoder is used with one log line saying how to refit."""
    kind = weights_kind(embedder_name)
    fits = load_weights(path)
    if kind not in fits:
        raise ScoringError(f"{path} has no fit for the {kind} encoder. "
                           f"Run `medquote eval --gold evaluation/gold/dev.jsonl --fit --encoder {kind}`.")
    weights = fits[kind]
    if kind == "adapted" and weights.fitted_for != embedder_name:
        logging.getLogger("medquote").warning(
            "The score weights were fitted for another encoder; run `medquote eval --gold evaluation/gold/dev.jsonl --fit`.")
    return weights
