"""Launch the real app in a subprocess on a free loopback port, for API and browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def launched_app(index_dir: Path, extra_env: dict | None = None, timeout: float = 120.0):
    port = free_port()
    env = {**os.environ, "MEDQUOTE_INDEX_DIR": str(index_dir), "MEDQUOTE_HOST": "127.0.0.1",
           "MEDQUOTE_PORT": str(port), **(extra_env or {})}
    log = open(index_dir.parent / f"server-{port}.log", "w+")
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"app exited early:\n{log.read()}")
            try:
                urllib.request.urlopen(url, timeout=2).read(10)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("app did not start in time")
                time.sleep(0.5)
        yield url, proc, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def shared_index_dir(tmp_path_factory) -> Path:
    """One real index folder for the whole session: whichever slow module runs first builds it."""
    path = tmp_path_factory.getbasetemp() / "shared-real-index" / "index"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
