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
import statistics
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from .cpu_load import OtherLoad, busy_share, wait_for_quiet  # noqa: F401 (re-exported for the scripts)
from .launcher import free_port, stop  # noqa: F401 (re-exported for the scripts)
from .launcher import launched as _launched

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
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        mem_kb = 0
    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(), "torch": _version("torch"), "onnxruntime": _version("onnxruntime"), "faiss": _version("faiss"),
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
    """launcher.py's launcher, polling fast (start-up time is measured): yields (url, proc, seconds)."""
    with _launched(argv, env, log_path, timeout, poll=0.05) as (url, proc, _log, seconds):
        yield url, proc, seconds

def client(url: str):
    from gradio_client import Client

    return Client(url, analytics_enabled=False, verbose=False)


APP_ARGV = [sys.executable, str(ROOT / "app.py")]
ECHO_ARGV = [sys.executable, "-m", "benchmarks.echo_app"]
