"""A small gold file for the HTML report tests: real gold lines of every kind, and one hostile line.

Answerable, not-covered and emergency/crisis questions from dev, follow-ups from followups.jsonl
(so the fake engine meets every branch of the report quickly), and a line whose question,
tags, earlier message and expected evidence carry markup and a Markdown image.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import ROOT

GOLD = ROOT / "evaluation" / "gold"
HOSTILE_QUESTION = '<script>window.__pwned = 1</script> ![x](http://evil.example/q.png) is twitching <b>bad</b>?'
HOSTILE_PREVIOUS = "<iframe src=http://evil.example/prev></iframe>"
HOSTILE_TAG = "<img src=http://evil.example/tag.png>"
HOSTILE_EVIDENCE = '<a href="http://evil.example/e">![y](http://evil.example/e.png)</a>'
HOSTILE_LINE = {
    "id": "hostile", "question": HOSTILE_QUESTION, "answerable": True, "previous": [HOSTILE_PREVIOUS],
    "tags": [HOSTILE_TAG], "relevant": [{"doc": "000_7bc7a14333f16656", "contains": HOSTILE_EVIDENCE}],
}


def _lines(name: str) -> list[dict]:
    return [json.loads(line) for line in (GOLD / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def mixed_lines() -> list[dict]:
    dev = _lines("dev.jsonl")
    urgent = [g for g in dev if g.get("emergency") or g.get("crisis")]
    answerable = [g for g in dev if g["answerable"] and g not in urgent]
    uncovered = [g for g in dev if not g["answerable"] and g not in urgent]
    # Two not-covered questions a scope rule catches (dose, cost), two only the threshold can.
    uncovered = [g for g in uncovered if g["id"] in ("d060", "d062", "d064", "d077")]
    return answerable[:6] + uncovered + urgent[:2] + _lines("followups.jsonl")[:2] + [HOSTILE_LINE]


def write_mixed_gold(path: Path) -> Path:
    path.write_text("".join(json.dumps(g) + "\n" for g in mixed_lines()), encoding="utf-8")
    return path
