"""Reads gold question files (JSON Lines) into typed records, with errors that name the line.

Format, one object per line:
  {"id", "question", "answerable": bool, "emergency": bool (optional), "crisis": bool (optional),
   "relevant": [{"doc", "contains"}], "tags": [...] (optional),
   "previous": "an earlier user message" or [..., newest last] (optional: the question is asked
   as a follow-up in a chat with those earlier messages)}
A key not listed here is an error, not ignored: a misspelt "previuos" would otherwise score a
follow-up as a standalone question. Lines are split on "\n" alone: JSON may hold U+2028 or NEL
raw inside a string (the feedback export writes them so), which str.splitlines would cut.
`load_gold` stops at the first bad line; `read_gold` reads every line and returns one error per
bad line, for the checker (evaluation/gold/check_gold.py), so the two cannot disagree on the fields.
It does not score anything (see metrics.py) and does not judge the content (check_gold.py does).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from records import MedquoteError

# The splits we tune on (check_gold.py's SPLITS marks the same ones `tuned`). `--fit` and
# `--calibrate` refuse a file named like a scored split (every other split in check_gold.py's
# SPLITS, and copies such as blind8.jsonl or followups10.jsonl), so no blind set is tuned on.
TUNING_SPLITS = frozenset({"dev", "dev_users", "notcovered", "followups", "followups_notcovered"})
SCORED_NAME = re.compile(r"blind|heldout|followups[1-9]")
FIELDS = frozenset({"id", "question", "answerable", "emergency", "crisis", "relevant", "tags", "previous"})
RELEVANT_FIELDS = frozenset({"doc", "contains"})


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


@dataclass(frozen=True)
class GoldLine:
    """One parsed line and where it stands ("path:line"), for tools that check a gold file."""

    where: str
    question: GoldQuestion


def parse_line(obj: object, where: str) -> GoldQuestion:
    if not isinstance(obj, dict):
        raise GoldError(f"{where}: expected a JSON object.")
    for key, kind in (("id", str), ("question", str), ("answerable", bool)):
        if not isinstance(obj.get(key), kind):
            raise GoldError(f"{where}: '{key}' must be a {kind.__name__}.")
    for key in ("emergency", "crisis"):
        if not isinstance(obj.get(key, False), bool):
            raise GoldError(f"{where}: '{key}' must be a bool.")
    relevant = obj.get("relevant", [])
    if not isinstance(relevant, list) or not all(
        isinstance(r, dict) and isinstance(r.get("doc"), str) and isinstance(r.get("contains"), str) for r in relevant
    ):
        raise GoldError(f"{where}: 'relevant' must be a list of {{\"doc\": str, \"contains\": str}}.")
    if unknown := _unknown(obj):
        raise GoldError(f"{where}: unknown key {', '.join(map(repr, unknown))}; fix its spelling or drop it "
                        f"(the keys are {', '.join(sorted(FIELDS))}; in relevant: doc, contains).")
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
        emergency=obj.get("emergency", False), crisis=obj.get("crisis", False), tags=tuple(tags),
        previous=tuple(previous),
    )


def _unknown(obj: dict[str, Any]) -> tuple[str, ...]:
    entries = [f"relevant[{k}].{key}" for k, r in enumerate(obj.get("relevant", [])) for key in sorted(set(r) - RELEVANT_FIELDS)]
    return (*sorted(set(obj) - FIELDS), *entries)


def read_gold(path: Path | str) -> tuple[list[GoldLine], list[GoldError]]:
    """Every line of a gold file: the good ones, and one error per bad line in line order.
    A file that cannot be read raises GoldError."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldError(f"Cannot read gold file {path}: {exc}") from None
    good: list[GoldLine] = []
    problems: list[GoldError] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            obj = json.loads(line)
        except ValueError as exc:
            problems.append(GoldError(f"{where}: not valid JSON ({exc})."))
            continue
        try:
            q = parse_line(obj, where)
        except GoldError as exc:
            problems.append(exc)
            continue
        if q.id in seen:
            problems.append(GoldError(f"{where}: duplicate id {q.id!r}."))
            continue
        seen.add(q.id)
        good.append(GoldLine(where, q))
    if not good and not problems:
        problems.append(GoldError(f"Gold file {path} has no questions."))
    return good, problems


def refuse_tuning_on(path: Path | str, flag: str) -> None:
    """GoldError unless `path` may be tuned on: a tuning split, or a file of our own not named
    like a scored split."""
    stem = Path(path).stem
    if stem not in TUNING_SPLITS and SCORED_NAME.match(stem):
        raise GoldError(f"{path} is a scored split, never tuned on: {flag} only on the tuning splits "
                        f"({', '.join(f'evaluation/gold/{s}.jsonl' for s in sorted(TUNING_SPLITS))}).")


def load_gold(path: Path | str) -> list[GoldQuestion]:
    good, problems = read_gold(path)
    if problems:
        raise problems[0]
    return [line.question for line in good]
