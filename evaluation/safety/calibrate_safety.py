"""Calibrates the semantic safety screen's margins on the tuning sets and prints the curves.

For each message of the tuning sets (redflags_dev, redflags_heldout, fresh_check*, ordinary,
personal — never blind_semantic.jsonl) it computes the screen's best clause margins, then for
each candidate margin the recall of the semantic layer OR the rules, and the false alarms.
Rule for choosing (recall first, under a ceiling): the smallest margin whose false-alarm rate
(rules OR screen) on messages that are neither emergency nor crisis stays at or under 1.5% for
emergency and 0.5% for crisis (2% together, against the 3% goal on unseen messages); for the
personal line, the smallest margin that flags no more general questions (ordinary.jsonl and the
general half of personal.jsonl) than the rules alone do.

    python -m evaluation.safety.calibrate_screen
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TUNING = ["redflags_dev", "redflags_heldout", "fresh_check", "fresh_check2", "fresh_check3", "ordinary", "personal"]
CEILINGS = {"emergency": 0.015, "crisis": 0.005}
GRID = [round(x, 3) for x in np.arange(-0.06, 0.30, 0.005)]


def rows() -> list[dict]:
    out = []
    for name in TUNING:
        for line in (HERE / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line))
    return out


def margins_of(engine, message: str) -> tuple[float, float, float]:
    return engine.screen.margins(engine.encode(message)[0])


def main() -> int:
    from answer.safety import assess, calm
    from medquote import Engine
    from medquote.config import from_env

    cfg = from_env()
    engine = Engine.load(cfg.corpus_dir, cfg.index_dir)
    data = rows()
    m = np.array([margins_of(engine, r["message"]) for r in data])
    rules = [assess(r["message"]) for r in data]
    calmed = np.array([calm(r["message"]) for r in data])
    chosen = {}
    for col, flag in enumerate(("emergency", "crisis")):
        pos = np.array([bool(r[flag]) for r in data])
        neg = np.array([not (r["emergency"] or r["crisis"]) for r in data])
        ruled = np.array([getattr(x, flag) for x in rules])
        vetoed = calmed if flag == "emergency" else np.zeros(len(data), dtype=bool)
        print(f"\n{flag}: margin  recall(sem)  recall(rules OR sem)  false alarms(rules OR sem) of {neg.sum()}")
        for g in GRID:
            sem = (m[:, col] >= g) & ~vetoed
            hit = ruled | sem
            fa = (hit & neg).mean() / neg.mean()
            print(f"  {g:6.3f}  {sem[pos].mean():.3f}  {hit[pos].mean():.3f}  {fa:.3f}")
            if flag not in chosen and fa <= CEILINGS[flag]:
                chosen[flag] = g
    pers = np.array([r["personal"] for r in data])
    gen = np.array([not r["personal"] and r["id"].startswith(("ord-", "pers-")) for r in data])
    ruled = np.array([x.personal for x in rules])
    print(f"\npersonal: margin  recall(rules OR sem) of {pers.sum()}  flagged general of {gen.sum()}")
    for g in GRID:
        hit = ruled | (m[:, 2] >= g)
        print(f"  {g:6.3f}  {hit[pers].mean():.3f}  {(hit & gen).sum()}")
        if "personal" not in chosen and (hit & gen).sum() <= (ruled & gen).sum():
            chosen["personal"] = g
    print("\nchosen margins:", chosen)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
