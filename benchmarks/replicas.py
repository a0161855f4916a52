"""Throughput of N app replicas on this machine against one replica: does a second process use
the second core? And, with --nginx, do two replicas behind nginx lose no answers?

    .venv/bin/python -m benchmarks.replicas [--replicas 2] [--out benchmarks/results/replicas.json]
    .venv/bin/python -m benchmarks.replicas --nginx [--clients 16] [--per-client 12] [--rounds 2]

Why: one server process answers at most ~40 questions a second on 2 cores whatever the
client count, because most of an answer's work (spelling, BM25, ranking, rendering, Gradio)
is Python holding the GIL. Replicas are separate processes, so they do not share a GIL.
Every replica is the real app.py with MEDQUOTE_TORCH_THREADS=1 (one core each), all reading
one index built once. Without --nginx the load is split over the replicas directly (as a load
balancer with sticky sessions would); with --nginx it goes through a real nginx configured as
docs/scaling.md says (benchmarks/nginx.py), alternating with the same load sent to one replica
directly, and every answer is counted. It installs nothing: without nginx it says how to
install it and exits with status 2; a lost answer makes it exit with status 1. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from . import cold, http_bench, nginx
from .common import APP_ARGV, OtherLoad, launched, machine, proc_status_kb, questions

OUT = Path("benchmarks/results/replicas.json")


def sticky_load(apps: list, qs: list[str], clients: int, per_client: int, rounds: int, tmp: Path,
                max_seconds: float = 120.0, sticky: bool = True) -> dict:
    """The same load to one replica directly and to all of them through nginx, alternating."""
    servers = [url.split("//", 1)[1].rstrip("/") for url, _proc in apps]
    prefix = tmp / ("nginx" if sticky else "nginx-round-robin")
    runs = []
    with nginx.running(servers, prefix, sticky=sticky) as (proxy, nginx_pids):
        # The browser builds API URLs from the config's root: it must be nginx's address.
        root = json.loads(urllib.request.urlopen(proxy + "config", timeout=30).read()).get("root", "")
        for r in range(rounds):
            for target in (("direct", "nginx") if r % 2 == 0 else ("nginx", "direct")):
                other = OtherLoad(tuple(p.pid for _u, p in apps) + nginx_pids)
                row = http_bench.load(proxy if target == "nginx" else apps[0][0], qs, clients, per_client, max_seconds)
                sent = row["ok"] + row["errors"]
                runs.append({"target": target, "replicas": len(apps) if target == "nginx" else 1, "round": r,
                             **row, "planned": clients * per_client, "lost": row["errors"],
                             "not_sent_time_cap": clients * per_client - sent, "others_cpu_share": other.share()})
                print(f"{target:6} ({runs[-1]['replicas']} replica(s)), {clients} clients: {row['ok']}/{clients * per_client} "
                      f"answered, {row['errors']} lost, {row['throughput_rps']} answers/s, median {row['median_ms']} ms, "
                      f"p95 {row['p95_ms']} ms, others' CPU {runs[-1]['others_cpu_share']}", flush=True)
    out = {"sticky": sticky, "config_root": root, "config_root_ok": root.rstrip("/") == proxy.rstrip("/"),
           "runs": runs, **nginx.upstream_stats(prefix / "access.log")}
    for target in ("direct", "nginx"):
        rates = [x["throughput_rps"] for x in runs if x["target"] == target]
        out[f"{target}_answers_per_s_median"] = round(statistics.median(rates), 2) if rates else None
    out["lost"] = sum(x["lost"] + x["not_sent_time_cap"] for x in runs if x["target"] == "nginx")
    return out


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--replicas", type=int, default=2)
    p.add_argument("--nginx", action="store_true", help="send the load through nginx (must be installed)")
    p.add_argument("--clients", type=int, default=16, help="with --nginx: concurrent clients")
    p.add_argument("--per-client", type=int, default=12, help="with --nginx: questions per client per run")
    p.add_argument("--rounds", type=int, default=2, help="with --nginx: direct/nginx pairs, order alternating")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    if args.nginx and nginx.find_nginx() is None:
        print(f"benchmarks.replicas: {nginx.INSTALL_HINT}", file=sys.stderr)
        raise SystemExit(2)
    qs, res = questions(50), {"machine": machine(), "runs": []}
    with tempfile.TemporaryDirectory(prefix="medquote-replicas-") as tmp:
        index_dir = Path(tmp) / "index"
        cold.ingest_process(index_dir)
        env = {"MEDQUOTE_INDEX_DIR": str(index_dir), "MEDQUOTE_TORCH_THREADS": "1"}
        with ExitStack() as stack:
            apps = [stack.enter_context(launched(APP_ARGV, env, Path(tmp) / f"app{i}.log"))[:2] for i in range(args.replicas)]
            if args.nginx:
                res = {**_previous(args.out), "nginx": {"machine": machine(), **sticky_load(
                    apps, qs, args.clients, args.per_client, args.rounds, Path(tmp))}}
            else:
                for n in sorted({1, args.replicas}):
                    for clients, per_client in ((4, 40), (16, 12)):
                        other = OtherLoad(tuple(a[1].pid for a in apps))
                        row = http_bench.load([a[0] for a in apps[:n]], qs, clients, per_client, 60.0)
                        res["runs"].append({"replicas": n, **row, "others_cpu_share": other.share()})
                        print(f"{n} replica(s), {clients} clients: {row['throughput_rps']} req/s, "
                              f"median {row['median_ms']} ms, p95 {row['p95_ms']} ms", flush=True)
            peaks = [round((proc_status_kb(a[1].pid, "VmHWM") or 0) / 1024, 1) for a in apps]
            (res["nginx"] if args.nginx else res)["peak_rss_mb"] = peaks
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2))
    if args.nginx:
        n = res["nginx"]
        print(f"answers/s, median of {args.rounds}: one replica direct {n['direct_answers_per_s_median']}, "
              f"{args.replicas} replicas through nginx {n['nginx_answers_per_s_median']}; lost through nginx: {n['lost']}; "
              f"sessions split over replicas: {n['sessions_on_two_replicas']}")
        if n["lost"] or n["sessions_on_two_replicas"] or not n["config_root_ok"]:
            raise SystemExit(1)
    return res


def _previous(path: Path) -> dict:
    """The direct-split figures of an earlier run stay in the file beside the nginx ones."""
    try:
        old = json.loads(path.read_text())
        return {k: v for k, v in old.items() if k != "nginx"} if isinstance(old, dict) else {}
    except (OSError, ValueError):
        return {}


if __name__ == "__main__":
    main()
