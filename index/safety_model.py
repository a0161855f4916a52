"""The safety classifier: a trained branch on the encoder's trunk, or three logistic heads.

Served with a real encoder: the safety branch (safety_branch.py trains it at build), the
encoder's top layers fine-tuned on the exemplars with a linear head, stored with the index as
`safety_branch.onnx` and run here by ONNX Runtime (SafetyBranch) on the trunk states the
encoder's pass gives beside the retrieval vectors. The heads below are its starting point, and
the classifier where there is no branch (the fake encoder of the fast tests).

Fitted at build on the reviewed exemplars' vectors (answer/exemplars/*.toml, see screen.py for
the file format) with scikit-learn, seeded and deterministic, and stored with the index as
`safety_head.npy` (3 rows of weights + bias: emergency, crisis, personal). At serving time a
message is judged on its own vector and on each of its clauses (ingest's `clauses`), so one
alarming sentence in a long story is not diluted: the probability of each class is the
highest over those rows. Numpy only, so the server needs neither torch nor scikit-learn.
The thresholds are calibrated per encoder on the tuning sets (index/safety.json, written by
`python -m evaluation.safety.calibrate_safety --write`); combining with the rules is
answer/safety.combine's job, not this module's.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .embedder import Trunk
from .screen import Exemplar

HEADS = ("emergency", "crisis", "personal")
BRANCH_INPUTS = ("trunk", "attention_mask")
BRANCH_OUTPUT = "safety"
C = 4.0  # inverse L2 strength; normalised vectors need large weights to separate sharply
# Everything in fit_head that decides the head the branch starts from: part of the branch's key
# (safety_branch.branch_key), so a change here trains the branch again instead of reusing one.
HEAD_RECIPE = f"logistic-ovr-balanced-C{C}-iter2000-state0"
THRESHOLDS_FILE = Path(__file__).with_name("safety.json")


def fit_head(exemplars: Sequence[Exemplar], vectors: np.ndarray) -> np.ndarray:
    """(3, dim + 1): each head's weights and bias, class-balanced, fitted on every exemplar."""
    from sklearn.linear_model import LogisticRegression

    rows = []
    for head in HEADS:
        y = np.array([head in e.labels for e in exemplars])
        if y.all() or not y.any():  # a class with no exemplar (a test corpus): never fires
            rows.append(np.r_[np.zeros(vectors.shape[1]), -30.0])
            continue
        fit = LogisticRegression(C=C, class_weight="balanced", max_iter=2000, random_state=0).fit(vectors, y)
        rows.append(np.r_[fit.coef_[0], fit.intercept_[0]])
    return np.asarray(rows, dtype=np.float32)


def probabilities(head: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """(rows, 3) probabilities of each head for each vector."""
    z = vectors @ head[:, :-1].T + head[:, -1]
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))


@dataclass(frozen=True)
class Thresholds:
    emergency: float = 0.5
    crisis: float = 0.5
    personal: float = 0.5
    # What the classifier must give a flag the rules raise only through `confirm` patterns
    # (answer/safety.combine): 0 lets every such rule fire as it did before.
    emergency_floor: float = 0.0
    crisis_floor: float = 0.0
    # The emergency threshold for a message already judged a crisis (answer.safety.combine's
    # with_crisis): 2.0, never, for thresholds calibrated before it existed.
    emergency_with_crisis: float = 2.0
    fitted_for: str = ""  # the encoder they were calibrated for
    # sha256 of the safety branch they were calibrated on: a branch trained elsewhere must be
    # these bytes (branch_worker.py pins the training) or the thresholds are not its own.
    branch_sha256: str = ""
    note: str = ""

    @property
    def cuts(self) -> tuple[float, float, float]:
        return (self.emergency, self.crisis, self.personal)

    @property
    def floors(self) -> tuple[float, float, float]:
        return (self.emergency_floor, self.crisis_floor, 0.0)


def load_thresholds(path: Path = THRESHOLDS_FILE) -> dict[str, Thresholds]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return {name: Thresholds(**row) for name, row in data.items()}


def encoder_key(embedder_name: str, branch: str = "") -> str:
    """Which calibration an encoder uses: "adapted", "fake" (the tests' word hashing) or "base";
    with a safety branch, "<that>+<branch recipe>" (its probabilities are not the heads')."""
    from .scoring import ADAPTED_PREFIX

    key = "adapted" if embedder_name.startswith(ADAPTED_PREFIX) else "fake" if embedder_name.startswith("fake") else "base"
    return f"{key}+{branch}" if branch else key


