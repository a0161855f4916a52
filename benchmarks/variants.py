"""Measures proposed serving changes before anyone edits the files they live in.

    /work/main/.venv/bin/python -m benchmarks.variants [--out benchmarks/results/variants.json] [--quick]

Each variant is the real app (app.serve) started with some environment: torch threads
(MEDQUOTE_TORCH_THREADS, read by medquote.config.torch_threads), OpenMP's wait policy, glibc's
malloc arenas, the Gradio queue's default_concurrency_limit (app.create_app hard-codes 2;
here a wrapper around gr.Blocks.queue overrides it, only inside this benchmark's server), or
bm25s imported without numba (bm25s loads numba whenever it is installed; ranx needs it for
evaluation, the server does not). For each: time to page up, /ask latency side by side with
the echo app (plain event stream, interleaved), load at 4 and 16 clients, and peak RSS. The echo app runs once for the whole comparison. It changes
no project file; the lead applies what the numbers support.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from . import cold, http_bench
from .common import ECHO_ARGV, OtherLoad, git_state, launched, machine, proc_status_kb, questions, wait_for_quiet

VARIANTS = {
    "as is": {},
    "torch threads 1": {"MEDQUOTE_TORCH_THREADS": "1"},
    "queue concurrency 1": {"BENCH_CONCURRENCY_LIMIT": "1"},
    "queue concurrency 4, torch threads 1": {"BENCH_CONCURRENCY_LIMIT": "4", "MEDQUOTE_TORCH_THREADS": "1"},
    "OMP_WAIT_POLICY=PASSIVE": {"OMP_WAIT_POLICY": "PASSIVE"},
    "MALLOC_ARENA_MAX=2": {"MALLOC_ARENA_MAX": "2"},
    "bm25s without numba": {"BENCH_BLOCK_NUMBA": "1"},
    "torch threads 1, bm25s without numba": {"MEDQUOTE_TORCH_THREADS": "1", "BENCH_BLOCK_NUMBA": "1"},
}
SERVE_ARGV = [sys.executable, "-m", "benchmarks.variants", "--serve"]


def serve() -> None:
    """Run app.serve(), with the queue's default_concurrency_limit overridden if asked."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio as gr

    if os.environ.get("BENCH_BLOCK_NUMBA"):
        sys.modules["numba"] = None  # bm25s then falls back to its numpy backend
    limit = os.environ.get("BENCH_CONCURRENCY_LIMIT")
    if limit:
        original = gr.Blocks.queue

        def queue(self, *args, **kwargs):
            kwargs["default_concurrency_limit"] = int(limit)
            return original(self, *args, **kwargs)

        gr.Blocks.queue = queue
    import app

    app.serve()


def compare(counts: dict, work: Path, names: list[str]) -> dict:
    qs = questions(counts["questions"])
    index_dir = work / "index"
    cold.ingest_process(index_dir)
    res = {"machine": machine(), "git": git_state(), "quiet": wait_for_quiet(counts["wait_quiet"]), "variants": {}}
    with launched(ECHO_ARGV, {}, work / "echo.log") as (echo_url, echo, _):
        # Each variant twice, in A..Z then Z..A order, so drift in other people's load shows up
        # as a spread between a variant's two rows instead of favouring whichever ran first.
        for name in [n for rep in range(counts["repeats"]) for n in (names if rep % 2 == 0 else names[::-1])]:
            env = {"MEDQUOTE_INDEX_DIR": str(index_dir), **VARIANTS[name]}
            with launched(SERVE_ARGV, env, work / "app.log") as (url, app, page_up):
                other = OtherLoad((app.pid, echo.pid))
                row = {"env": VARIANTS[name], "page_up_s": round(page_up, 2),
                       "rss_after_start_mb": round((proc_status_kb(app.pid, "VmRSS") or 0) / 1024, 1),
                       "single": http_bench.side_by_side(url, echo_url, qs, counts["rounds"], kinds=("sse",)),
                       "load": [http_bench.load(url, qs, c, n, 60.0) for c, n in counts["levels"].items()]}
                row["peak_rss_mb"] = round((proc_status_kb(app.pid, "VmHWM") or 0) / 1024, 1)
                row["others_cpu_share"] = other.share()
            res["variants"].setdefault(name, []).append(row)
            print(f"  {name}: /ask {row['single']['app_sse']['median_ms']} ms, "
                  + ", ".join(f"x{r['clients']} {r['throughput_rps']} req/s p95 {r['p95_ms']} ms" for r in row["load"])
                  + f", peak RSS {row['peak_rss_mb']} MB", flush=True)
    return res


def markdown(res: dict) -> str:
    lines = ["| variant | page up s | /ask median / p95 ms | echo median ms | ratio | x4 req/s, p95 ms | x16 req/s, p95 ms "
             "| RSS after start / peak MB | others' CPU |", "|---|---|---|---|---|---|---|---|---|"]
    for name, row in [(n, r) for n, rows in res["variants"].items() for r in rows]:
        s = row["single"]
        load = {r["clients"]: f"{r['throughput_rps']}, {r['p95_ms']}" for r in row["load"]}
        lines.append(f"| {name} | {row['page_up_s']} | {s['app_sse']['median_ms']} / {s['app_sse']['p95_ms']} | "
                     f"{s['echo_sse']['median_ms']} | {s['ratio_sse']} | {load.get(4, '-')} | {load.get(16, '-')} | "
                     f"{row['rss_after_start_mb']} / {row['peak_rss_mb']} | {row['others_cpu_share']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict | None:
    p = argparse.ArgumentParser(description="compare serving variants of the real app")
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/variants.json"))
    p.add_argument("--only", help="comma-separated variant names")
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    if args.serve:
        return serve()
    counts = ({"questions": 4, "rounds": 1, "levels": {4: 2}, "wait_quiet": 0.0, "repeats": 1} if args.quick
              else {"questions": 30, "rounds": 3, "levels": {4: 30, 16: 10}, "wait_quiet": 60.0, "repeats": 2})
    names = args.only.split(",") if args.only else list(VARIANTS)
    with tempfile.TemporaryDirectory(prefix="medquote-variants-") as tmp:
        res = compare(counts, Path(tmp), names)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2))
    print(markdown(res))
    return res


if __name__ == "__main__":
    main()
