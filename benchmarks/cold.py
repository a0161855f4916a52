"""Cold start and index build time.

Cold start: a fresh `python -c` process that imports medquote, runs Engine.load on an index
that is already built, as the server does (runtime="onnx": the encoder's ONNX export, no torch;
rebuild=False, so a stale index fails loudly instead of being timed as a build) and answers one
question; timed from spawn to the answer, with the child's own split (imports, load, first ask)
and whether torch was loaded (it must not be). The OS file cache is warm after the first run, as it is on
any machine that has served before; the first of the repeats is reported separately.
Build: `build_index` into a fresh temp dir with the real model already loaded (the build
itself), and `medquote ingest` as a process (what a user runs: includes loading the model).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import CORPUS, ROOT

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from medquote import Engine
t1 = time.perf_counter()
engine = Engine.load(Path(sys.argv[1]), Path(sys.argv[2]), rebuild=False, runtime="onnx")
t2 = time.perf_counter()
reply = engine.ask(sys.argv[3])
t3 = time.perf_counter()
assert reply.disclaimer
assert "torch" not in sys.modules, "the served engine loaded torch"
print("ANSWERED " + json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "first_ask_s": t3 - t2}), flush=True)
"""


def engine_cold_start(index_dir: Path, question: str, repeats: int = 3, timeout: float = 120.0) -> dict:
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(CORPUS), str(index_dir), question], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise RuntimeError(f"cold start took over {timeout} s") from None
        wall = time.perf_counter() - t0
        line = next((ln for ln in out.splitlines() if ln.startswith("ANSWERED ")), None)
        if proc.returncode or not line:
            raise RuntimeError(f"cold-start child failed ({proc.returncode}):\n{err[-2000:]}")
        split = {k: round(v, 2) for k, v in json.loads(line[len("ANSWERED "):]).items()}
        # Spawn -> answer, less the tail after printing (interpreter exit), which a user does not wait for.
        runs.append({"first_answer_s": round(split["import_s"] + split["load_s"] + split["first_ask_s"], 2),
                     "process_wall_s": round(wall, 2), **split})
    best = sorted(runs, key=lambda r: r["process_wall_s"])[len(runs) // 2]
    return {"median_run": best, "first_run": runs[0], "runs": runs}


def build_in_process(embedder, repeats: int = 3) -> dict:
    from index import build_index

    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            build_index(CORPUS, embedder, Path(tmp) / "index")
            times.append(time.perf_counter() - t)
    return {"runs_s": [round(t, 2) for t in times], "median_s": round(sorted(times)[len(times) // 2], 2)}


def ingest_process(index_dir: Path, timeout: float = 300.0) -> dict:
    """`medquote ingest` in a fresh process into index_dir; the benchmark then serves that index."""
    env = {**os.environ, "MEDQUOTE_INDEX_DIR": str(index_dir), "MEDQUOTE_CORPUS": str(CORPUS)}
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "cli", "ingest", "--quiet"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t
    if done.returncode:
        raise RuntimeError(f"medquote ingest failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return {"process_wall_s": round(wall, 2)}
