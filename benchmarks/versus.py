"""Today's app against an earlier commit's, side by side in one run: is one request alone any
slower, and how many answers a second do 16 clients get?

    .venv/bin/python -m benchmarks.versus [--base 66d6e89] [--out benchmarks/results/versus.json]

The earlier commit is checked out into a temporary git worktree and served from there (its own
app.py and index, built before timing starts); both apps run at once on loopback. Single
requests: each question goes to both apps back to back, in alternating order, through the plain
event-stream client and gradio_client (http_bench.side_by_side, "echo" being the base here).
Load: 16 concurrent clients on one app, then the other, then the first again, so a slow
stretch of background load hits both. It measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from . import cold, http_bench
from .common import APP_ARGV, ROOT, OtherLoad, git_state, launched, machine, questions


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", default="66d6e89", help="the earlier commit (default: before issue 12's changes)")
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/versus.json"))
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    qs = questions(50)
    res: dict = {"machine": machine(), "git": git_state(), "base": args.base}
    with tempfile.TemporaryDirectory(prefix="medquote-versus-") as tmp:
        work = Path(tmp)
        base_tree = work / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base_tree), args.base], check=True)
        try:
            cold.ingest_process(work / "index-new")
            subprocess.run([sys.executable, "-m", "cli", "ingest", "--quiet"], cwd=base_tree, check=True,
                           env={**_env(base_tree), "MEDQUOTE_INDEX_DIR": str(work / "index-base")})
            new_env = {"MEDQUOTE_INDEX_DIR": str(work / "index-new")}
            base_env = {**_env(base_tree), "MEDQUOTE_INDEX_DIR": str(work / "index-base")}
            with launched(APP_ARGV, new_env, work / "new.log") as (new_url, new, _), \
                    launched([sys.executable, str(base_tree / "app.py")], base_env, work / "base.log") as (base_url, base, _):
                pids = (new.pid, base.pid)
                other = OtherLoad(pids)
                single = http_bench.side_by_side(new_url, base_url, qs, args.rounds)
                res["single"] = {"new_vs_base": single, "others_cpu_share": other.share()}
                res["load16"] = []
                for name, url in (("new", new_url), ("base", base_url), ("new", new_url), ("base", base_url)):
                    row = http_bench.load(url, qs, 16, 12, 60.0)
                    res["load16"].append({"app": name, **row})
                    print(f"  {name} x16: {row['throughput_rps']} answers/s", flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base_tree)], check=False)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2))
    s = res["single"]["new_vs_base"]
    print(f"single request, event stream: new {s['app_sse']['median_ms']} ms vs base {s['echo_sse']['median_ms']} ms "
          f"(ratio {s['ratio_sse']}); gradio_client ratio {s['ratio_gradio_client']}")
    print(f"Written to {args.out}")
    return res


def _env(tree: Path) -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(tree)}


if __name__ == "__main__":
    main()
