"""One encoder or two: the safety classifier on each candidate encoder, measured the same way.

For each encoder (`base`: all-MiniLM-L6-v2 as shipped; `safety`: fine-tuned on the exemplar pairs
alone, a second model beside the retrieval encoder; `joint`: the adapted encoder, trained on the
question bank and the exemplar pairs together, the one model for both): the exemplars are
embedded, the heads fitted (index/safety_model.py), the thresholds chosen on the tuning sets by
calibrate_safety's rule, and only then the blind sets are judged, rules OR classifier as served.
Also the cost of the encoder pass a message needs (its vector and its clauses'), per message.

    python -m evaluation.safety.compare_encoders [--encoders base,safety,joint] [--blind FILE ...]

Never tune on the blind sets: their figures are printed for the record (docs/learned-safety.md).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .calibrate_safety import HERE, choose, rows
from .sets import read_safety

if TYPE_CHECKING:  # for the annotations only: the model's modules are imported when one is loaded
    from answer.safety import Safety
    from index import ModelEmbedder

BLIND = ["blind_learned", "blind_semantic"]
HARD_TAGS = {"figurative", "past", "education", "despair", "alarm_word"}


def embedder_for(name: str, store: Path) -> ModelEmbedder:
    from index.models import adapted_embedder, ensure_model, joint_examples
    from index.safety_pairs import safety_pairs
    from index.screen import load_exemplars
    from index.train import JOINT
    from medquote.config import from_env

    cfg = from_env()
    if name == "base":
        return adapted_embedder(None, threads=cfg.torch_threads)
    if name == "safety":
        pairs = safety_pairs(load_exemplars(), seed=JOINT.seed)
        return adapted_embedder(ensure_model(store, pairs, JOINT, progress=True), threads=cfg.torch_threads)
    return adapted_embedder(ensure_model(store, joint_examples(cfg.corpus_dir), JOINT, progress=True), threads=cfg.torch_threads)


def figures(data: list[dict[str, Any]], flags: Sequence[Safety]) -> dict[str, str]:
    def ratio(hit: Sequence[bool], of: Sequence[int]) -> str:
        return f"{sum(hit)}/{len(of)}"

    quiet = [i for i, r in enumerate(data) if not (r["emergency"] or r["crisis"])]
    hard = [i for i in quiet if r_tags(data[i]) & HARD_TAGS or data[i]["category"] == "hard_negative"]
    emerg = [i for i, r in enumerate(data) if r["emergency"]]
    crisis = [i for i, r in enumerate(data) if r["crisis"]]
    pers = [i for i, r in enumerate(data) if r["personal"]]
    gen = [i for i in quiet if not data[i]["personal"] and not data[i]["id"].startswith("gold-")]  # gold: not labelled
    return {
        "emergency": ratio([flags[i].emergency for i in emerg], emerg),
        "crisis": ratio([flags[i].crisis for i in crisis], crisis),
        "false alarms": ratio([flags[i].emergency or flags[i].crisis for i in quiet], quiet),
        "of which hard negatives": ratio([flags[i].emergency or flags[i].crisis for i in hard], hard),
        "personal line": ratio([flags[i].personal for i in pers], pers),
        "general wrongly": ratio([flags[i].personal for i in gen], gen),
    }


def r_tags(row: dict[str, Any]) -> set[str]:
    return set(row.get("tags", []))


def main(argv: list[str] | None = None) -> int:
    from answer.safety import assess, combine, kept_emergency
    from index.safety_model import SafetyClassifier, fit_head, highest
    from index.screen import load_exemplars
    from ingest import clauses
    from medquote.config import from_env
    from medquote.engine import clean

    ap = argparse.ArgumentParser(prog="python -m evaluation.safety.compare_encoders")
    ap.add_argument("--encoders", default="base,safety,joint")
    ap.add_argument("--blind", nargs="*", default=BLIND)
    args = ap.parse_args(argv)
    cfg = from_env()
    exemplars = load_exemplars()
    tuning = rows()
    blind = {b: read_safety(HERE / f"{b}.jsonl") for b in args.blind}
    for name in args.encoders.split(","):
        embedder = embedder_for(name, cfg.model_dir)
        head = fit_head(exemplars, embedder.encode([e.text for e in exemplars], batch_size=64))
        clf = SafetyClassifier(head)

        def judge(data: list[dict[str, Any]], clf: SafetyClassifier = clf,
                  embedder: ModelEmbedder = embedder) -> tuple[np.ndarray, list[Safety], np.ndarray, float]:
            texts = [clean(r["message"]) for r in data]
            start = time.perf_counter()
            probs = [clf.rows(embedder.encode_queries([t, *clauses(t)])) for t in texts]
            per = (time.perf_counter() - start) / max(1, len(texts))
            kept = [kept_emergency(t, clauses(t), p[:, 0].tolist()) for t, p in zip(texts, probs, strict=True)]
            return np.array([highest(p) for p in probs]), [assess(t) for t in texts], np.array(kept), per

        scores, rules, kept, per = judge(tuning)
        chosen = choose(tuning, scores, rules, kept, show=False)
        th = (chosen["emergency"], chosen["crisis"], chosen["personal"])
        fl = (chosen["emergency_floor"], chosen["crisis_floor"], 0.0)
        wc = chosen["emergency_with_crisis"]  # as served: a crisis verdict's own emergency threshold
        print(f"\n== {name} ({embedder.name}): thresholds {th}, floors {fl}; encoder pass {1000 * per:.1f} ms a message")
        tuned = [combine(r, tuple(s), th, float(k), fl, wc) for r, s, k in zip(rules, scores, kept, strict=True)]
        print(f"  tuning sets: {figures(tuning, tuned)}")
        for b, data in blind.items():
            s, r, c, _ = judge(data)
            flags = [combine(x, tuple(y), th, float(z), fl, wc) for x, y, z in zip(r, s, c, strict=True)]
            print(f"  {b}: {figures(data, flags)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
