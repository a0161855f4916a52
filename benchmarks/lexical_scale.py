"""BM25 at scale: what the lexical half of hybrid retrieval costs per question at 10k-1M chunks.

    python -m benchmarks.lexical_scale [--sizes 10000,100000] [--out benchmarks/results/lexical_scale.json]

FAISS is only half of index/search.py: every question also scores all chunks with BM25
(`Lexical.scores`, a dense array over the corpus) and ranks them with a full argsort. This
builds `index.lexical.Lexical` over synthetic chunk texts (2-4 real corpus sentences each, drawn
at random) and times, per question: scores(), the full argsort search.py does, and an
argpartition top-30 (the proposed fix). It only calls Lexical's public methods; it changes
nothing, and it does not measure FAISS (see scale.py).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from .common import machine, proc_status_kb, questions, summary
from .synthetic import base_texts

TOP = 30  # RetrievalSettings.candidates


def texts(n: int, seed: int = 5) -> list[str]:
    sentences = [t for t in base_texts() if "\n" not in t]  # sentences alone, not whole chunks
    rng = np.random.default_rng(seed)
    counts = rng.integers(2, 5, size=n)
    picks = rng.integers(0, len(sentences), size=int(counts.sum()))
    out, at = [], 0
    for c in counts:
        out.append(" ".join(sentences[i] for i in picks[at:at + c]))
        at += c
    return out


def time_each(fn, qs) -> dict:
    ts = []
    for q in qs:
        t = time.perf_counter()
        fn(q)
        ts.append(time.perf_counter() - t)
    return summary(ts)


def run_size(n: int, qs: list[str]) -> dict:
    from index.lexical import Lexical

    docs = texts(n)
    rss0 = proc_status_kb(os.getpid(), "VmRSS") or 0
    t = time.perf_counter()
    lex = Lexical.build(docs)
    build = time.perf_counter() - t
    del docs
    scores = {q: lex.scores(q) for q in qs[:3]}  # warm-up
    scores = [lex.scores(q) for q in qs]
    return {
        "n": n, "build_s": round(build, 1),
        "rss_delta_mb": round(((proc_status_kb(os.getpid(), "VmRSS") or 0) - rss0) / 1024, 1),
        "scores": time_each(lex.scores, qs),
        "full_argsort": time_each(lambda i: np.argsort(-scores[i], kind="stable")[:TOP], range(len(qs))),
        "argpartition_top30": time_each(lambda i: _top(scores[i]), range(len(qs))),
    }


def _top(s: np.ndarray) -> np.ndarray:
    part = np.argpartition(-s, TOP)[:TOP] if len(s) > TOP else np.arange(len(s))
    return part[np.lexsort((part, -s[part]))]  # score descending, then chunk id: same ties rule as a stable sort


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="10000,100000")
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/lexical_scale.json"))
    args = p.parse_args(argv)
    qs = questions(50)
    res = {"machine": machine(), "sizes": []}
    for n in (int(s) for s in args.sizes.split(",")):
        res["sizes"].append(run_size(n, qs))
        r = res["sizes"][-1]
        print(f"{n:,} chunks: build {r['build_s']} s, +{r['rss_delta_mb']} MB; per question: scores "
              f"{r['scores']['median_ms']} ms, argsort {r['full_argsort']['median_ms']} ms, "
              f"argpartition {r['argpartition_top30']['median_ms']} ms", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2))
    return res


if __name__ == "__main__":
    main()
