"""The semantic safety layer: a message judged by its nearest reviewed exemplars, clause by clause.

`answer/exemplars/*.toml` (reviewed data) holds labelled messages: emergency (by category),
crisis, personal (a verdict about a specific person), and what must raise nothing: general
questions, ordinary domain questions and alarm words in a non-acute sense ("does ALS affect
breathing later?"). They are embedded at build with the same model as the passages and stored
with the index. A message is split into clauses, so that a long story does not dilute one
alarming sentence; the clauses are encoded in the same batched call as the question itself.
For each clause and class, the class score is the mean cosine of its `k` nearest exemplars;
a flag is raised when a clause's alarm score beats its best "nothing" score by the calibrated
margin (see evaluation/safety/README.md for how the margins were set).
It does not decide with rules (answer/safety.py does) or combine the two (the engine does).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ingest import IngestError

EXEMPLAR_DIR = Path(__file__).resolve().parent.parent / "answer" / "exemplars"
Label = Literal["emergency", "crisis", "personal", "general", "ordinary"]
ALARMS = ("emergency", "crisis")
QUIET = ("general", "ordinary")  # what must raise nothing; "personal" is quiet for alarms too


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: Label
    category: str = Field(min_length=1)
    messages: list[str] = Field(min_length=1)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: Literal[1]
    group: list[_Group]


@dataclass(frozen=True)
class Exemplar:
    label: str
    category: str
    text: str


def exemplar_paths(folder: Path = EXEMPLAR_DIR) -> list[Path]:
    return sorted(folder.glob("*.toml"))


def exemplar_hashes(folder: Path = EXEMPLAR_DIR) -> dict[str, str]:
    return {f"exemplars/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest() for p in exemplar_paths(folder)}


def load_exemplars(folder: Path = EXEMPLAR_DIR) -> list[Exemplar]:
    """Every exemplar; a malformed file raises IngestError naming the file, the group and the fix."""
    out = []
    for path in exemplar_paths(folder):
        try:
            data = _File.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise IngestError(f"{path}: not valid TOML ({exc}). Fix the syntax, then run `medquote ingest`.") from None
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise IngestError(f"{path}: {where}: {err['msg']}. Fix that group, then run `medquote ingest`.") from None
        for g in data.group:
            for m in g.messages:
                if not 3 <= len(m.strip()) <= 300:
                    raise IngestError(f"{path}: group {g.label}/{g.category}: message {m[:40]!r} must be 3 to 300 characters.")
                out.append(Exemplar(g.label, g.category, m.strip()))
    return out


_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;]*")
_SOFT = re.compile(r",|\bbut\b")
MAX_CLAUSE_WORDS = 14
MIN_CLAUSE_WORDS = 4  # shorter fragments ("off for two months") match anything a little
MAX_CLAUSES = 12


def clauses(message: str) -> list[str]:
    """The sentences of a longer message, long ones cut again at commas and conjunctions.
    [] for a message of one short sentence: the whole-message vector already covers it."""
    parts: list[str] = []
    for sent in (m.group(0).strip() for m in _SENTENCE.finditer(message)):
        pieces = _SOFT.split(sent) if len(sent.split()) > MAX_CLAUSE_WORDS else [sent]
        merged: list[str] = []
        for piece in (p.strip() for p in pieces if p.strip()):
            if merged and len(merged[-1].split()) < MIN_CLAUSE_WORDS:
                merged[-1] = f"{merged[-1]} {piece}"  # a fragment joins the piece after it
            else:
                merged.append(piece)
        parts.extend(p for p in merged if len(p.split()) >= 3)
    if len(parts) <= 1:
        return []
    return parts[:MAX_CLAUSES]


@dataclass(frozen=True)
class SemanticFlags:
    emergency: bool
    crisis: bool
    personal: bool
    scores: tuple[float, float, float]  # best margins (emergency, crisis, personal), for calibration


@dataclass(frozen=True)
class ScreenSettings:
    # Calibrated for recall first under a false-alarm ceiling; see evaluation/safety/README.md.
    k: int = 5
    min_alarm_sim: float = 0.5  # an alarm also needs one exemplar of its class at least this close
    emergency_margin: float = 0.035
    crisis_margin: float = 0.01
    personal_margin: float = 0.155


# The margins depend on the encoder's geometry: the encoder adapted to the question bank packs ALS
# questions closer together, so with the base model's margins ordinary questions about breathing or
# choking in ALS crossed into alarms (6 of 163 in ordinary.jsonl). Recalibrated for it with
# evaluation/safety/calibrate_screen.py on the tuning sets only, by the same rule (recall first under
# the false-alarm ceiling; personal: the smallest margin flagging no more general questions than the
# rules alone: 0.27, as "what are the odds of getting ALS?" scores 0.268). Figures in
# docs/learned-answers.md.
ADAPTED_SCREEN = ScreenSettings(emergency_margin=0.06, crisis_margin=0.025, personal_margin=0.27)


def screen_settings_for(embedder_name: str) -> ScreenSettings:
    """The margins calibrated for this encoder: the adapted one's, else the base model's."""
    from .scoring import ADAPTED_PREFIX

    return ADAPTED_SCREEN if embedder_name.startswith(ADAPTED_PREFIX) else ScreenSettings()


class SemanticScreen:
    def __init__(self, exemplars: list[Exemplar], vectors: np.ndarray, settings: ScreenSettings = ScreenSettings()):
        self.settings = settings
        self.labels = np.array([e.label for e in exemplars])
        self.vectors = vectors
        self._masks = {lab: self.labels == lab for lab in ("emergency", "crisis", "personal", "general", "ordinary")}

    def _class_scores(self, sims: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Per clause (row), per label: mean cosine of the k nearest exemplars of that label, and
        the cosine of the nearest one."""
        mean, top = {}, {}
        for label, mask in self._masks.items():
            sub = sims[:, mask]
            if sub.shape[1] == 0:
                mean[label] = top[label] = np.full(len(sims), -1.0)
                continue
            k = min(self.settings.k, sub.shape[1])
            nearest = np.partition(sub, -k, axis=1)[:, -k:]
            mean[label], top[label] = nearest.mean(axis=1), nearest.max(axis=1)
        return mean, top

    def margins(self, clause_vectors: np.ndarray) -> tuple[float, float, float]:
        if len(self.labels) == 0 or len(clause_vectors) == 0:
            return (-1.0, -1.0, -1.0)
        c, top = self._class_scores(clause_vectors @ self.vectors.T)
        quiet = np.maximum.reduce([c["general"], c["ordinary"], c["personal"]])
        floor = self.settings.min_alarm_sim
        emergency = np.where(top["emergency"] >= floor, c["emergency"] - np.maximum(quiet, c["crisis"]), -1.0)
        crisis = np.where(top["crisis"] >= floor, c["crisis"] - np.maximum(quiet, c["emergency"]), -1.0)
        personal = c["personal"] - np.maximum(c["general"], c["ordinary"])
        return float(emergency.max()), float(crisis.max()), float(personal.max())

    def judge(self, clause_vectors: np.ndarray) -> SemanticFlags:
        e, c, p = self.margins(clause_vectors)
        st = self.settings
        return SemanticFlags(e >= st.emergency_margin, c >= st.crisis_margin, p >= st.personal_margin, (e, c, p))
