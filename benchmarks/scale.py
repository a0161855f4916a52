"""FAISS at scale: build time, memory, query latency and recall@10 at 10k, 100k and 1M chunks.

    python -m benchmarks.scale [--sizes 10000,100000,1000000] [--out benchmarks/results/scale.json]

Vectors come from benchmarks/synthetic.py (mixtures of real MiniLM embeddings plus noise). For
each size it measures the exact index and the approximate one that index/faiss_index.py builds
above its threshold: build time, saved bytes, load time, process RSS, single-query search
latency, recall@10 against exact search on held-out queries, and question encode + search
against encode alone, interleaved (the floor). Also: exact search latency at more sizes (to
choose the threshold), an nprobe sweep, HNSW for comparison up to --hnsw-max, and recall on
noisier data (--stress). It prints a Markdown table and writes JSON. It does not change the index.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

from index.faiss_index import EXACT_MAX, describe, exact_index, ivf_index

from . import synthetic
from .common import OtherLoad, machine, proc_status_kb, questions, summary

K = 10
K_CANDIDATES = 30  # index/search.py asks FAISS for this many dense candidates before fusion


def rss_mb() -> float:
    return round((proc_status_kb(os.getpid(), "VmRSS") or 0) / 1024, 1)


def recall(found: np.ndarray, truth: np.ndarray, k: int = K) -> float:
    return round(float(np.mean([len(set(a[:k]) & set(b[:k])) / k for a, b in zip(found, truth, strict=False)])), 4)


def search_latency(index, queries: np.ndarray, limit: int = 150) -> dict:
    """One query at a time (as the app searches), over real and synthetic held-out queries alike."""
    queries = queries[:: max(1, len(queries) // limit)][:limit]
    times = []
    for i in range(len(queries)):
        t = time.perf_counter()
        index.search(queries[i:i + 1], K)
        times.append(time.perf_counter() - t)
    return summary(times)


def with_encode(index, embedder, texts: list[str], rounds: int = 2) -> dict:
    """Encode alone vs encode + search, interleaved per question, after one warm-up pass."""
    floor, full = [], []
    for r in range(rounds + 1):
        for q in texts:
            t = time.perf_counter()
            embedder.encode([q])
            t_enc = time.perf_counter() - t
            t = time.perf_counter()
            index.search(embedder.encode([q]), K)
            t_full = time.perf_counter() - t
            if r:
                floor.append(t_enc)
                full.append(t_full)
    f, a = summary(floor), summary(full)
    return {"encode": f, "encode_search": a, "ratio": round(a["median_ms"] / f["median_ms"], 3)}


def measure(name: str, build, vectors, queries, truth, embedder, texts, tmp: Path) -> dict:
    before = rss_mb()
    t = time.perf_counter()
    index = build(vectors)
    built = time.perf_counter() - t
    path = tmp / f"{name}.faiss"
    faiss.write_index(index, str(path))
    t = time.perf_counter()
    loaded = faiss.read_index(str(path))
    load_s = time.perf_counter() - t
    del loaded
    found = index.search(queries, K_CANDIDATES)[1]
    row = {
        "index": describe(index), "build_s": round(built, 2), "bytes": path.stat().st_size,
        "load_s": round(load_s, 2), "rss_delta_mb": round(rss_mb() - before, 1), "rss_mb": rss_mb(),
        "search": search_latency(index, queries), "recall_at_10": recall(found[:, :K], truth[:, :K]),
        "recall_at_30": recall(found, truth, K_CANDIDATES),
        "recall_at_10_real_questions": recall(found[: len(texts), :K], truth[: len(texts), :K]),
        "with_encode": with_encode(index, embedder, texts[::3][:40]),
    }
    path.unlink()
    return row | {"_index": index}


def sweep(index, queries, truth, attr: str, values) -> list[dict]:
    out, target = [], faiss.extract_index_ivf(index) if attr == "nprobe" else index.hnsw
    keep = getattr(target, attr)
    for v in values:
        setattr(target, attr, v)
        found = index.search(queries, K_CANDIDATES)[1]
        out.append({attr: v, "recall_at_10": recall(found, truth), "recall_at_30": recall(found, truth, K_CANDIDATES),
                    "search_median_ms": search_latency(index, queries, 60)["median_ms"]})
    setattr(target, attr, keep)
    return out


def hnsw(vectors: np.ndarray, m: int = 32, ef_construction: int = 80) -> faiss.Index:
    index = faiss.IndexHNSWFlat(vectors.shape[1], m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = ef_construction
    index.hnsw.efSearch = 128
    index.add(vectors)
    return index


def run_size(n, base, qvecs, embedder, texts, args, tmp) -> dict:
    t = time.perf_counter()
    vectors = synthetic.mixtures(base, n, seed=1)
    queries = synthetic.queries(base, qvecs, args.queries)
    out = {"n": n, "generate_s": round(time.perf_counter() - t, 1), "vectors_mb": round(vectors.nbytes / 2**20, 1),
           "served_as": "exact" if n <= EXACT_MAX else "ivf"}
    truth = exact_index(vectors).search(queries, K_CANDIDATES)[1]  # batched exact search: the ground truth
    exact = measure("exact", exact_index, vectors, queries, truth, embedder, texts, tmp)
    del exact["_index"]
    approx = measure("approx", ivf_index, vectors, queries, truth, embedder, texts, tmp)
    index = approx.pop("_index")
    out |= {"exact": exact, "approx": approx,
            "nprobe_sweep": sweep(index, queries, truth, "nprobe", [4, 8, 16, 32, 64, 128, 256])}
    del index
    if n <= args.hnsw_max:
        h = measure("hnsw", hnsw, vectors, queries, truth, embedder, texts, tmp)
        out["hnsw"] = {k: h[k] for k in ("build_s", "bytes", "recall_at_10", "search")}
        out["hnsw"]["efSearch_sweep"] = sweep(h.pop("_index"), queries, truth, "efSearch", [64, 128, 256, 512])
    if n == min(args.sizes):
        out["realism"] = synthetic.realism(base, qvecs, vectors)
    if n == args.stress:  # noisier data is harder for clustering: does the setting still hold?
        noisy = synthetic.mixtures(base, n, seed=2, noise=1.0)
        noisy_q = np.vstack([qvecs, synthetic.mixtures(base, args.queries, seed=3, noise=1.0)])
        found = ivf_index(noisy).search(noisy_q, K)[1]
        out["stress_noise_1.0"] = {"recall_at_10": recall(found, exact_index(noisy).search(noisy_q, K)[1])}
    out["peak_rss_mb"] = round((proc_status_kb(os.getpid(), "VmHWM") or 0) / 1024, 1)
    return out


def exact_curve(base, sizes, floor_ms) -> list[dict]:
    """Exact single-query search time as the corpus grows: where it stops being negligible."""
    q = synthetic.mixtures(base, 200, seed=7)
    rows = []
    for n in sizes:
        index, other = exact_index(synthetic.mixtures(base, n, seed=1)), OtherLoad()
        s = search_latency(index, q)
        rows.append({"n": n, "search": s, "share_of_encode_floor": round(s["median_ms"] / floor_ms, 3),
                     "others_cpu_share": other.share()})
    return rows


def table(res: dict) -> str:
    lines = ["| chunks | index | build s | bytes MB | load s | RSS MB | search median / p95 ms | recall@10 | encode+search / encode |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in res["sizes"]:
        for name in ("exact", "approx"):
            m = r[name]
            kind = m["index"]["kind"] + ("" if m["index"]["kind"] == "exact" else f" nlist={m['index']['nlist']} nprobe={m['index']['nprobe']}")
            w = m["with_encode"]
            lines.append(f"| {r['n']:,} | {kind} | {m['build_s']} | {m['bytes'] / 2**20:.0f} | {m['load_s']} | {m['rss_mb']:.0f} | "
                         f"{m['search']['median_ms']:.2f} / {m['search']['p95_ms']:.2f} | {m['recall_at_10']} | "
                         f"{w['encode_search']['median_ms']:.1f} / {w['encode']['median_ms']:.1f} ms = {w['ratio']} |")
    return "\n".join(lines)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="10000,100000,1000000")
    p.add_argument("--exact-sizes", default="10000,25000,50000,100000,200000")
    p.add_argument("--queries", type=int, default=200, help="synthetic held-out queries, added to the real ones")
    p.add_argument("--hnsw-max", type=int, default=100_000)
    p.add_argument("--stress", type=int, default=100_000)
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/scale.json"))
    p.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "medquote-bench")
    args = p.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",")]
    from index import ModelEmbedder
    from medquote.engine import torch_threads

    embedder = ModelEmbedder(threads=torch_threads())
    base, qvecs = synthetic.real_vectors(embedder, args.cache)
    texts = synthetic.question_texts()
    floor = with_encode(exact_index(base), embedder, questions(50))["encode"]["median_ms"]
    res = {"machine": machine(), "loadavg_start": Path("/proc/loadavg").read_text().split()[:3],
           "exact_curve": exact_curve(base, [int(s) for s in args.exact_sizes.split(",")], floor),
           "encode_floor_ms": floor, "sizes": []}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            t, other = time.perf_counter(), OtherLoad()
            res["sizes"].append(run_size(n, base, qvecs, embedder, texts, args, Path(tmp)))
            res["sizes"][-1] |= {"wall_s": round(time.perf_counter() - t, 1), "others_cpu_share": other.share()}
            print(f"{n:,} chunks done in {res['sizes'][-1]['wall_s']} s", flush=True)
    res["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2))
    print(table(res))
    print(f"exact search vs size (encode floor {floor} ms):",
          ", ".join(f"{r['n']:,}: {r['search']['median_ms']} ms (others {r['others_cpu_share']})" for r in res["exact_curve"]))
    print("other processes' CPU share per size:", [r["others_cpu_share"] for r in res["sizes"]])
    return res


if __name__ == "__main__":
    main()
