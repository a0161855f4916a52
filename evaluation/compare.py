"""Runs the retrieval configurations on one gold file and prints one side-by-side table.

Configurations: the base encoder (all-MiniLM-L6-v2 as shipped) and the encoder adapted to the
question bank (index/train.py), each without the question bank (an index built in memory from
the same chunks with no bank, so neither bank vectors, the bank's BM25 expansion nor the query
adapter learned from it take part) and as served, and for the base encoder also without the
query adapter (index/adapter.py): the configuration served before it, at its own dev threshold. Each encoder
scores with its entry in index/scoring.json (the landed formula for the base encoder, the dev fit
for the adapted one); the policy is the same. The base encoder is the one served today
(index/models.py says why). A configuration without the bank keeps the bank's calibrated
threshold, which was never calibrated for it (its scores lack the bank's features): its rates
that depend on the threshold are reported as None (n/a), not as the 0.000 that threshold gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from index import SearchIndex
from index.adapter import UNADAPTED_THRESHOLD
from index.build import make_artifacts
from medquote.engine import Engine

from .gold import GoldQuestion
from .metrics import Metrics
from .runner import run_eval

# The rows that depend on the abstain threshold (the rest are ranking figures, threshold-free).
THRESHOLD_ROWS = ("abstention_rate_unanswerable", "answer_rate_answerable", "shown_relevant_rate", "highlight_answering_rate")
ROWS = (
    "accuracy@1", "accuracy@3", "accuracy@5", "mrr@10",
    "abstention_rate_unanswerable", "answer_rate_answerable", "shown_relevant_rate", "highlight_answering_rate",
)


def without_bank(index: SearchIndex) -> SearchIndex:
    """The same chunks indexed with no question bank (embedded again, in memory)."""
    art = make_artifacts(index.chunks, index.embedder)
    return SearchIndex(art, index.embedder, replace(index.settings, bank=False))


def without_adapter(engine: Engine) -> Engine:
    """The same engine with queries used as encoded (no query adapter), at the landed score's
    threshold from before the adapter: the configuration served until issue 21."""
    index = SearchIndex(engine.index.art, engine.index.embedder, replace(engine.index.settings, query_adapter=False))
    return replace(engine, index=index, settings=replace(engine.settings, threshold=UNADAPTED_THRESHOLD))


def compare(golds: list[GoldQuestion], corpus_dir: Path, base: Engine, adapted: Engine | None = None) -> dict[str, Metrics]:
    """Every configuration's metrics; `adapted` None leaves the adapted encoder out."""
    results: dict[str, Metrics] = {}
    for name, eng in (("base encoder", base), ("adapted encoder", adapted)):
        if eng is None:
            continue
        plain = replace(eng, index=without_bank(eng.index))
        measured = run_eval(plain, golds, corpus_dir, {"retrieval": f"{name}, no bank"})["metrics"]
        results[f"{name}, no bank"] = {k: None if k in THRESHOLD_ROWS else v for k, v in measured.items()}
        results[name] = run_eval(eng, golds, corpus_dir, {"retrieval": name})["metrics"]
        if name == "base encoder" and eng.index.art.query_adapter is not None:
            label = f"{name} without query adapter"
            results[label] = run_eval(without_adapter(eng), golds, corpus_dir, {"retrieval": label})["metrics"]
    return results


def table(results: Mapping[str, Metrics]) -> str:
    names = list(results)
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for row in ROWS:
        cells = [results[n].get(row) for n in names]
        lines.append(f"| {row} | " + " | ".join("n/a" if c is None else f"{c:.3f}" for c in cells) + " |")
    return "\n".join(lines)
