"""Runs every retrieval configuration on one gold file and prints one side-by-side table.

Configurations: bm25, dense, hybrid (weighted fusion), hybrid (RRF) and hybrid+rerank, each
without the question bank (an index built in memory from the same chunks with no bank, so
neither bank vectors nor the bank's BM25 expansion take part), then hybrid+rerank+bank (the
default, the served index). Only retrieval differs; the policy is the same.
"""

from __future__ import annotations

from dataclasses import replace

from index import SearchIndex
from index.build import make_artifacts

from .runner import run_eval

NO_BANK = {
    "bm25": {"mode": "bm25"},
    "dense": {"mode": "dense"},
    "hybrid-rrf": {"mode": "hybrid", "fusion": "rrf"},
    "hybrid": {"mode": "hybrid", "fusion": "weighted"},
    "hybrid+rerank": {"mode": "hybrid+rerank", "fusion": "weighted"},
}
WITH_BANK = {"hybrid+rerank+bank": {}}
ROWS = (
    "accuracy@1", "accuracy@3", "accuracy@5", "mrr@10",
    "abstention_rate_unanswerable", "answer_rate_answerable", "shown_relevant_rate",
)


def without_bank(index: SearchIndex) -> SearchIndex:
    """The same chunks indexed with no question bank (embedded again, in memory)."""
    art = make_artifacts(index.chunks, index.embedder)
    return SearchIndex(art, index.embedder, replace(index.settings, bank=False))


def compare(engine, golds, corpus_dir) -> dict[str, dict]:
    results = {}
    plain = without_bank(engine.index)
    for name, changes in NO_BANK.items():
        twin = replace(engine, index=plain.with_settings(**changes))
        results[name] = run_eval(twin, golds, corpus_dir, {"retrieval": name})["metrics"]
    for name, changes in WITH_BANK.items():
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
