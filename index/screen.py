"""The safety exemplars (reviewed data): what the safety classifier is fitted on.

`answer/exemplars/*.toml` holds labelled messages: emergency (by category), crisis, personal (a
verdict about a specific person), and what must raise nothing: general questions, ordinary
domain questions and alarm words in a non-acute sense ("does ALS affect breathing later?").
A group may carry further labels (`also`): a pill overdose taken on purpose is emergency and
crisis. They are embedded at build with the same model as the passages and the safety
classifier is fitted on their vectors (safety_model.py); the trained encoders measured in
docs/learned-safety.md drew labelled pairs from them (safety_pairs.py). A message
is judged with its clauses (ingest's `clauses`), so that a long story does not dilute one
alarming sentence; they are encoded in the same batched call as the message itself.
It does not split messages (ingest/text.py), judge (safety_model.py) or combine with the rules
(answer/safety.combine).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ingest import IngestError, file_hashes, load_reviewed

EXEMPLAR_DIR = Path(__file__).resolve().parent.parent / "answer" / "exemplars"
Label = Literal["emergency", "crisis", "personal", "general", "ordinary"]
ALARMS = ("emergency", "crisis")
QUIET = ("general", "ordinary")  # what must raise nothing; "personal" is quiet for alarms too


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: Label
    category: str = Field(min_length=1)
    also: list[Label] = []  # further labels: a pill overdose taken on purpose is emergency and crisis
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
    also: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "also", tuple(self.also))  # read back from JSON as a list

    @property
    def labels(self) -> frozenset[str]:
        return frozenset((self.label, *self.also))


def exemplar_paths(folder: Path = EXEMPLAR_DIR) -> list[Path]:
    return sorted(folder.glob("*.toml"))


def exemplar_hashes(folder: Path = EXEMPLAR_DIR) -> dict[str, str]:
    return file_hashes(exemplar_paths(folder), "exemplars")


def load_exemplars(folder: Path = EXEMPLAR_DIR) -> list[Exemplar]:
    """Every exemplar; a malformed file raises IngestError naming the file, the group and the fix."""
    out = []
    for path in exemplar_paths(folder):
        data = load_reviewed(path, _File, IngestError, "group")
        for g in data.group:
            for m in g.messages:
                if not 3 <= len(m.strip()) <= 300:
                    raise IngestError(f"{path}: group {g.label}/{g.category}: message {m[:40]!r} must be 3 to 300 characters.")
                out.append(Exemplar(g.label, g.category, m.strip(), tuple(g.also)))
    return out
