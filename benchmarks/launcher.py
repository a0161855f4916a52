"""Launch the real app (or any server) in a subprocess on a free loopback port and wait until it answers.

Shared by the tests (API, hardening, hostile and browser tests), scripts/load_test.py and the
benchmarks; it lives here, outside tests/, so that none of them imports a test module. It only
starts and stops processes on 127.0.0.1; it does not measure or assert anything.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_for_page(
    proc: subprocess.Popen[bytes], url: str, t0: float, timeout: float, poll: float, exited: Callable[[], str], late: str,
) -> None:
    """Poll `url` until it answers. RuntimeError(exited()) if `proc` ends first, RuntimeError(late)
    once `timeout` seconds have passed since `t0` (time.perf_counter)."""
    while True:
        if proc.poll() is not None:
            raise RuntimeError(exited())
        try:
            urllib.request.urlopen(url, timeout=2).read(10)
            return
        except OSError:
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError(late) from None
            time.sleep(poll)


@contextmanager
def launched(
    argv: list[str], env: dict[str, str], log_path: Path, timeout: float = 120.0, poll: float = 0.5,
) -> Iterator[tuple[str, subprocess.Popen[bytes], IO[str], float]]:
    """Start a server (argv; MEDQUOTE_PORT and MEDQUOTE_HOST are set here to a free loopback port)
    and wait until its page answers. Yields (url, proc, log, seconds from spawn to page up).
    Always stops it. Shared by the tests, scripts/load_test.py and the benchmarks."""
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "MEDQUOTE_HOST": "127.0.0.1",
           "MEDQUOTE_PORT": str(port), **env}
    log = open(log_path, "w+")  # noqa: SIM115 (closed in the finally below, after the server stops)
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"

    def exited() -> str:
        log.seek(0)
        return f"{argv} exited early:\n{log.read()[-3000:]}"

    try:
        wait_for_page(proc, url, t0, timeout, poll, exited, f"{argv} did not start in {timeout} s")
        yield url, proc, log, time.perf_counter() - t0
    finally:
        stop(proc)
        log.close()


@contextmanager
def launched_app(
    index_dir: Path, extra_env: dict[str, str] | None = None, timeout: float = 300.0,
) -> Iterator[tuple[str, subprocess.Popen[bytes], IO[str]]]:
    env = {"MEDQUOTE_INDEX_DIR": str(index_dir), **(extra_env or {})}
    log_path = index_dir.parent / f"server-{os.getpid()}-{time.monotonic_ns()}.log"
    with launched([sys.executable, str(ROOT / "app.py")], env, log_path, timeout) as (url, proc, log, _):
        yield url, proc, log

