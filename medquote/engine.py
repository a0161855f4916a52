"""The one path from a question to a Reply, shared by the chat, the CLI and the evaluation.

Engine holds what is loaded once (index with its embedder, source metadata, settings, the
trained safety classifier) and per question: checks the input, cleans characters a tokenizer
cannot take, encodes the question and its clauses in one batched call, assesses safety (the
rules OR the classifier raise a flag: answer.safety.combine), searches, and hands everything to the pure answer
policy. It does not render or serve.
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np

from answer import Reply, Settings, compose, input_problem
from answer.policy import offers_related, with_related
from answer.safety import Safety, calm, combine
from answer.safety import assess as assess_safety
from answer.scope import out_of_scope
from index import Embedder, IndexUnavailable, ModelError, SearchIndex, open_index
from index.models import SERVED_ENCODER, TrainedModel, adapted_model
from index.safety_model import SafetyClassifier, thresholds_for
from index.screen import clauses
from index.serving import exported_embedder, served_embedder
from ingest import SourceMeta
from ingest.reader import read_metadata

from . import config
from .followup import CONTEXT_WEIGHT, context_for
from .language import LanguageDetector

MAX_PREVIOUS = 10  # earlier messages looked at; a long chat sends its whole history
# Control characters (but not tab/newline) and lone surrogates would break tokenizers.
UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
Runtime = Literal["torch", "onnx"]
log = logging.getLogger("medquote")


def torch_threads() -> int:
    # MEDQUOTE_TORCH_THREADS, else cores/2 (at most 4); see config.torch_threads for why.
    return config.torch_threads()


def single_threaded_blas() -> None:
    """numpy's own BLAS (OpenBLAS) on one thread. Answering only multiplies a few thousand
    vectors by one query; with more threads, OpenBLAS keeps them spinning between calls, and
    under load that spinning took a quarter of the server's CPU (docs/performance.md). Torch's
    MKL, which runs the model, is a separate library and keeps its own setting."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def clean(question: str) -> str:
    return UNSAFE_CHARS.sub(" ", question)


def follow_up_query(message: np.ndarray, context: np.ndarray | None, weight: float = CONTEXT_WEIGHT) -> np.ndarray:
    """The vector a follow-up is searched with: its own, plus the earlier message's at `weight`,
    normalised (followup.CONTEXT_WEIGHT says how the weight was chosen)."""
    if context is None:
        return message
    mixed = message + weight * context
    return (mixed / np.linalg.norm(mixed)).astype(np.float32)


