"""Print how answer/safety.py does on the labelled sets in evaluation/safety/.

Run from the repo root:  .venv/bin/python evaluation/safety/report.py [--misses] [--screen] [FILE ...]

--screen judges as the engine does (`Engine.screen_message`: the rules OR the trained safety
classifier of index/safety_model.py, which needs the built index); without it, the rules alone.

Per file: emergency and crisis recall (overall and per category), emergency/crisis false
alarms (flagged where the label is False), and personal accuracy. --misses lists every
message whose flags differ from its labels, with the pattern ids that fired.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from answer.safety import RULES_VERSION, Safety, assess  # noqa: E402
from evaluation.safety.sets import read_safety  # noqa: E402

DEFAULT_FILES = ("redflags_dev.jsonl", "redflags_heldout.jsonl", "ordinary.jsonl", "personal.jsonl")
FLAGS = ("emergency", "crisis", "personal")


def load(path: Path) -> list[dict[str, Any]]:
    """The labelled messages, one JSON object a line (id, message, the three flags, category, tags),
    each checked (sets.py: a bad line is one error naming file:line)."""
    return read_safety(path)


def pct(hit: int, total: int) -> str:
    return f"{hit}/{total} ({100 * hit / total:.1f}%)" if total else "-"


def report(path: Path, show_misses: bool, judge: Callable[[str], Safety] = assess) -> None:
    rows = load(path)
    results = [(row, judge(row["message"])) for row in rows]
    print(f"\n== {path.name}: {len(rows)} messages")
    for flag in ("emergency", "crisis"):
        positives = [(r, s) for r, s in results if r[flag]]
        negatives = [(r, s) for r, s in results if not r[flag]]
        if positives:
            print(f"  {flag} recall: {pct(sum(getattr(s, flag) for _, s in positives), len(positives))}")
            by_cat: defaultdict[str, list[bool]] = defaultdict(list)
            for r, s in positives:
                by_cat[r["category"]].append(getattr(s, flag))
            print("    " + ", ".join(f"{c} {sum(v)}/{len(v)}" for c, v in sorted(by_cat.items())))
        if negatives:
            print(f"  {flag} false alarms: {pct(sum(getattr(s, flag) for _, s in negatives), len(negatives))}")
    either = [(r, s) for r, s in results if not r["emergency"] and not r["crisis"]]
    if either:
        print(f"  emergency-or-crisis false-alarm rate: {pct(sum(s.emergency or s.crisis for _, s in either), len(either))}")
    print(f"  personal accuracy: {pct(sum(r['personal'] == s.personal for r, s in results), len(results))}")
    personal = [s.personal for r, s in results if r["personal"]]
    general = [s.personal for r, s in results if not r["personal"] and not r["emergency"] and not r["crisis"]]
    if personal:
        print(f"  personal line on personal messages: {pct(sum(personal), len(personal))}; on general ones: {pct(sum(general), len(general))}")
    if show_misses:
        for r, s in results:
            wrong = [f for f in FLAGS if r[f] != getattr(s, f)]
            if wrong:
                print(f"    MISS {r['id']} {wrong} {r['message'][:110]!r} fired={list(s.reasons)}")


def screen_judge() -> Callable[[str], Safety]:
    from medquote import Engine
    from medquote.config import from_env
    from medquote.engine import clean

    cfg = from_env()
    engine = Engine.load(cfg.corpus_dir, cfg.index_dir)
    return lambda message: engine.screen_message(clean(message))


def main(argv: list[str]) -> int:
    show = "--misses" in argv
    files = [a for a in argv if not a.startswith("--")] or [str(HERE / f) for f in DEFAULT_FILES]
    judge = screen_judge() if "--screen" in argv else assess
    print(f"redflags.toml version {RULES_VERSION}; {'rules OR trained classifier' if judge is not assess else 'rules alone'}")
    for name in files:
        report(Path(name), show, judge)
    return 0


if __name__ == "__main__":
    from medquote.errors import handled  # a bad set is one line naming file:line, not a traceback

    raise SystemExit(handled(lambda: main(sys.argv[1:])))
