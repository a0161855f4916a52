"""The speed and memory benchmark of the served pipeline, in one run, against its goals.

    /work/main/.venv/bin/python -m benchmarks.run [--out benchmarks/results/latest.json] [--quick]

In order: build a fresh index with `medquote ingest` (timed) and in-process (timed, with the
torch embedder that builds); answer latency in-process, served as the app serves it (the
encoder's ONNX export on ONNX Runtime), against that encoder's own encode floor, interleaved; cold start of a fresh
process to its first answer; the app and the echo app launched side by side (/ask through
gradio_client and a plain event-stream client); load at 1, 4 and 16 concurrent clients; the
app's peak RSS (VmHWM); the app's own cold start to a first /ask. Medians with p95. Each
section records how busy other processes kept the shared cores (`others_cpu_share`), since
absolute times on a shared 2-core machine move with them. Writes JSON and prints a Markdown
table (see report.py). It measures; it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import gc
import json
import tempfile
import time
from pathlib import Path

from medquote.engine import RANKED

from . import cold, http_bench, inprocess, report
from .common import APP_ARGV, CORPUS, ECHO_ARGV, OtherLoad, git_state, launched, machine, proc_status_kb, questions, wait_for_quiet

FULL = {"questions": 50, "rounds": 6, "warmup": 10, "http_rounds": 3, "levels": {1: 100, 4: 40, 16: 12},
        "load_seconds": 60.0, "cold_repeats": 3, "build_repeats": 3, "app_cold_repeats": 2, "wait_quiet": 90.0}
QUICK = {"questions": 4, "rounds": 1, "warmup": 1, "http_rounds": 1, "levels": {1: 2, 4: 2},
         "load_seconds": 20.0, "cold_repeats": 1, "build_repeats": 1, "app_cold_repeats": 1, "wait_quiet": 0.0}


def section(res: dict, name: str, fn, pids: tuple[int, ...] = ()):
    load = OtherLoad(pids)
    t = time.perf_counter()
    value = fn()
    res[name] = value if isinstance(value, dict) else {"result": value}
    res[name]["others_cpu_share"] = load.share()
    res[name]["section_s"] = round(time.perf_counter() - t, 1)
    print(f"  {name}: {res[name]['section_s']} s", flush=True)
    return value


def run(counts: dict, work: Path) -> dict:
    qs = questions(counts["questions"])
    res: dict = {"machine": machine(), "git": git_state(), "counts": {**counts, "levels": list(counts["levels"])}}
    res["quiet"] = wait_for_quiet(counts["wait_quiet"])
    index_dir = work / "index"
    section(res, "build_ingest_process", lambda: cold.ingest_process(index_dir))
    if not counts.get("serving_only"):
        _in_process(res, counts, qs, index_dir)
    env = {"MEDQUOTE_INDEX_DIR": str(index_dir)}
    with launched(APP_ARGV, env, work / "app.log") as (app_url, app, app_up), \
            launched(ECHO_ARGV, {}, work / "echo.log") as (echo_url, echo, _):
        res["memory"] = {"app_rss_after_start_mb": _mb(proc_status_kb(app.pid, "VmRSS"))}
        pids = (app.pid, echo.pid)
        if not counts.get("serving_only"):
            section(res, "http", lambda: http_bench.side_by_side(app_url, echo_url, qs, counts["http_rounds"]), pids)
        res["load"] = []
        for clients, per_client in counts["levels"].items():
            other = OtherLoad(pids)
            row = http_bench.load(app_url, qs, clients, per_client, counts["load_seconds"])
            res["load"].append(row | {"others_cpu_share": other.share()})
            print(f"  load x{clients}: {row['throughput_rps']} req/s", flush=True)
        # The same load on the echo app: what Gradio alone sustains on this machine.
        res["load_echo"] = [http_bench.load(echo_url, qs, c, n, counts["load_seconds"]) for c, n in counts["levels"].items()]
        res["memory"] |= {"app_peak_rss_mb": _mb(proc_status_kb(app.pid, "VmHWM")),
                          "echo_peak_rss_mb": _mb(proc_status_kb(echo.pid, "VmHWM"))}
    section(res, "cold_start_app", lambda: {"runs": [
        http_bench.app_cold_start(index_dir, qs[0], work / f"cold-app-{i}.log") for i in range(counts["app_cold_repeats"])]})
    section(res, "cold_start_echo", lambda: {"runs": [
        http_bench.echo_cold_start(qs[0], work / f"cold-echo-{i}.log") for i in range(counts["app_cold_repeats"])]})
    res["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    res["goals"] = report.goals(res)
    return res


def _in_process(res: dict, counts: dict, qs: list[str], index_dir: Path) -> None:
    """Answer latency, the in-process build and the engine's cold start (skipped by --serving)."""
    from medquote import Engine

    engine = Engine.load(CORPUS, index_dir, rebuild=False, runtime="onnx")  # as the app serves it
    res["pipeline"] = {"index": type(engine.index).__module__ + "." + type(engine.index).__name__,
                       "chunks": len(engine.index), "k": RANKED, "embedder": type(engine.index.embedder).__name__}
    # section() calls each lambda at once, before the `del engine` below (hence the noqa).
    section(res, "inprocess", lambda: inprocess.measure(engine, qs, counts["rounds"], counts["warmup"]))  # noqa: F821
    del engine
    gc.collect()
    section(res, "build_in_process", lambda: cold.build_in_process(_build_embedder(index_dir), counts["build_repeats"]))
    section(res, "cold_start_engine", lambda: cold.engine_cold_start(index_dir, qs[0], counts["cold_repeats"]))


def _build_embedder(index_dir: Path):
    """The torch embedder a build uses (the trained model, with its ONNX export), as `medquote ingest` loads it."""
    from index.models import adapted_model
    from index.serving import exported_embedder
    from medquote import config

    model = adapted_model(CORPUS, index_dir, config.model_dir(), train=False)
    return exported_embedder(model, config.model_dir(), threads=config.torch_threads())


def _mb(kb: int | None) -> float | None:
    return round(kb / 1024, 1) if kb else None


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description="medquote speed and memory benchmark")
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/latest.json"))
    p.add_argument("--quick", action="store_true", help="tiny counts: checks the harness, not the speed")
    p.add_argument("--wait-quiet", type=float, help="seconds to wait for other load to settle before starting")
    p.add_argument("--serving", action="store_true",
                   help="only what issue 23 compares with the echo app: load, peak RSS and the app's cold start (~6 min)")
    args = p.parse_args(argv)
    counts = dict(QUICK if args.quick else FULL) | {"serving_only": args.serving}
    if args.wait_quiet is not None:
        counts["wait_quiet"] = args.wait_quiet
    with tempfile.TemporaryDirectory(prefix="medquote-bench-") as tmp:
        res = run(counts, Path(tmp))
    res["quick"] = args.quick
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2))
    print(report.markdown(res))
    print(f"\nWritten to {args.out}")
    return res


if __name__ == "__main__":
    main()
