"""Over HTTP: /ask of the launched app side by side with the echo app, load at 1/4/16
concurrent clients, and the app's cold start to its first answer.

Side by side means both servers run at once and each question goes to the echo app and to
the real app back to back (order alternating), through gradio_client (what an API user sees;
it polls every 50 ms, so its figures come in ~50 ms steps) and through SSEClient (one
keep-alive connection, no polling: what the servers themselves cost). Load runs use SSEClient,
one per client thread, a fixed number of requests each and a time cap, so they always stop.
All traffic goes to 127.0.0.1 servers this run started.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
import urllib.request

import httpx

from .common import APP_ARGV, ECHO_ARGV, ROOT, client, free_port, stop, summary
from .sse_client import SSEClient


def side_by_side(app_url: str, echo_url: str, qs: list[str], rounds: int, warmup: int = 5,
                 kinds: tuple[str, ...] = ("gradio_client", "sse")) -> dict:
    calls = {}
    for name, url in (("app", app_url), ("echo", echo_url)):
        if "gradio_client" in kinds:
            gc = client(url)
            calls[f"{name}_gradio_client"] = lambda q, c=gc: c.predict(q, api_name="/ask")
        if "sse" in kinds:
            calls[f"{name}_sse"] = SSEClient(url).predict
    names = list(calls)
    for q in qs[:warmup]:
        for call in calls.values():
            call(q)
    times = {name: [] for name in names}
    for r in range(rounds):
        for i, q in enumerate(qs if r % 2 == 0 else qs[::-1]):
            for name in (names if (i + r) % 2 == 0 else names[::-1]):
                t = time.perf_counter()
                calls[name](q)
                times[name].append(time.perf_counter() - t)
    out = {name: summary(ts) for name, ts in times.items()}
    for kind in kinds:
        out[f"ratio_{kind}"] = round(out[f"app_{kind}"]["median_ms"] / out[f"echo_{kind}"]["median_ms"], 3)
    return out


def load(url: str | list[str], qs: list[str], clients: int, per_client: int, max_seconds: float) -> dict:
    """`clients` threads, each with its own connection, each sending `per_client` questions.
    Given several URLs (replicas), clients are spread over them round-robin, as sticky
    sessions behind a load balancer would spread them."""
    urls = [url] if isinstance(url, str) else list(url)
    latencies, errors, lock = [], [], threading.Lock()
    conns = [SSEClient(urls[k % len(urls)]) for k in range(clients)]
    start_line = threading.Barrier(clients + 1)
    deadline = [0.0]

    def worker(k: int):
        start_line.wait()
        for j in range(per_client):
            if time.perf_counter() > deadline[0]:
                break
            t = time.perf_counter()
            try:
                conns[k].predict(qs[(k * 7 + j) % len(qs)])
                with lock:
                    latencies.append(time.perf_counter() - t)
            except Exception as exc:  # a full queue or a timeout is a result to report, not a crash
                with lock:
                    errors.append(type(exc).__name__)

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(clients)]
    for th in threads:
        th.start()
    deadline[0] = time.perf_counter() + max_seconds
    t0, cpu0 = time.perf_counter(), time.process_time()
    start_line.wait()
    for th in threads:
        th.join(max_seconds + 60)
    wall, client_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    for c in conns:
        c.close()
    return {"clients": clients, "ok": len(latencies), "errors": len(errors), "error_kinds": sorted(set(errors)),
            "wall_s": round(wall, 2), "throughput_rps": round(len(latencies) / wall, 2),
            # The load generator shares the 2 cores with the server: how much of them it took.
            "client_cpu_share": round(client_cpu / wall / (os.cpu_count() or 1), 3), **summary(latencies)}


def app_cold_start(index_dir, question: str, log_path, timeout: float = 120.0, argv: list[str] = APP_ARGV,
                   answered=lambda answer: bool(answer.get("reply"))) -> dict:
    """Spawn the app (index already built) and time spawn -> page up -> first good /ask.
    With the echo app's `argv` (and its kind of answer): what Gradio alone needs to come up."""
    port = free_port()
    env = {"GRADIO_ANALYTICS_ENABLED": "False", "MEDQUOTE_HOST": "127.0.0.1", "MEDQUOTE_PORT": str(port),
           **({"MEDQUOTE_INDEX_DIR": str(index_dir)} if index_dir else {})}
    url, page_up = f"http://127.0.0.1:{port}/", None
    with open(log_path, "w") as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
        try:
            while time.perf_counter() - t0 < timeout and proc.poll() is None:
                try:
                    if page_up is None:
                        urllib.request.urlopen(url, timeout=2).read(10)
                        page_up = time.perf_counter() - t0
                    answer = SSEClient(url).predict(question)
                    if answered(answer):
                        return {"page_up_s": round(page_up, 2), "first_answer_s": round(time.perf_counter() - t0, 2)}
                except (OSError, httpx.HTTPError):
                    time.sleep(0.05)
            raise RuntimeError(f"app gave no answer within {timeout} s (exit code {proc.poll()}); see {log_path}")
        finally:
            stop(proc)


def echo_cold_start(question: str, log_path, timeout: float = 120.0) -> dict:
    """The echo app's spawn -> first answer: the part of a cold start that is Gradio's own."""
    return app_cold_start(None, question, log_path, timeout, ECHO_ARGV, lambda answer: "question" in answer)
