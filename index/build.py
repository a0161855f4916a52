"""Builds the index from the corpus, and opens it only when it matches the corpus and model.

`build_index` chunks the corpus, embeds every chunk, sentence, bank question and exemplar in
batches, fits the safety heads, trains the safety branch with a real encoder (safety_branch.py;
reused from the current build when its exemplars, weights and recipe are the same), fits the
query adapter (adapter.py), builds
BM25, and writes a new build atomically (the previous one stays served until the swap). Texts
embedded exactly as in the current build keep its vectors (reuse.py), so an edit re-embeds only
what changed; `reuse=False` re-embeds everything.
`open_index` loads the current build if its manifest matches; otherwise it rebuilds (one log
line) or raises IndexUnavailable with the command to run. Ingest errors propagate unchanged,
leaving the old build in place.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ingest import CHUNKER_VERSION, Anchor, Chunk, IngestError, bank_hashes, chunk_corpus, corpus_hashes, load_bank, needs_context, read_corpus

from . import adapter, followup_head, safety_branch
from .branch_worker import train_pinned
from .embedder import MODEL_NAME, Embedder, ModelError
from .faiss_index import make_index, stored_vectors
from .hubness import hubness
from .lexical import Lexical
from .questions import BankFollowUp, BankQuestion, bank_followups, bank_questions, expanded_texts
from .reuse import Reusable, embed
from .safety_model import fit_head
from .scoring import ADAPTED_PREFIX, weights_for
from .screen import Exemplar, exemplar_hashes, load_exemplars
from .search import RetrievalSettings, SearchIndex
from .sentences import Sentence, all_sentences, sentence_text
from .store import FORMAT_VERSION, Artifacts, IndexUnavailable, Manifest, load_build, write_build

# What an earlier build must share with this one for its vectors to be reused: not the
# documents (that is the point), but everything that decides what a text's vector is.
SAME_EMBEDDING = ("format_version", "model", "weights_sha256", "dim", "recipe", "embed_version")

log = logging.getLogger("medquote.index")

# Bump when the text given to the embedder or BM25 changes (the quoted text never changes).
EMBED_VERSION = "section+text-2+bank-1"
# The follow-up head's recipe and how passage tokens are stored (coverage.py): in the manifest,
# so a build made without them, or another way, is stale.
FOLLOWUP_READER = f"{followup_head.RECIPE}+passage-tokens-1"
PASSAGE_BATCH = 16


def embed_text(chunk: Chunk) -> str:
    # The section heading gives short passages their topic ("Diagnosing ALS"), which the
    # sentence alone often lacks. It is used only for matching, never shown as quoted text.
    return f"{chunk.section}\n{chunk.text}"


def index_root(root: Path | str) -> Path:
    # The folder comes from the caller (medquote/config.py reads MEDQUOTE_INDEX_DIR); no default here.
    return Path(root)


def input_hashes(corpus_dir: Path) -> dict[str, str]:
    """sha256 of everything a build reads: documents, bank files, exemplar files."""
    return {**corpus_hashes(corpus_dir), **bank_hashes(corpus_dir), **exemplar_hashes()}


def expected_manifest(corpus_dir: Path, embedder: Embedder, chunk_count: int = 0) -> Manifest:
    return Manifest(
        format_version=FORMAT_VERSION, model=embedder.name, weights_sha256=embedder.weights_sha256,
        dim=embedder.dim, recipe=embedder.recipe, chunker_version=CHUNKER_VERSION, embed_version=EMBED_VERSION,
        documents=input_hashes(corpus_dir), chunk_count=chunk_count, files={},
        onnx_sha256=getattr(embedder, "onnx_sha256", ""),  # serving.ExportedEmbedder's; the server checks it
        adapter=adapter.RECIPE if adapter.SERVED else "",
        safety_branch=branch_recipe(embedder),
        followup_reader=FOLLOWUP_READER if branch_recipe(embedder) else "",
    )


def branch_recipe(embedder: Embedder) -> str:
    """The safety branch a build with this encoder trains: MiniLM's, as shipped or adapted (the
    branch copies its top layers); none for the tests' doubles (word hashing has no layers)."""
    real = embedder.name == MODEL_NAME or embedder.name.startswith(ADAPTED_PREFIX)
    return safety_branch.RECIPE.version if real else ""


