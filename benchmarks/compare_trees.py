"""In-process answer latency of two source trees, in one run: the checkout against an earlier commit.

    /work/main/.venv/bin/python -m benchmarks.compare_trees --against <commit> [--rounds 3]

The earlier commit is checked out in a temporary git worktree; each tree answers the same
questions (benchmarks.common.questions) in a child process of its own, with the index built for
that tree in a temporary folder (`--followups`: turns with an earlier one instead). `--runtime onnx` serves as the app serves (Engine.load with the
encoder's ONNX export, no torch); `torch` (the default, as every figure before session 11 was
measured) runs the encoder with sentence-transformers, as `medquote ask` and `eval` do.
The children run in turn, A B A B ..., so background load hits both alike; the ratio of the
medians of `ask` is the figure. Used for "in-process p50 within 1.3x of today" (issue 24:
docs/learned-safety.md). It measures; it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, sys
from benchmarks.common import CORPUS, questions
from benchmarks.inprocess import measure
from medquote import Engine
engine = Engine.load(CORPUS, sys.argv[1], runtime=sys.argv[3])
if len(sys.argv) > 4:  # follow-ups: (earlier turn, question) pairs, timed inline (the earlier tree has no helper)
    import statistics, time
    pairs = [(r["previous"], r["question"]) for r in map(json.loads, open(sys.argv[4], encoding="utf-8")) if r.get("previous")]
    for prev, q in pairs[:10]:
        engine.ask(q, [prev])
    times = []
    for r in range(int(sys.argv[2])):
        for prev, q in (pairs if r % 2 == 0 else pairs[::-1]):
            t = time.perf_counter(); engine.ask(q, [prev]); times.append(time.perf_counter() - t)
    print("RESULT " + json.dumps({"ask": {"median_ms": 1000 * statistics.median(times)}, "encode": {"median_ms": 0.0}}))
else:
    print("RESULT " + json.dumps(measure(engine, questions(50), rounds=int(sys.argv[2]), warmup=10)))
"""
FOLLOWUPS = ROOT / "evaluation" / "gold" / "followups.jsonl"  # the tuning split: timing tunes nothing


def run_child(tree: Path, index_dir: Path, rounds: int, runtime: str = "torch", followups: bool = False) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "HF_HUB_OFFLINE": "1"}
    extra = [str(FOLLOWUPS)] if followups else []
    out = subprocess.run([sys.executable, "-c", CHILD, str(index_dir), str(rounds), runtime, *extra], cwd=tree, env=env,
                         capture_output=True, text=True, check=True, timeout=1800).stdout
    return json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.compare_trees")
    ap.add_argument("--against", required=True, help="the earlier commit (today's main)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per child run")
    ap.add_argument("--turns", type=int, default=2, help="child runs per tree, alternating")
    ap.add_argument("--runtime", choices=["torch", "onnx"], default="torch", help="onnx: as the app serves")
    ap.add_argument("--followups", action="store_true",
                    help="time follow-up turns (each with its earlier turn, evaluation/gold/followups.jsonl) instead")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="medquote-trees-") as tmp:
        other = Path(tmp) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", str(other), args.against], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            trees = {"before": other, "now": ROOT}
            asks: dict[str, list[float]] = {name: [] for name in trees}
            for turn in range(args.turns):
                for name, tree in trees.items():
                    res = run_child(tree, Path(tmp) / f"index-{name}", args.rounds, args.runtime, args.followups)
                    asks[name].append(res["ask"]["median_ms"])
                    print(f"turn {turn + 1}: {name}: ask median {res['ask']['median_ms']:.1f} ms, "
                          f"encode median {res['encode']['median_ms']:.1f} ms", flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, check=False)
    before, now = statistics.median(asks["before"]), statistics.median(asks["now"])
    print(f"ask p50: before ({args.against}) {before:.1f} ms, now {now:.1f} ms, ratio {now / before:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
