"""Reads gold question files (JSON Lines) into typed records, with errors that name the line.

Format, one object per line:
  {"id", "question", "answerable": bool, "emergency": bool (optional), "crisis": bool (optional),
   "relevant": [{"doc", "contains"}], "tags": [...] (optional),
   "previous": "an earlier user message" or [..., newest last] (optional: the question is asked
   as a follow-up in a chat with those earlier messages)}
It does not score anything; see metrics.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from records import MedquoteError


class GoldError(MedquoteError):
    """A gold file that cannot be used. The message names the file and line."""


@dataclass(frozen=True)
class Relevant:
    doc: str
    contains: str


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    answerable: bool
    relevant: tuple[Relevant, ...]
    emergency: bool = False
    crisis: bool = False
    tags: tuple[str, ...] = ()
    previous: tuple[str, ...] = ()  # earlier user messages of the same chat, newest last


def parse_line(obj: object, where: str) -> GoldQuestion:
    if not isinstance(obj, dict):
        raise GoldError(f"{where}: expected a JSON object.")
    for key, kind in (("id", str), ("question", str), ("answerable", bool)):
        if not isinstance(obj.get(key), kind):
            raise GoldError(f"{where}: '{key}' must be a {kind.__name__}.")
    relevant = obj.get("relevant", [])
    if not isinstance(relevant, list) or not all(
        isinstance(r, dict) and isinstance(r.get("doc"), str) and isinstance(r.get("contains"), str) for r in relevant
    ):
        raise GoldError(f"{where}: 'relevant' must be a list of {{\"doc\": str, \"contains\": str}}.")
    tags = obj.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise GoldError(f"{where}: 'tags' must be a list of strings.")
    previous = obj.get("previous", [])
    previous = [previous] if isinstance(previous, str) else previous
    if not isinstance(previous, list) or not all(isinstance(p, str) for p in previous):
        raise GoldError(f"{where}: 'previous' must be a string or a list of strings.")
    return GoldQuestion(
        id=obj["id"], question=obj["question"], answerable=obj["answerable"],
        relevant=tuple(Relevant(r["doc"], r["contains"]) for r in relevant),
        emergency=bool(obj.get("emergency", False)), crisis=bool(obj.get("crisis", False)), tags=tuple(tags),
        previous=tuple(previous),
    )


def load_gold(path: Path | str) -> list[GoldQuestion]:
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldError(f"Cannot read gold file {path}: {exc}") from None
    questions, seen = [], set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise GoldError(f"{path}:{number}: not valid JSON ({exc}).") from None
        q = parse_line(obj, f"{path}:{number}")
        if q.id in seen:
            raise GoldError(f"{path}:{number}: duplicate id {q.id!r}.")
        seen.add(q.id)
        questions.append(q)
    if not questions:
        raise GoldError(f"Gold file {path} has no questions.")
    return questions
