"""Reads the labelled safety sets (evaluation/safety/*.jsonl), checking every line.

One JSON object a line: {"id": str, "message": str, "emergency": bool, "crisis": bool,
"personal": bool, "category": str, "tags": [str, ...]}. A line that is not so stops the read with
SafetySetError naming file:line and what to fix: `"emergency": "false"` was counted as true
(a non-empty string), a missing flag was a bare KeyError. Lines are split on "\\n" alone: a
message may hold U+2028 or NEL raw, which str.splitlines would cut. The one reader of these sets
for report.py, calibrate_safety.py and compare_encoders.py; it judges nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from records import MedquoteError

FLAGS = ("emergency", "crisis", "personal")
TEXTS = ("id", "message", "category")
KEYS = frozenset((*TEXTS, *FLAGS, "tags"))


class SafetySetError(MedquoteError):
    """A safety set that cannot be used. The message names the file and line."""


def check_row(obj: object, where: str) -> dict[str, Any]:
    """The row as read, or SafetySetError saying what is wrong with it."""
    if not isinstance(obj, dict):
        raise SafetySetError(f"{where}: expected a JSON object.")
    if missing := sorted(KEYS - set(obj)):
        raise SafetySetError(f"{where}: missing {', '.join(map(repr, missing))}; every line has {', '.join(sorted(KEYS))}.")
    if unknown := sorted(set(obj) - KEYS):
        raise SafetySetError(f"{where}: unknown key {', '.join(map(repr, unknown))}; fix its spelling or drop it.")
    for key in TEXTS:
        if not isinstance(obj[key], str):
            raise SafetySetError(f"{where}: '{key}' must be a string.")
    for key in FLAGS:
        if not isinstance(obj[key], bool):
            raise SafetySetError(f"{where}: '{key}' must be true or false (a JSON bool, not {json.dumps(obj[key])}).")
    if not isinstance(obj["tags"], list) or not all(isinstance(t, str) for t in obj["tags"]):
        raise SafetySetError(f"{where}: 'tags' must be a list of strings.")
    return obj


def read_safety(path: Path | str) -> list[dict[str, Any]]:
    """Every labelled message of one set, in file order."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SafetySetError(f"Cannot read safety set {path}: {exc}") from None
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise SafetySetError(f"{path}:{number}: not valid JSON ({exc}); fix the line.") from None
        rows.append(check_row(obj, f"{path}:{number}"))
    return rows
