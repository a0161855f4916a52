"""Incremental ingest at ~10k chunks: a full build, then one document edited and built again.

    .venv/bin/python -m benchmarks.incremental [--chunks 10000] [--embedder real|fake] [--check]
                                               [--out benchmarks/results/incremental.json]

The corpus is this one plus synthetic documents: copies of the five real documents in which
about one word in six of every prose line is swapped for another word of the corpus (a fixed
seed), so every chunk and sentence is a distinct text of realistic length and structure. They
have no question bank; the real documents keep theirs, and the exemplars are embedded as usual.
The edit adds an "s" to one word of one synthetic document. Reported: seconds and texts embedded for
the full build and for the incremental one, and, outside the build, how long chunking the
corpus and loading the previous build take (the part of an incremental build that still
grows with the corpus). With --check, a full rebuild of the edited corpus is compared with the
incremental build: every file byte-identical with the fake embedder; with the real model the
reused vectors come from other encode batches, so the largest vector difference is reported.
It writes only to a temp folder and the --out file.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import tempfile
import time
import tomllib
from pathlib import Path

import numpy as np

from .common import CORPUS, OtherLoad, machine

PROSE = 80  # lines at least this long are prose; shorter ones (headings, markers) stay as they are


class Counting:
    """Any embedder, counting the texts it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.texts = inner, 0
        self.name, self.weights_sha256, self.dim = inner.name, inner.weights_sha256, inner.dim

    def encode(self, texts, batch_size=32, progress=False):
        self.texts += len(texts)
        return self.inner.encode(texts, batch_size=batch_size, progress=progress)


def vary(raw: str, vocabulary: list[str], rng: random.Random) -> str:
    def line(text: str) -> str:
        if len(text) < PROSE:
            return text
        return re.sub(r"[A-Za-z]{4,}", lambda m: rng.choice(vocabulary) if rng.random() < 1 / 6 else m.group(), text)
    return "\n".join(line(t) for t in raw.split("\n"))


def make_corpus(dest: Path, target_chunks: int, seed: int = 7) -> dict:
    """This corpus plus synthetic copies until about `target_chunks` chunks."""
    from ingest import chunk_corpus

    shutil.copytree(CORPUS, dest)
    docs, chunks = chunk_corpus(dest)
    meta = tomllib.loads((dest / "sources.toml").read_text(encoding="utf-8"))["documents"]
    vocabulary = sorted({w for d in docs for w in re.findall(r"[a-z]{4,}", d.raw)})
    copies = max(0, -(-(target_chunks - len(chunks)) // len(chunks)))  # whole copies of the corpus
    rng, entries = random.Random(seed), []
    for k in range(copies):
        for d in docs:
            stem = f"syn{k:03d}_{d.doc_id}"
            (dest / f"{stem}.txt").write_text(vary(d.raw, vocabulary, rng), encoding="utf-8")
            m = meta[d.doc_id]
            entries.append(f'\n[documents.{stem}]\ntitle = {json.dumps(m["title"] + f" (synthetic {k})")}\n'
                           f'kind = "{m["kind"]}"\ndate = {json.dumps(m["date"])}\n')
    with open(dest / "sources.toml", "a", encoding="utf-8") as fh:
        fh.writelines(entries)
    return {"real_documents": len(docs), "synthetic_documents": copies * len(docs)}


def edit_one(corpus: Path) -> str:
    """Change one word of the middle prose line of the middle synthetic document; return its name."""
    synthetic = sorted(corpus.glob("syn*.txt"))
    path = synthetic[len(synthetic) // 2]
    lines = path.read_text(encoding="utf-8").split("\n")
    prose = [j for j, t in enumerate(lines) if len(t) >= PROSE]
    i = prose[len(prose) // 2]
    edited = re.sub(r"[A-Za-z]{4,}", lambda m: m.group() + "s", lines[i], count=1)
    assert edited != lines[i]
    lines[i] = edited
    path.write_text("\n".join(lines), encoding="utf-8")
    return path.name


def timed_build(corpus: Path, embedder, root: Path, reuse: bool) -> dict:
    from index import build_index

    counting = Counting(embedder)
    t = time.perf_counter()
    build = build_index(corpus, counting, root, reuse=reuse)
    return {"seconds": round(time.perf_counter() - t, 2), "texts_embedded": counting.texts, "build": build}


def compare(a: Path, b: Path) -> dict:
    import faiss

    names = sorted(str(p.relative_to(a)) for p in a.rglob("*") if p.is_file())
    differ = [n for n in names if (a / n).read_bytes() != (b / n).read_bytes()]
    diff = 0.0
    for n in [n for n in differ if n.endswith(".npy") and n != "embed_keys.npy"]:
        diff = max(diff, float(np.abs(np.load(a / n) - np.load(b / n)).max()))
    if "vectors.faiss" in differ:
        from index.faiss_index import stored_vectors

        va, vb = (stored_vectors(faiss.read_index(str(p / "vectors.faiss"))) for p in (a, b))
        diff = max(diff, float(np.abs(va - vb).max()))
    return {"files": len(names), "files_differing": differ, "max_abs_vector_difference": diff}


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chunks", type=int, default=10_000)
    p.add_argument("--embedder", choices=("real", "fake"), default="real")
    p.add_argument("--check", action="store_true", help="also compare with a full rebuild of the edited corpus")
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/incremental.json"))
    args = p.parse_args(argv)
    from index import FakeEmbedder, ModelEmbedder
    from index.build import SAME_EMBEDDING, expected_manifest
    from index.store import load_build
    from ingest import chunk_corpus

    embedder = ModelEmbedder() if args.embedder == "real" else FakeEmbedder()
    res = {"machine": machine(), "embedder": embedder.name}
    with tempfile.TemporaryDirectory(prefix="medquote-incremental-") as tmp:
        corpus, root = Path(tmp) / "corpus", Path(tmp) / "index"
        res["corpus"] = make_corpus(corpus, args.chunks)
        other = OtherLoad()
        t = time.perf_counter()
        res["corpus"]["chunks"] = len(chunk_corpus(corpus)[1])
        res["chunk_corpus_s"] = round(time.perf_counter() - t, 2)
        full = timed_build(corpus, embedder, root, reuse=False)
        res["full"] = {k: v for k, v in full.items() if k != "build"}
        print(f"{res['corpus']['chunks']} chunks; full build {full['seconds']} s, {full['texts_embedded']} texts embedded", flush=True)
        res["edited"] = edit_one(corpus)
        t = time.perf_counter()
        load_build(root, expected_manifest(corpus, embedder), SAME_EMBEDDING)  # as the build reads it to reuse it
        res["load_previous_build_s"] = round(time.perf_counter() - t, 2)
        incremental = timed_build(corpus, embedder, root, reuse=True)
        res["incremental"] = {k: v for k, v in incremental.items() if k != "build"}
        print(f"one document edited ({res['edited']}): incremental build {incremental['seconds']} s, "
              f"{incremental['texts_embedded']} texts embedded", flush=True)
        if args.check:
            rebuilt = timed_build(corpus, embedder, Path(tmp) / "fresh", reuse=False)
            res["check"] = {"full_rebuild_s": rebuilt["seconds"], **compare(incremental["build"], rebuilt["build"])}
            print(f"against a full rebuild: {len(res['check']['files_differing'])} of {res['check']['files']} files differ, "
                  f"largest vector difference {res['check']['max_abs_vector_difference']:.2e}", flush=True)
        res["others_cpu_share"] = other.share()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2))
    return res


if __name__ == "__main__":
    main()
