"""Load test: N concurrent gradio_client clients x M questions against the app's `/ask`, on loopback.

It launches the real app itself (benchmarks/launcher.py::launched_app, a free 127.0.0.1 port), sends
the questions from evaluation/gold/dev.jsonl, and stops by itself (per-request timeout and an
overall deadline). It counts requests, ok replies, clean "busy" refusals (the bounded queue is
full: the server answers the join with HTTP 503 and gradio_client raises
`QueueError("Queue is full! ...")` - only that counts as busy) and every other error by kind;
it reports p50/p95 latency and the server's resident memory (VmRSS from /proc/<pid>/status)
before, during and after. `--soak N` then sends N more requests and prints the RSS series, to
show whether memory stays flat. Figures are printed and written as JSON to `--out`.
It asserts nothing; tests/test_hardening.py runs a small instance and checks the counts.

    .venv/bin/python scripts/load_test.py --clients 32 --questions 25 --out load.json
    .venv/bin/python scripts/load_test.py --clients 4 --questions 0 --soak 2000 --out soak.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a file, the repo root is not on the path
    sys.path.insert(0, str(ROOT))

from answer import render, strings  # noqa: E402
from benchmarks.launcher import launched_app  # noqa: E402

DISCLAIMER_MD = f"_{render.escape(strings.DISCLAIMER)}_"


def rss_mb(pid: int) -> float | None:
    """Resident memory of the process in MB, one decimal; None once it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def questions() -> list[str]:
    lines = (ROOT / "evaluation" / "gold" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 1)


