"""Whether a message leans on the earlier one, learned from the reviewed bank: `FollowUpHead`.

The rule (ingest.needs_context: a pronoun, a continuing lead, a bare "why?") misses follow-ups
that simply leave their topic out: "what kind of doctor tho", "how long till the late stage",
"what happens in the last one?". The bank holds 2,644 reviewed questions that stand alone and 555
reviewed follow-ups written to lean on an earlier message. A logistic regression on a message's
vector (the encoder's, as the engine encodes it) and three plain features (word count / 20, a
word under Zipf 4, the rule's verdict) tells them apart; the engine reads a message with its
earlier one when the rule says so OR the head gives P >= CUT (0.5, not tuned). Fitted at build
(scikit-learn, lbfgs: the same vectors give the same weights), stored as `followup_head.npy`
with RECIPE in the manifest; applied with numpy (the torch-free server applies it). It does not
encode, search or decide what is searched (medquote/followup.py does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ingest import needs_context, zipf
from records.text import words

RECIPE = "bank-followup-logistic-1"  # bump when anything below changes what the head is
CUT = 0.5
C = 1.0  # scikit-learn's default regularisation, kept
RARE_ZIPF = 4.0  # a word this rare ("emg", "fasciculations") names a topic of its own


def plain_features(text: str) -> list[float]:
    found = words(text)
    return [min(len(found), 20) / 20, float(any(zipf(w, "en") < RARE_ZIPF for w in found)), float(needs_context(text))]


def fit_head(questions: np.ndarray, question_texts: Sequence[str], follow_ups: np.ndarray,
             follow_up_texts: Sequence[str]) -> np.ndarray | None:
    """(dim + 4,) float64: the weights on the vector and the plain features, then the intercept;
    None without both kinds of reviewed text."""
    if not len(questions) or not len(follow_ups):
        return None
    from sklearn.linear_model import LogisticRegression  # the build has it; the server only applies

    x = np.vstack([np.column_stack([questions, [plain_features(t) for t in question_texts]]),
                   np.column_stack([follow_ups, [plain_features(t) for t in follow_up_texts]])]).astype(np.float64)
    y = np.r_[np.zeros(len(questions)), np.ones(len(follow_ups))]
    model = LogisticRegression(C=C, max_iter=2000).fit(x, y)
    return np.asarray(np.r_[model.coef_[0], model.intercept_[0]], dtype=np.float64)


@dataclass(frozen=True)
class FollowUpHead:
    weights: np.ndarray  # fit_head's

    def probability(self, vector: np.ndarray, text: str) -> float:
        x = np.r_[np.asarray(vector, dtype=np.float64), plain_features(text)]
        return float(1.0 / (1.0 + np.exp(-(x @ self.weights[:-1] + self.weights[-1]))))

    def follows(self, vector: np.ndarray, text: str) -> bool:
        """The rule's verdict, or the head's for a message the rule reads alone."""
        return needs_context(text) or (bool(words(text)) and self.probability(vector, text) >= CUT)
