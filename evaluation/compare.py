"""Runs every retrieval configuration on one gold file and prints one side-by-side table.

Configurations: bm25, dense, hybrid (weighted fusion), hybrid (RRF), hybrid+rerank (the
default). Each uses the same loaded index and policy, so only retrieval differs.
"""

from __future__ import annotations

from dataclasses import replace

from .runner import run_eval

CONFIGS = {
    "bm25": {"mode": "bm25"},
    "dense": {"mode": "dense"},
    "hybrid-rrf": {"mode": "hybrid", "fusion": "rrf"},
    "hybrid": {"mode": "hybrid", "fusion": "weighted"},
    "hybrid+rerank": {"mode": "hybrid+rerank", "fusion": "weighted"},
}
ROWS = ("accuracy@1", "accuracy@3", "accuracy@5", "mrr@10", "abstention_rate_unanswerable", "answer_rate_answerable")


def compare(engine, golds, corpus_dir) -> dict[str, dict]:
    results = {}
    for name, changes in CONFIGS.items():
        twin = replace(engine, index=engine.index.with_settings(**changes))
        results[name] = run_eval(twin, golds, corpus_dir, {"retrieval": name})["metrics"]
    return results


def table(results: dict[str, dict]) -> str:
    names = list(results)
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for row in ROWS:
        cells = [results[n].get(row) for n in names]
        lines.append(f"| {row} | " + " | ".join("n/a" if c is None else f"{c:.3f}" for c in cells) + " |")
    return "\n".join(lines)
