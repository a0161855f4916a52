"""How the language detector does on evaluation/language/messages.jsonl and on every English set.

    python -m evaluation.language.report [--misses]

Non-English messages must get their language's reply (the right code); English ones (this
file's "en" lines, every gold question and every safety message) must stay English.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def english_sets() -> list[str]:
    """Every gold question with its earlier messages, and every safety message, read by the sets'
    validating readers (JSON lines split on "\n" only: a U+2028 inside a message stays in it)."""
    from evaluation.gold import load_gold
    from evaluation.safety.sets import read_safety

    out: list[str] = []
    for path in sorted((ROOT / "evaluation" / "gold").glob("*.jsonl")):
        out += [m for g in load_gold(path) for m in (g.question, *g.previous)]
    for path in sorted((ROOT / "evaluation" / "safety").glob("*.jsonl")):
        out += [row["message"] for row in read_safety(path)]
    return out


def messages(path: Path) -> list[dict[str, str]]:
    """messages.jsonl's rows (split on "\n" only, as above)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def main(argv: list[str]) -> int:
    from medquote import Engine
    from medquote.config import from_env

    cfg = from_env()
    detector = Engine.load(cfg.corpus_dir, cfg.index_dir).language
    rows = messages(HERE / "messages.jsonl")
    foreign = [r for r in rows if r["language"] != "en"]
    right = [r for r in foreign if detector.detect(r["message"]) == r["language"]]
    english = [r["message"] for r in rows if r["language"] == "en"] + english_sets()
    wrong_en = [m for m in english if detector.detect(m) != "en"]
    print(f"non-English messages with the right language: {len(right)}/{len(foreign)} ({100 * len(right) / len(foreign):.1f}%)")
    print(f"English messages taken as another language: {len(wrong_en)}/{len(english)}")
    if "--misses" in argv:
        for r in foreign:
            got = detector.detect(r["message"])
            if got != r["language"]:
                print(f"  MISS {r['id']} want {r['language']} got {got}: {r['message'][:80]}")
        for m in wrong_en:
            print(f"  NOT ENGLISH ({detector.detect(m)}): {m[:80]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