@contextmanager
def _build_lock(root: Path) -> Iterator[None]:
    try:
        root.mkdir(parents=True, exist_ok=True)
        fh = open(root / ".lock", "a")  # noqa: SIM115 (inside the try for the fixed message; the with below closes it)
    except OSError as exc:
        raise IndexUnavailable(
            f"Cannot write the index under {root} ({exc.strerror}). "
            "Make it writable or set MEDQUOTE_INDEX_DIR to a writable folder, then run `medquote ingest`."
        ) from None
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # two builds at once would race on the `current` swap
        yield


def embedded_texts(chunks: Sequence[Chunk], sentences: Sequence[Sentence], bank: Sequence[BankQuestion],
                   exemplars: Sequence[Exemplar], followups: Sequence[BankFollowUp] = ()) -> list[str]:
    """Every text a build embeds, in the order of its vectors (and of its embed_keys)."""
    return ([embed_text(c) for c in chunks] + [sentence_text(chunks[s.chunk], s) for s in sentences]
            + [q.text for q in bank] + [e.text for e in exemplars] + [t for f in followups for t in (f.after, f.ask)])


def previous_vectors(root: Path, expected: Manifest) -> Reusable:
    """The current build's vectors by text, if it was embedded the same way and is intact;
    else nothing to reuse (one log line saying why)."""
    try:
        art = load_build(root, expected, SAME_EMBEDDING)
    except IndexUnavailable as exc:
        log.info("Embedding every text, nothing reusable in the current build: %s", exc)
        return Reusable.empty(expected.dim)
    if art.embed_keys is None:
        log.info("Embedding every text: the earlier build has no text hashes.")
        return Reusable.empty(expected.dim)
    stored = [stored_vectors(art.dense), art.sentence_vectors, art.bank_vectors, art.exemplar_vectors]
    if art.followup_vectors is not None:
        stored.append(art.followup_vectors)
    branches = ((art.safety_branch_key, art.safety_branch),) if art.safety_branch is not None else ()
    return Reusable.of(art.embed_keys, np.vstack(stored), branches)


def make_artifacts(
    chunks: list[Chunk], embedder: Embedder, progress: bool = False,
    anchors: Sequence[Anchor] = (), exemplars: Sequence[Exemplar] = (), reuse: Reusable | None = None,
) -> Artifacts:
    sentences = all_sentences(chunks)
    bank = bank_questions(list(anchors), chunks)
    followups = bank_followups(list(anchors), chunks) if adapter.SERVED else []
    # One encode call for whatever is not reused, chunks, sentences, bank questions, exemplars
    # and the bank's follow-ups together: batching makes the build fast.
    texts = embedded_texts(chunks, sentences, bank, exemplars, followups)
    done = embed(texts, embedder, reuse or Reusable.empty(embedder.dim), batch_size=64, progress=progress)
    log.info("Embedded %d texts, reused %d vectors of the previous build.", done.embedded, done.reused)
    vectors = done.vectors
    n, m, b = len(chunks), len(chunks) + len(sentences), len(chunks) + len(sentences) + len(bank)
    chunk_vectors, sentence_vectors = vectors[:n], vectors[n:m]
    bank_vectors = vectors[m:b]
    e = b + len(exemplars)
    exemplar_vectors = np.asarray(vectors[b:e], dtype=np.float32).reshape(len(exemplars), embedder.dim)
    followup_vectors = np.asarray(vectors[e:], dtype=np.float32).reshape(2 * len(followups), embedder.dim)
    owner = np.array([s.chunk for s in sentences], dtype=np.int64)
    bank_vectors = np.asarray(bank_vectors, dtype=np.float32).reshape(len(bank), embedder.dim)
    head = fit_head(exemplars, exemplar_vectors)
    branch_key, branch = _safety_branch(embedder, exemplars, reuse, progress)
    real = bool(branch_recipe(embedder))  # the fake encoder has no trunk, and its vectors teach nothing
    tokens, offsets = passage_tokens(embedder, chunks) if real else (None, None)
    follows = (followup_head.fit_head(bank_vectors, [q.text for q in bank], followup_vectors[1::2], [f.ask for f in followups])
               if real else None)
    return Artifacts(
        dense=make_index(chunk_vectors), chunks=chunks, sentences=sentences,
        sentence_vectors=sentence_vectors, lexical=Lexical.build(expanded_texts(texts[:n], bank)),
        hubness=hubness(chunk_vectors, sentence_vectors, owner),
        bank=bank, bank_vectors=bank_vectors,
        exemplars=list(exemplars),
        exemplar_vectors=exemplar_vectors,
        safety_head=head,
        safety_branch=branch, safety_branch_key=branch_key,
        embed_keys=done.keys,
        query_adapter=_query_adapter(bank, bank_vectors, followups, followup_vectors, chunk_vectors),
        followup_vectors=followup_vectors if followups else None,
        followup_head=follows, passage_tokens=tokens, passage_token_offsets=offsets,
    )