class Tally:
    """Thread-safe outcome counts and latencies (ms)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ok, self.busy, self.errors = [], [], {}

    def add(self, outcome: str, ms: float) -> None:
        with self.lock:
            if outcome == "ok":
                self.ok.append(ms)
            elif outcome == "busy":
                self.busy.append(ms)
            else:
                self.errors[outcome] = self.errors.get(outcome, 0) + 1

    @property
    def done(self) -> int:
        with self.lock:
            return len(self.ok) + len(self.busy) + sum(self.errors.values())

    def summary(self, wall: float) -> dict:
        n = self.done
        return {
            "requests": n, "ok": len(self.ok), "busy": len(self.busy), "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors), "wall_s": round(wall, 1), "throughput_rps": round(n / wall, 1) if wall else None,
            "latency_ms": {"p50": percentile(self.ok, 50), "p95": percentile(self.ok, 95), "max": percentile(self.ok, 100)},
            "busy_latency_ms": {"p50": percentile(self.busy, 50), "p95": percentile(self.busy, 95)},
        }


def ask_once(client, question: str, timeout: float) -> str:
    """One /ask call: 'ok', 'busy', or the kind of error."""
    from gradio_client.utils import QueueError

    job = client.submit(question, api_name="/ask")
    try:
        obj = job.result(timeout=timeout)
    except QueueError as exc:
        return "busy" if "Queue is full" in str(exc) else f"QueueError: {exc}"
    except FutureTimeout:
        job.cancel()
        return "timeout"
    except Exception as exc:  # everything else is an error, counted by kind
        return f"{type(exc).__name__}: {str(exc)[:80]}"
    if not isinstance(obj, dict) or "error" in obj:
        return "app error reply"
    return "ok" if obj.get("reply", "").endswith(DISCLAIMER_MD) else "reply without disclaimer"


def run_clients(url: str, clients: int, per_client: int, tally: Tally, deadline: float, timeout: float) -> None:
    from gradio_client import Client

    if per_client <= 0:
        return
    qs = questions()

    def worker(i: int) -> None:
        try:
            client = Client(url, analytics_enabled=False, verbose=False)
        except Exception as exc:
            for _ in range(per_client):
                tally.add(f"client start: {type(exc).__name__}", 0.0)
            return
        try:
            for j in range(per_client):
                if time.monotonic() > deadline:
                    tally.add("not sent: deadline", 0.0)
                    continue
                t0 = time.perf_counter()
                outcome = ask_once(client, qs[(i * per_client + j) % len(qs)], timeout)
                tally.add(outcome, (time.perf_counter() - t0) * 1000)
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + timeout)


def sample_rss(pid: int, samples: list, stop: threading.Event, every: float = 0.5) -> None:
    start = time.monotonic()
    while not stop.is_set():
        mb = rss_mb(pid)
        if mb is not None:
            samples.append((round(time.monotonic() - start, 1), mb))
        stop.wait(every)


def after_check(url: str, timeout: float) -> str:
    from gradio_client import Client

    client = Client(url, analytics_enabled=False, verbose=False)
    try:
        return ask_once(client, "can stress and anxiety cause my muscles to twitch?", timeout)
    finally:
        client.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--questions", type=int, default=25, help="questions per client")
    p.add_argument("--queue-size", type=int, default=64, help="the app's MEDQUOTE_QUEUE_SIZE")
    p.add_argument("--soak", type=int, default=0, help="then this many more requests, printing the RSS series")
    p.add_argument("--soak-clients", type=int, default=4)
    p.add_argument("--soak-every", type=int, default=100, help="RSS sample every this many soak requests")
    p.add_argument("--index-dir", type=Path, help="reuse an index folder (default: a new temporary one)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    p.add_argument("--deadline", type=float, default=1800.0, help="seconds for the whole run")
    p.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = p.parse_args(argv)
    deadline = time.monotonic() + args.deadline
    index_dir = args.index_dir or Path(tempfile.mkdtemp(prefix="medquote-load-")) / "index"
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    report = {"config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
              "machine": {"cpus": os.cpu_count(), "loadavg_start": os.getloadavg()}}
    with launched_app(index_dir, extra_env={"MEDQUOTE_QUEUE_SIZE": str(args.queue_size)}, timeout=600) as (url, proc, _):
        pid = proc.pid
        report["warmup"] = after_check(url, args.timeout)
        rss = {"start": rss_mb(pid)}
        samples, stop = [], threading.Event()
        sampler = threading.Thread(target=sample_rss, args=(pid, samples, stop), daemon=True)
        sampler.start()
        tally, t0 = Tally(), time.monotonic()
        run_clients(url, args.clients, args.questions, tally, deadline, args.timeout)
        report["load"] = tally.summary(time.monotonic() - t0)
        stop.set()
        sampler.join()
        rss["during_max"] = max((mb for _, mb in samples), default=None)
        rss["samples"] = samples
        time.sleep(2)  # let the server settle before the "after" reading
        rss["after"] = rss_mb(pid)
        report["rss_mb"] = rss
        if args.soak:
            report["soak"] = soak(url, pid, args, deadline)
        report["after_check"] = after_check(url, args.timeout)
        report["server_alive"] = proc.poll() is None
    report["machine"]["loadavg_end"] = os.getloadavg()
    print_report(report)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"figures written to {args.out}")
    return 0


def soak(url: str, pid: int, args, deadline: float) -> dict:
    """`args.soak` requests from a few clients; RSS read every `args.soak_every` completed requests."""
    tally, series = Tally(), [(0, rss_mb(pid))]
    per_client = -(-args.soak // args.soak_clients)
    stop = threading.Event()

    def watch() -> None:
        mark = args.soak_every
        while not stop.is_set():
            if tally.done >= mark:
                series.append((tally.done, rss_mb(pid)))
                mark += args.soak_every
            stop.wait(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    t0 = time.monotonic()
    run_clients(url, args.soak_clients, per_client, tally, deadline, args.timeout)
    stop.set()
    watcher.join()
    series.append((tally.done, rss_mb(pid)))
    out = tally.summary(time.monotonic() - t0)
    settled = [mb for n, mb in series if n >= args.soak // 10] or [series[-1][1]]  # after the first 10%
    out.update(series=series, growth_mb_after_first_10pct=round(series[-1][1] - settled[0], 1),
               min_mb=min(mb for _, mb in series), max_mb=max(mb for _, mb in series))
    return out


def print_report(r: dict) -> None:
    load, rss = r["load"], r["rss_mb"]
    print(f"load: {r['config']['clients']} clients x {r['config']['questions']} questions, queue size {r['config']['queue_size']}")
    print(f"  requests {load['requests']}  ok {load['ok']}  busy {load['busy']}  errors {load['errors']} {load['error_kinds'] or ''}")
    print(f"  latency ms (ok): p50 {load['latency_ms']['p50']}  p95 {load['latency_ms']['p95']}  max {load['latency_ms']['max']}"
          f"   throughput {load['throughput_rps']}/s over {load['wall_s']} s")
    print(f"  server RSS MB: before {rss['start']}  during (max) {rss['during_max']}  after {rss['after']}")
    if "soak" in r:
        s = r["soak"]
        print(f"soak: {s['requests']} requests  ok {s['ok']}  busy {s['busy']}  errors {s['errors']} {s['error_kinds'] or ''}"
              f"  p50 {s['latency_ms']['p50']} ms  p95 {s['latency_ms']['p95']} ms")
        print("  RSS MB by requests done: " + "  ".join(f"{n}:{mb}" for n, mb in s["series"]))
        print(f"  growth after the first 10%: {s['growth_mb_after_first_10pct']} MB (min {s['min_mb']}, max {s['max_mb']})")
    print(f"after the run: {r['after_check']}; server alive: {r['server_alive']}; load average {r['machine']['loadavg_end']}")


if __name__ == "__main__":
    sys.exit(main())
