"""Shared helpers for the benchmarks: summary statistics, machine facts, question sets, and
launching a Gradio server process on a free loopback port and reading its peak memory
(other people's CPU load is measured in cpu_load.py and re-exported here).

It does not decide what to measure (see run.py, inprocess.py, http_bench.py, cold.py) and it
never talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from .cpu_load import OtherLoad, busy_share, wait_for_quiet  # noqa: F401 (re-exported for the scripts)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
GOLD = ROOT / "evaluation" / "gold"


def summary(seconds: list[float]) -> dict:
    """Median, p95 and count in milliseconds (p95 by nearest rank, so it is a measured value)."""
    ms = sorted(s * 1000.0 for s in seconds)
    if not ms:
        return {"n": 0, "median_ms": None, "p95_ms": None}
    p95 = ms[min(len(ms) - 1, max(0, int(round(0.95 * len(ms))) - 1))]
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 3), "p95_ms": round(p95, 3),
            "mean_ms": round(statistics.fmean(ms), 3)}


def questions(n: int = 50) -> list[str]:
    """Realistic questions in worried people's words: the dev gold set first, then held-out.

    Only the question text is used, never the labels, so timing on them tunes nothing.
    """
    out: list[str] = []
    for name in ("dev.jsonl", "heldout.jsonl"):
        with open(GOLD / name, encoding="utf-8") as fh:
            out += [json.loads(line)["question"] for line in fh if line.strip()]
    return out[:n]


def _version(module: str) -> str | None:
    try:
        return __import__(module).__version__
    except Exception:
        return None


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        mem_kb = 0
    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(), "torch": _version("torch"), "faiss": _version("faiss"),
        "gradio": _version("gradio"), "gradio_client": _version("gradio_client"), "numpy": _version("numpy"),
        "torch_threads_env": os.environ.get("MEDQUOTE_TORCH_THREADS"),
    }


def git_state() -> dict:
    def run(*args):
        try:
            return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""
    return {"commit": run("log", "--oneline", "-1"), "status": run("status", "--short").splitlines()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status_kb(pid: int, field: str) -> int | None:
    """VmHWM (peak resident set) or VmRSS of a live process, in kB, from /proc/<pid>/status."""
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


@contextmanager
def launched(argv: list[str], env: dict, log_path: Path, timeout: float = 180.0):
    """Start a Gradio server (argv, with MEDQUOTE_PORT/ECHO_PORT set by the caller's env) and wait
    until its page answers. Yields (url, proc, seconds from spawn to page up). Always stops it."""
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "MEDQUOTE_HOST": "127.0.0.1",
           "MEDQUOTE_PORT": str(port), **env}
    log = open(log_path, "w+")
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = t0 + timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"{argv} exited early:\n{log.read()[-3000:]}")
            try:
                urllib.request.urlopen(url, timeout=2).read(10)
                break
            except OSError:
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"{argv} did not start in {timeout} s")
                time.sleep(0.05)
        yield url, proc, time.perf_counter() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def client(url: str):
    from gradio_client import Client

    return Client(url, analytics_enabled=False, verbose=False)


APP_ARGV = [sys.executable, str(ROOT / "app.py")]
ECHO_ARGV = [sys.executable, "-m", "benchmarks.echo_app"]
