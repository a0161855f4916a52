"""ONNX Runtime against torch for the sentence encoder: one question's latency and memory.

Prints, for ModelEmbedder (torch, traced forward) and OnnxEmbedder (onnxruntime), both with one
thread: the median (p50) and p95 of encode_queries on one question at a time, over the first
--n dev/held-out gold questions after a warm-up; and the peak RSS of a fresh
`python -c` that only imports each side (`index.onnx_embedder` against `sentence_transformers`),
then of one that also loads the model and encodes a question (VmHWM, Linux).

A short run on purpose (well under a minute on 2 busy cores): it is a comparison, not the
benchmark suite (benchmarks/run.py). `--onnx model.onnx` reuses an export and its sha256 is
taken from the file; otherwise the base model is exported into a temporary folder first.

    .venv/bin/python -m benchmarks.onnx_vs_torch [--n 40] [--onnx PATH]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import ROOT, questions, summary

# VmHWM, the peak resident set of this process image: ru_maxrss would also count the parent's
# memory, which Linux carries over into a child across fork and exec.
RSS_CHILD = """
import json, sys
{statement}
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({{"maxrss_mb": int(hwm.split()[1]) / 1024, "torch": "torch" in sys.modules}}))
"""
LOAD_ONNX = """
from pathlib import Path
from index.onnx_embedder import OnnxEmbedder
path = Path({path!r})
OnnxEmbedder(path, path.with_name("tokenizer.json"), {sha!r}, name="onnx", threads=1, weights_sha256="w").encode_queries(["can stress cause twitching?"])
"""
LOAD_TORCH = """
from index.embedder import ModelEmbedder
ModelEmbedder(threads=1).encode_queries(["can stress cause twitching?"])
"""


def child_rss(statement: str) -> dict:
    done = subprocess.run([sys.executable, "-c", RSS_CHILD.format(statement=statement)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}")
    result: dict = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def latencies(embedder, texts: list[str], warmup: int = 5) -> list[float]:
    for text in texts[:warmup]:
        embedder.encode_queries([text])
    seconds = []
    for text in texts:
        start = time.perf_counter()
        embedder.encode_queries([text])
        seconds.append(time.perf_counter() - start)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40, help="questions timed, one at a time, per embedder")
    parser.add_argument("--onnx", type=Path, help="an exported model.onnx (tokenizer.json beside it); default: export now")
    args = parser.parse_args(argv)

    from index.embedder import ModelEmbedder, file_sha256, model_dir
    from index.onnx_embedder import OnnxEmbedder

    with tempfile.TemporaryDirectory() as tmp:
        path = args.onnx
        if path is None:
            from index.onnx_export import export_onnx

            path = Path(tmp) / "model.onnx"
            start = time.perf_counter()
            export_onnx(model_dir(), path)
            print(f"exported the base model in {time.perf_counter() - start:.1f} s")
        sha = file_sha256(path)
        texts = questions(args.n)
        onnx_embedder = OnnxEmbedder(path, path.with_name("tokenizer.json"), sha, name="onnx", threads=1, weights_sha256="w")
        torch_embedder = ModelEmbedder(threads=1)
        print(f"one question at a time, threads=1, {len(texts)} questions:")
        for label, embedder in (("torch (ModelEmbedder)", torch_embedder), ("onnxruntime (OnnxEmbedder)", onnx_embedder)):
            stats = summary(latencies(embedder, texts))
            print(f"  {label:28} p50 {stats['median_ms']:7.2f} ms   p95 {stats['p95_ms']:7.2f} ms")

        print("peak RSS of a fresh process (VmHWM):")
        for label, statement in (
            ("python -c pass", "pass"),
            ("import onnxruntime, tokenizers", "import onnxruntime, tokenizers"),
            ("import index.onnx_embedder", "import index.onnx_embedder"),  # with index/__init__: faiss, bm25s, ...
            ("import sentence_transformers", "import sentence_transformers"),
            ("onnx: load + encode one", LOAD_ONNX.format(path=str(path), sha=sha)),
            ("torch: load + encode one", LOAD_TORCH),
        ):
            rss = child_rss(statement)
            print(f"  {label:32} {rss['maxrss_mb']:7.1f} MB{'   (torch loaded)' if rss['torch'] else ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