@dataclass
class Engine:
    index: SearchIndex
    sources: dict[str, SourceMeta]
    settings: Settings = field(default_factory=Settings)
    assess: Callable[[str], Safety] = assess_safety
    k: int = 10
    classifier: SafetyClassifier | None = None  # None: the rules alone (tests with a fake embedder)
    language: LanguageDetector | None = None  # None: every message is taken as English
    context_weight: float = CONTEXT_WEIGHT  # a follow-up's earlier turn, against its own words' 1

    def __post_init__(self) -> None:
        if self.settings.threshold is None:  # the threshold calibrated with the score weights in use
            self.settings = replace(self.settings, threshold=self.index.settings.weights.threshold)

    @classmethod
    def load(
        cls, corpus_dir: Path, index_dir: Path, embedder: Embedder | None = None,
        settings: Settings | None = None, rebuild: bool = True, threads: int | None = None,
        model_dir: Path | None = None, progress: bool = False, runtime: Runtime = "torch",
        encoder: str = SERVED_ENCODER,
    ) -> Engine:
        """`embedder`: None for the model `encoder` names: "base" (as shipped, served today) or
        "adapted" to the corpus's bank (trained into `model_dir`, default Config.model_dir, when
        missing and `rebuild`; index/models.py says why it is not served yet); `threads`: threads per encode
        call, torch's or ONNX Runtime's (Config.torch_threads); None reads the setting.
        `runtime` (with `embedder` None): "torch" runs the model with sentence-transformers, its
        ONNX export made or checked on the way (what `medquote ask` and `eval` use, and every
        build); "onnx" is the server's: the export run by ONNX Runtime, and this process never
        imports torch, transformers or sentence-transformers. An index or export missing or
        stale is then built by `medquote ingest` in a child process (with `rebuild`)."""
        single_threaded_blas()
        threads = torch_threads() if threads is None else threads
        store = model_dir or config.model_dir()
        if embedder is None and runtime == "onnx":
            # The model a build would use now (no training here: a child process trains and builds).
            def build_model() -> TrainedModel | None:
                return adapted_model(corpus_dir, index_dir, store, train=False, encoder=encoder)

            index = _served_index(Path(corpus_dir), Path(index_dir), store, threads, rebuild, build_model)
        else:
            if embedder is None:
                model = adapted_model(corpus_dir, index_dir, store, train=rebuild, progress=progress, encoder=encoder)
                embedder = exported_embedder(model, store, threads=threads)
            index = open_index(corpus_dir, embedder, index_dir, rebuild=rebuild)  # scoring with the weights fitted for it
        engine = cls(
            index=index, sources=read_metadata(Path(corpus_dir)), settings=settings or Settings(),
            classifier=SafetyClassifier(index.art.safety_head, thresholds_for(index.embedder.name)),
            language=LanguageDetector(index.vocab.known),
        )
        engine.ask("warm up")  # the first encode pays one-off costs; pay them at start, not on a user
        return engine

    def texts_to_encode(self, text: str, context: str = "") -> list[str]:
        """What one message needs encoded: the message, spell-corrected, then its clauses (for the
        safety classifier), then, for a follow-up, `context` (the earlier message it continues)."""
        parts = clauses(text) if self.classifier else []
        extra = [self.index.vocab.correct(context)] if context else []
        return [self.index.vocab.correct(text), *parts, *extra]

    def split(self, vectors: np.ndarray, n_texts: int, follow_up: bool) -> tuple[np.ndarray, np.ndarray]:
        """(vectors of the message and its clauses, the vector retrieval searches with)."""
        message = vectors[: n_texts - 1] if follow_up else vectors[:n_texts]
        return message, follow_up_query(vectors[0], vectors[n_texts - 1] if follow_up else None, self.context_weight)

    def encode(self, text: str, context: str = "") -> tuple[np.ndarray, np.ndarray]:
        """One message's vectors: see texts_to_encode and split."""
        texts = self.texts_to_encode(text, context)
        return self.split(self.index.embedder.encode_queries(texts), len(texts), bool(context))

    def screen_message(self, text: str, vectors: np.ndarray | None = None) -> Safety:
        """The safety verdict on one cleaned message: the rules OR the trained classifier (on
        `vectors`, from `encode`, when given), combined by answer.safety.combine. The current
        message alone, whatever came before."""
        rules = self.assess(text)
        if self.classifier is None:
            return rules
        if vectors is None:
            vectors = self.encode(text)[0]
        t = self.classifier.thresholds
        return combine(rules, self.classifier.scores(vectors), t.cuts, calm(text), t.floors)

    def ask(self, question: str, previous: Sequence[str] = ()) -> Reply:
        """`previous`: the chat's earlier user messages, newest last. They only shape retrieval
        for a follow-up (see followup.py); safety and scope judge this message alone."""
        return self.ask_many([question], [previous])[0]

    def ask_many(self, questions: Sequence[str], previous: Sequence[Sequence[str] | None] | None = None) -> list[Reply]:
        """The replies `ask` gives, byte for byte, for many messages at once (people asking at the
        same moment): one model call encodes every message, clause and follow-up reading, since
        the model does a batch in little more than the time of one; the rest is per message."""
        previous = list(previous) if previous is not None else [()] * len(questions)
        if len(previous) != len(questions):
            raise ValueError("ask_many needs one history (or None) per question")
        prepared = [self._prepare(q, p) for q, p in zip(questions, previous, strict=True)]
        texts = [t for p in prepared if p for t in p[2]]
        vectors = self.index.embedder.encode_queries(texts)  # every row its own: see encode_queries
        replies: list[Reply] = []
        at = 0
        for question, p in zip(questions, prepared, strict=True):
            if p is None:  # empty, too long, ...: the policy says so without searching
                replies.append(compose(question if isinstance(question, str) else "", [], self.sources, self.settings))
                continue
            text, context, own = p
            message, query = self.split(vectors[at: at + len(own)], len(own), bool(context))
            at += len(own)
            replies.append(self._answer(question, text, context, message, query))
        return replies

    def _prepare(self, question: object, previous: Sequence[str] | None) -> tuple[str, str, list[str]] | None:
        question = question if isinstance(question, str) else ""
        if input_problem(question, self.settings):
            return None
        text = clean(question)
        history = [p for p in (previous or ()) if isinstance(p, str)][-MAX_PREVIOUS:]
        context = clean(context_for(text, history))
        return text, context, self.texts_to_encode(text, context)

    def _answer(self, question: str, text: str, context: str, message: np.ndarray, query: np.ndarray) -> Reply:
        flags = self.screen_message(text, message)
        scope = out_of_scope(text, self.index.vocab.corpus)
        # ranked even when abstaining, for evaluation
        hits = self.index.search(text, self.k, query=query, context=context, context_weight=self.context_weight if context else 0.0)
        language = self.language.detect(text) if self.language else "en"
        if language != "en":  # the safety notices still come first; no quotes, no "not covered"
            return compose(question, hits, self.sources, self.settings, flags, scope, language=language)
        reply = compose(question, hits, self.sources, self.settings, flags, scope)
        if not offers_related(reply):
            return reply
        return with_related(reply, self.index.related(query, {self.index.position(q.chunk) for q in reply.quotes}))


