"""Throughput of N app replicas on this machine, load spread over them (as a load balancer with
sticky sessions would), against one replica: does a second process use the second core?

    /work/main/.venv/bin/python -m benchmarks.replicas [--replicas 2] [--out benchmarks/results/replicas.json]

Why: one server process answers at most ~40 questions a second on 2 cores whatever the
client count, because most of an answer's work (spelling, BM25, ranking, rendering, Gradio)
is Python holding the GIL. Replicas are separate processes, so they do not share a GIL.
Every replica is the real app.py with MEDQUOTE_TORCH_THREADS=1 (one core each). Loopback only.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from contextlib import ExitStack
from pathlib import Path

from . import cold, http_bench
from .common import APP_ARGV, OtherLoad, launched, machine, proc_status_kb, questions


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--replicas", type=int, default=2)
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/replicas.json"))
    args = p.parse_args(argv)
    qs, res = questions(50), {"machine": machine(), "runs": []}
    with tempfile.TemporaryDirectory(prefix="medquote-replicas-") as tmp:
        index_dir = Path(tmp) / "index"
        cold.ingest_process(index_dir)
        env = {"MEDQUOTE_INDEX_DIR": str(index_dir), "MEDQUOTE_TORCH_THREADS": "1"}
        with ExitStack() as stack:
            apps = [stack.enter_context(launched(APP_ARGV, env, Path(tmp) / f"app{i}.log")) for i in range(args.replicas)]
            for n in sorted({1, args.replicas}):
                urls = [a[0] for a in apps[:n]]
                for clients, per_client in ((4, 40), (16, 12)):
                    other = OtherLoad(tuple(a[1].pid for a in apps))
                    row = http_bench.load(urls, qs, clients, per_client, 60.0)
                    res["runs"].append({"replicas": n, **row, "others_cpu_share": other.share()})
                    print(f"{n} replica(s), {clients} clients: {row['throughput_rps']} req/s, "
                          f"median {row['median_ms']} ms, p95 {row['p95_ms']} ms", flush=True)
            res["peak_rss_mb"] = [round((proc_status_kb(a[1].pid, "VmHWM") or 0) / 1024, 1) for a in apps]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2))
    return res


if __name__ == "__main__":
    main()