def passage_tokens(embedder: Embedder, chunks: Sequence[Chunk]) -> tuple[np.ndarray, np.ndarray]:
    """Every chunk's text encoded as a query is (the rows do not depend on the batch), its trunk
    states token by token without [CLS] and [SEP], normalised, float16 (coverage.py reads them);
    and the offset of each chunk's first row, then the row count."""
    rows: list[np.ndarray] = []
    texts = [c.text for c in chunks]
    for at in range(0, len(texts), PASSAGE_BATCH):
        batch = texts[at: at + PASSAGE_BATCH]
        _, trunk = embedder.encode_queries_trunk(batch)  # type: ignore[attr-defined]  # a real encoder's
        states: dict[int, np.ndarray] = {}
        for members, values, mask in trunk:
            for k, r in enumerate(members):
                n = int(mask[k].sum())
                kept = np.asarray(values[k][1: n - 1], dtype=np.float32)  # [CLS] first, [SEP] last
                states[r] = kept / np.maximum(np.linalg.norm(kept, axis=1, keepdims=True), 1e-12)
        rows.extend(states[r] for r in range(len(batch)))
    offsets = np.zeros(len(chunks) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(r) for r in rows])
    dim = embedder.dim
    return (np.vstack(rows).astype(np.float16) if rows else np.zeros((0, dim), dtype=np.float16)), offsets


def _safety_branch(embedder: Embedder, exemplars: Sequence[Exemplar],
                   reuse: Reusable | None, progress: bool) -> tuple[str, bytes | None]:
    """(what it was trained from, the branch's ONNX bytes): the earlier build's or the model
    store's when trained from the same (every index built on this machine shares them), else
    trained now (about 3 minutes) and kept there; none for the fake encoder or without exemplars."""
    if not branch_recipe(embedder) or not exemplars:
        return "", None
    key = safety_branch.branch_key(exemplars, embedder.weights_sha256)
    cache = getattr(embedder, "branch_cache", None)  # serving.ExportedEmbedder's: the model store's
    kept = reuse.branch(key) if reuse is not None else None
    if kept is None and cache is not None:
        kept = safety_branch.cached(cache, key)
    if kept is not None:
        return key, kept
    torch_side: Any = getattr(embedder, "inner", embedder)  # serving.ExportedEmbedder wraps the torch model
    if not hasattr(torch_side, "path"):
        raise ModelError(f"The encoder {embedder.name} cannot train the safety branch here (no torch model). Run `medquote ingest`.")
    log.info("Training the safety branch on %d exemplars (about 7 minutes on two cores)...", len(exemplars))
    # In a child pinned to AVX2 (branch_worker.py): every machine trains the same bytes.
    trained = train_pinned(torch_side.path, embedder.weights_sha256, exemplars, progress=progress)
    if cache is not None:
        safety_branch.keep(cache, key, trained)
    return key, trained