def _served_index(corpus_dir: Path, index_dir: Path, store: Path, threads: int, rebuild: bool,
                  model: Callable[[], TrainedModel | None]) -> SearchIndex:
    """The index opened with the ONNX export of `model()`, the encoder a build would use; if the
    model, the index or the export is missing or stale (and `rebuild`), `medquote ingest` trains,
    exports and builds in a child process first, so that torch is loaded there and never here."""
    try:
        return open_index(corpus_dir, served_embedder(model(), index_dir, store, threads), index_dir, rebuild=False)
    except (IndexUnavailable, ModelError) as exc:
        if not rebuild:
            raise
        log.warning("%s Building it now (`medquote ingest` in a child process).", exc)
    ingest_in_child(corpus_dir, index_dir, store, threads)
    return open_index(corpus_dir, served_embedder(model(), index_dir, store, threads), index_dir, rebuild=False)


def ingest_in_child(corpus_dir: Path, index_dir: Path, store: Path, threads: int) -> None:
    """`medquote ingest --quiet` for these folders in a child process. Its log lines (training,
    export) are passed on as they come; if it fails, its last line (`medquote: <what and the
    fix>`) is raised as IndexUnavailable rather than printed, so the one handler prints it once."""
    env = config.child_env(corpus_dir, index_dir, store, threads)
    argv = [sys.executable, "-m", "medquote.cli", "ingest", "--quiet"]
    with subprocess.Popen(argv, cwd=config.PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, text=True, errors="replace") as child:
        assert child.stdout is not None
        last = ""
        for line in child.stdout:  # each line passed on once the next arrives: the last may be the error
            if last:
                sys.stderr.write(last)
            last = line
        status = child.wait()
    if status == 0:
        sys.stderr.write(last)
        return
    message = last.strip().removeprefix("medquote: ")
    raise IndexUnavailable(message or f"`medquote ingest` failed with exit status {status}. Run it to see why.")