def thresholds_for(embedder_name: str, path: Path = THRESHOLDS_FILE, branch: str = "", branch_sha256: str = "") -> Thresholds:
    """The thresholds calibrated for this encoder (and branch), else 0.5 each (with a warning that
    says how to calibrate: an uncalibrated classifier raises far more alarms). A branch of other
    bytes than the one calibrated on is served with them, with a warning that says so."""
    key = encoder_key(embedder_name, branch)
    found = load_thresholds(path).get(key)
    log = logging.getLogger("medquote.index")
    fix = f"`python -m evaluation.safety.calibrate_safety --encoder {key.split('+')[0]} --write`"
    if found is None:
        log.warning("No safety thresholds calibrated for the %s encoder in %s: 0.5 used. Run %s.", key, path, fix)
        return Thresholds()
    if branch_sha256 and found.branch_sha256 and branch_sha256 != found.branch_sha256:
        log.warning("The safety thresholds for %s were calibrated on the branch %s, but this index's branch is %s: "
                    "its verdicts near a threshold may differ from the measured ones. Rebuild with `medquote ingest` "
                    "from the reviewed exemplars, or calibrate for this branch: %s.", key, found.branch_sha256[:12],
                    branch_sha256[:12], fix)
    return found


class SafetyBranch:
    """The trained branch (safety_branch.py's ONNX bytes) run by ONNX Runtime: no torch."""

    def __init__(self, onnx: bytes, recipe: str, threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 0
        options.inter_op_num_threads = 1
        self.recipe = recipe
        self._session = ort.InferenceSession(onnx, sess_options=options, providers=["CPUExecutionProvider"])

    def probabilities(self, trunk: Trunk, rows: int, judged: Collection[int] | None = None) -> np.ndarray:
        """(rows, 3): each text's probabilities, from the encoder's trunk states per model call.
        `judged`: the rows safety reads (None: all); the others (a follow-up's earlier message,
        which safety never judges) are left at 0 and cost nothing.
        One text per run, cut to its own tokens: the int8 branch scales its activations per
        tensor, so in a batch a message's probabilities would depend on the messages and
        padding it shares the batch with (people asking at the same moment, Engine.answer_many)."""
        out = np.zeros((rows, len(HEADS)), dtype=np.float32)
        for which, states, mask in trunk:
            for j, row in enumerate(which):
                if judged is None or row in judged:
                    n = int(mask[j].sum())
                    feed = {BRANCH_INPUTS[0]: states[j: j + 1, :n], BRANCH_INPUTS[1]: mask[j: j + 1, :n]}
                    out[row] = self._session.run([BRANCH_OUTPUT], feed)[0][0]
        return out


@dataclass(frozen=True)
class SafetyClassifier:
    head: np.ndarray
    thresholds: Thresholds = Thresholds()
    branch: SafetyBranch | None = None  # when set, it judges; the head is not used

    judges_clauses = True  # the message's clauses are encoded for it too (medquote.engine.Engine.prepare)

    def rows(self, vectors: np.ndarray, branch: np.ndarray | None = None) -> np.ndarray:
        """(texts, 3): each text's probability of (emergency, crisis, personal), the message's
        first, then its clauses': the branch's (`branch`, its rows for these texts) when there is
        one, else the heads' on `vectors`."""
        if len(vectors) == 0:
            return np.zeros((0, len(HEADS)), dtype=np.float32)
        if self.branch is None:
            return probabilities(self.head, vectors)
        if branch is None:
            raise ValueError("A classifier with a safety branch judges the branch's rows: pass them (Engine.encode_rows).")
        return branch

    def scores(self, vectors: np.ndarray, branch: np.ndarray | None = None) -> tuple[float, float, float]:
        """Highest probability of (emergency, crisis, personal) over the message and its clauses (`rows`)."""
        return highest(self.rows(vectors, branch))


def highest(rows: np.ndarray) -> tuple[float, float, float]:
    """Each class's highest probability over `rows` (SafetyClassifier.rows); 0.0 for no rows."""
    if len(rows) == 0:
        return (0.0, 0.0, 0.0)
    top = rows.max(axis=0)
    return (float(top[0]), float(top[1]), float(top[2]))


@dataclass(frozen=True)
class RulesOnly:
    """The null classifier: no probabilities, so the rules alone decide (answer.safety.combine
    with None). For an engine without a fitted head, e.g. tests on the fake embedder."""

    thresholds: Thresholds = Thresholds()
    branch: SafetyBranch | None = None
    judges_clauses = False

    def rows(self, vectors: np.ndarray, branch: np.ndarray | None = None) -> np.ndarray | None:
        return None

    def scores(self, vectors: np.ndarray, branch: np.ndarray | None = None) -> tuple[float, float, float] | None:
        return None