def _query_adapter(bank: list[BankQuestion], bank_vectors: np.ndarray, followups: list[BankFollowUp],
                   followup_vectors: np.ndarray, chunk_vectors: np.ndarray) -> np.ndarray | None:
    if not adapter.SERVED or not bank:
        return None
    # Each follow-up as the engine searches it: mixed with its earlier message only when it
    # leans on it (ingest.needs_context), else alone.
    mixed = [adapter.follow_up_vector(followup_vectors[2 * i + 1], followup_vectors[2 * i] if needs_context(f.ask) else None)
             for i, f in enumerate(followups)]
    questions = np.vstack([bank_vectors, *mixed]) if mixed else bank_vectors
    # The one build step without a progress bar of its own: say what the pause is.
    log.info("Fitting the query adapter on %d bank questions and %d follow-ups (about 15 s)...", len(bank), len(followups))
    return adapter.fit_adapter(questions, [q.chunk for q in bank] + [f.chunk for f in followups], chunk_vectors)


def build_index(corpus_dir: Path | str, embedder: Embedder, root: Path | str, progress: bool = False, reuse: bool = True) -> Path:
    corpus_dir, root = Path(corpus_dir), index_root(root)
    with _build_lock(root):
        # The inputs' hashes are taken before they are read, and checked again before the build
        # is written: a document, bank or exemplar file edited meanwhile (a `git pull` during an
        # ingest) must never be recorded as indexed when it was not.
        before = input_hashes(corpus_dir)
        docs, chunks = chunk_corpus(corpus_dir)
        if not chunks:
            raise IngestError(f"No quotable text found in {corpus_dir}.")
        anchors = load_bank(corpus_dir, docs, chunks)  # a bad bank entry stops here, before any write
        exemplars = load_exemplars()
        manifest = replace(expected_manifest(corpus_dir, embedder, len(chunks)), documents=before)
        previous = previous_vectors(root, manifest) if reuse else None
        art = make_artifacts(chunks, embedder, progress, anchors, exemplars, previous)
        if input_hashes(corpus_dir) != before:
            raise IngestError("A source, bank or exemplar file changed while the index was being built; "
                              "the index served until now is kept. Run `medquote ingest` again.")
        return write_build(root, manifest, art)


def open_index(
    corpus_dir: Path | str, embedder: Embedder, root: Path | str, rebuild: bool = True, settings: RetrievalSettings | None = None,
) -> SearchIndex:
    """The served index; `settings` default to scoring with the weights fitted for `embedder`."""
    corpus_dir, root = Path(corpus_dir), index_root(root)
    expected = expected_manifest(corpus_dir, embedder)
    try:
        art = verified(load_build(root, expected), corpus_dir)
    except IndexUnavailable as exc:
        if not rebuild:
            raise
        log.warning("%s Rebuilding now.", exc)
        build_index(corpus_dir, embedder, root)
        art = verified(load_build(root, expected), corpus_dir)
    return SearchIndex(art, embedder, settings or RetrievalSettings(weights=weights_for(embedder.name)))


def verified(art: Artifacts, corpus_dir: Path) -> Artifacts:
    """Every stored chunk must still be the exact slice of its document: a quote is never
    served from offsets that no longer match, whatever the manifest claims."""
    raws = {d.doc_id: d.raw for d in read_corpus(corpus_dir)}
    for chunk in art.chunks:
        if raws.get(chunk.doc_id, "")[chunk.start:chunk.end] != chunk.text:
            raise IndexUnavailable(f"Index chunk {chunk.id} no longer matches the corpus. Run `medquote ingest` to rebuild.")
    return art
