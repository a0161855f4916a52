"""Calibrates the safety classifier's thresholds on the tuning sets and prints the curves.

For each message of the tuning sets (redflags_dev, redflags_heldout, fresh_check*, ordinary,
personal — never a blind set; fresh_check4 for emergency alone) it computes the classifier's probabilities (the highest over the
message and its clauses) and the emergency probability that stands once calm parts are set aside
(answer.safety.kept_emergency), then for each candidate threshold the verdict
answer.safety.combine gives (the rules OR the classifier, exactly as served): recall and false
alarms. fresh_check4 is left out of the crisis choice only; the personal curve and the margin
report still include it.
Rule for choosing (recall first, under a ceiling): the lowest threshold whose false-alarm rate
on messages that are neither emergency nor crisis stays at or under 1.5% for emergency and 0.5%
for crisis (2% together, against the 3% goal on unseen messages); for emergency also no alarm
on dev's answerable gold questions (the goal there is none; crisis is not held to it, recall
first: see docs/learned-safety.md), each held MARGIN below the threshold as well (a
message that close would flip on another CPU); then the floor a rule marked
`confirm` needs from the classifier: half the highest floor that loses no alarm of the tuning
sets; for the personal line, the
lowest threshold that, also MARGIN below it, flags no more general questions (ordinary.jsonl
and the general half of personal.jsonl) than the rules alone do; for a message judged a crisis,
the emergency notice's own lower threshold (with_crisis). It then names every tuning
message whose verdict changes within MARGIN of a chosen threshold (one another CPU could flip).

    python -m evaluation.safety.calibrate_safety [--encoder base|adapted|fake] [--write]

--write stores the chosen thresholds in index/safety.json under the encoder's key.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # for the annotations only: the engine's modules are imported when one is loaded
    from answer.safety import Safety
    from medquote.engine import Engine

HERE = Path(__file__).resolve().parent
GOLD_DEV = HERE.parent / "gold" / "dev.jsonl"
TUNING = ["redflags_dev", "redflags_heldout", "fresh_check", "fresh_check2", "fresh_check3", "fresh_check4", "ordinary", "personal"]
# Written to check and calibrate the emergency notice (so its helper was told): its crisis
# messages are its overdoses and its quiet ones emergency lookalikes, so it calibrates emergency alone.
EMERGENCY_ONLY = ("fresh_check4",)
CEILINGS = {"emergency": 0.015, "crisis": 0.005}
# Finer near 1: a fine-tuned encoder separates its own exemplars so sharply that its heads give
# quiet messages 0.99 and more.
GRID = [round(x, 3) for x in np.arange(0.05, 0.995, 0.01)] + [0.995, 0.998, 0.999, 0.9995, 0.9999]
FLOOR_GRID = [round(x, 3) for x in np.arange(0.0, 0.995, 0.01)]
# A threshold must hold its conditions this far below it too: a quiet tuning message 4e-5 under
# the personal threshold flipped in CI, where another CPU ran the same branch (int8 kernels differ
# by up to 1.4e-4 across CPUs even with exact training: docs/learned-safety.md, session 13).
MARGIN = 0.002


def rows(folder: Path = HERE, gold_dev: Path = GOLD_DEV) -> list[dict[str, Any]]:
    """The tuning sets, then dev's answerable gold questions as messages that must raise nothing
    (dev is the retrieval tuning set; held-out and the blind gold sets are never read here).
    Both read by their validating readers: a bad line stops the calibration, named."""
    from evaluation.gold import load_gold

    from .sets import read_safety

    out: list[dict[str, Any]] = []
    for name in TUNING:
        out += [{**row, "emergency_only": name in EMERGENCY_ONLY} for row in read_safety(folder / f"{name}.jsonl")]
    for g in load_gold(gold_dev):
        if g.answerable and not g.emergency:
            out.append({"id": f"gold-{g.id}", "message": g.question, "emergency": False, "crisis": False,
                        "personal": False, "category": "answerable_gold", "tags": []})
    return out


def judged(engine: Engine, data: list[dict[str, Any]]) -> tuple[np.ndarray, list[Safety], np.ndarray]:
    """(probabilities per message, the rules' verdicts, the emergency probability that stands
    per message once its calm parts are set aside: Engine.classify, as served)."""
    from answer.safety import assess
    from medquote.engine import clean

    texts = [clean(r["message"]) for r in data]
    classified = [engine.classify(t, engine.encode(t)) for t in texts]
    scores = np.array([s for s, _ in classified])
    # The rules' own verdicts: answer.safety.assess, the rules the engine's screen combines with the classifier.
    return scores, [assess(t) for t in texts], np.array([k for _, k in classified])


def one_on(col: int, value: float, off: float) -> tuple[float, float, float]:
    """(emergency, crisis, personal) with `value` at `col` and `off` at the other two."""
    out = [off, off, off]
    out[col] = value
    return out[0], out[1], out[2]


def choose(data: list[dict[str, Any]], scores: np.ndarray, rules: list[Safety], kept: np.ndarray, show: bool = True) -> dict[str, float]:
    from answer.safety import combine

    def verdicts(col: int, t: float, floor: float = 0.0) -> np.ndarray:
        th, fl = one_on(col, t, 2.0), one_on(col, floor, 0.0)  # the other classes off: each flag is calibrated on its own
        flag = ("emergency", "crisis", "personal")[col]
        return np.array([getattr(combine(r, tuple(s), th, float(k), fl), flag)
                         for r, s, k in zip(rules, scores, kept, strict=True)])

    chosen: dict[str, float] = {}
    gold = np.array([r["id"].startswith("gold-") for r in data])  # the goal there is none at all
    for col, flag in enumerate(("emergency", "crisis")):
        used = np.array([flag == "emergency" or not r.get("emergency_only") for r in data])
        pos = np.array([bool(r[flag]) for r in data]) & used
        neg = np.array([not (r["emergency"] or r["crisis"]) for r in data]) & ~gold & used  # the ceilings' base
        if show:
            print(f"\n{flag}: threshold  recall(rules OR model)  false alarms of {neg.sum()}")
        for t in GRID:
            hit, near = verdicts(col, t), verdicts(col, t - MARGIN)
            fa = (hit & neg).sum() / neg.sum()
            if show:
                print(f"  {t:5.2f}  {hit[pos].mean():.3f}  {fa:.3f}")
            # Emergency only: held to no alarm on dev's answerable questions too. Crisis stays
            # recall first: held to it, its threshold went from 0.87 to 0.98 for one question.
            # Both held with MARGIN to spare.
            clear = flag == "crisis" or not (near & gold).any()
            if flag not in chosen and (near & neg).sum() / neg.sum() <= CEILINGS[flag] and clear:
                chosen[flag] = t
        if flag not in chosen:  # no threshold keeps the ceiling: the strictest, and say so
            chosen[flag] = GRID[-1]
            print(f"  {flag}: no threshold keeps false alarms under {CEILINGS[flag]:.1%}; {GRID[-1]} taken")
        # The floor for tentative rules: the highest that loses no tuning-set alarm, halved,
        # since unseen wording will score lower than the wording it was calibrated on.
        full = verdicts(col, chosen[flag])[pos].sum()
        keep = max((f for f in FLOOR_GRID if f < chosen[flag] and verdicts(col, chosen[flag], f)[pos].sum() == full), default=0.0)
        chosen[f"{flag}_floor"] = round(keep / 2, 3)
        hit = verdicts(col, chosen[flag], chosen[f"{flag}_floor"])
        if show:
            print(f"  floor for tentative rules {chosen[flag + '_floor']}: recall {hit[pos].mean():.3f}, "
                  f"false alarms {(hit & neg).sum()} (without the floor {(verdicts(col, chosen[flag]) & neg).sum()})")
    pers = np.array([r["personal"] for r in data])
    gen = np.array([not r["personal"] and r["id"].startswith(("ord-", "pers-")) for r in data])
    ruled = np.array([x.personal for x in rules])
    if show:
        print(f"\npersonal: threshold  recall(rules OR model) of {pers.sum()}  flagged general of {gen.sum()}")
    for t in GRID:
        hit = verdicts(2, t)
        if show:
            print(f"  {t:5.2f}  {hit[pers].mean():.3f}  {(hit & gen).sum()}")
        if "personal" not in chosen and (verdicts(2, t - MARGIN) & gen).sum() <= (ruled & gen).sum():
            chosen["personal"] = t
    chosen.setdefault("personal", GRID[-1])
    chosen["emergency_with_crisis"] = with_crisis(data, scores, rules, kept, chosen, show)
    if show:
        for col, flag in enumerate(("emergency", "crisis", "personal")):
            t, floor = chosen[flag], chosen.get(f"{flag}_floor", 0.0)
            moved = verdicts(col, t - MARGIN, floor) != verdicts(col, t + MARGIN, floor)
            print(f"{flag}: tuning messages whose verdict changes within {MARGIN} of {t}: "
                  f"{[r['id'] for r, m in zip(data, moved, strict=True) if m] or 'none'}")
    return {k: float(v) for k, v in chosen.items()}


def with_crisis(data: list[dict[str, Any]], scores: np.ndarray, rules: list[Safety], kept: np.ndarray,
                chosen: dict[str, float], show: bool = True) -> float:
    """The emergency threshold for a message judged a crisis (combine's with_crisis): the lowest,
    no higher than the emergency threshold, at which no tuning message labelled not-emergency gets
    the emergency notice through it, MARGIN below it too. Every flag at its chosen threshold, as served."""
    from answer.safety import combine

    cuts = (chosen["emergency"], chosen["crisis"], chosen["personal"])
    floors = (chosen["emergency_floor"], chosen["crisis_floor"], 0.0)

    def emergency(t: float) -> np.ndarray:
        return np.array([combine(r, tuple(s), cuts, float(k), floors, t).emergency
                         for r, s, k in zip(rules, scores, kept, strict=True)])

    label = np.array([bool(r["emergency"]) for r in data])
    before = emergency(2.0)
    for t in (g for g in GRID if g <= chosen["emergency"]):
        if not (emergency(t - MARGIN) & ~before & ~label).any():
            if show:
                print(f"\nemergency with a crisis: {t}; tuning emergencies it adds "
                      f"{int((emergency(t) & ~before & label).sum())} (of {int((~before & label).sum())} missed)")
            return t
    return chosen["emergency"]


def main(argv: list[str] | None = None) -> int:
    from index.safety_model import THRESHOLDS_FILE, Thresholds, encoder_key, load_thresholds
    from medquote.config import from_env
    from medquote.engine import engine_for

    ap = argparse.ArgumentParser(prog="python -m evaluation.safety.calibrate_safety")
    ap.add_argument("--encoder", choices=["base", "adapted", "fake"], default=None)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)
    # As the server runs it (ONNX): the int8 safety branch's probabilities differ from the torch path's by ~1e-3.
    engine = engine_for(from_env(), args.encoder, runtime="torch" if args.encoder == "fake" else "onnx")
    data = rows()
    chosen = choose(data, *judged(engine, data))
    print("\nchosen thresholds:", chosen)
    if args.write:
        name = engine.index.embedder.name
        branch = engine.classifier.branch
        key = encoder_key(name, branch.recipe if branch is not None else "")
        table = {k: asdict(v) for k, v in load_thresholds().items()}
        served = engine.index.art.safety_branch
        found = Thresholds(**chosen, fitted_for=name, branch_sha256=hashlib.sha256(served).hexdigest() if served else "",
                           note="python -m evaluation.safety.calibrate_safety on the tuning sets")
        table[key] = asdict(found)
        THRESHOLDS_FILE.write_text(json.dumps(table, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"written to {THRESHOLDS_FILE} under {key!r}")
    return 0


if __name__ == "__main__":
    from medquote.errors import handled  # a bad set is one line naming file:line, not a traceback

    raise SystemExit(handled(main))
