"""The one path from a message to a Turn, shared by the chat, /ask, the CLI and the evaluation.

Engine holds what is loaded once (index with its embedder, source metadata, settings, the
trained safety classifier, the language detector). Per message, each step once and in order
(`prepare`): the input check, cleaning characters a tokenizer cannot take, language, spelling,
a follow-up's earlier message; one model call for the message, its clauses and that earlier
message; then (`_turn`) safety (the rules OR the classifier: answer.safety.combine), scope,
search, the pure answer policy and related questions. It does not render or serve.
"""

from __future__ import annotations

import hashlib
import logging
import re
import subprocess
import sys
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np

from answer import Reply, Settings, compose, input_problem
from answer.policy import offers_related
from answer.safety import Safety, combine, kept_emergency
from answer.safety import assess as assess_safety
from answer.scope import out_of_scope
from index import Embedder, Hit, IndexUnavailable, ModelError, SearchIndex, open_index

# The vector a follow-up is searched with (index.adapter.CONTEXT_WEIGHT says how its weight was
# chosen); the query adapter is fitted on reviewed follow-ups mixed by the same function.
from index.adapter import follow_up_vector as follow_up_query
from index.build import branch_recipe
from index.coverage import token_rows
from index.embedder import Trunk
from index.models import SERVED_ENCODER, TrainedModel, adapted_model
from index.safety_model import RulesOnly, SafetyBranch, SafetyClassifier, highest, thresholds_for
from index.serving import exported_embedder, served_embedder
from ingest import SourceMeta, clauses, read_metadata
from records import Chunk

from . import config
from .followup import CONTEXT_WEIGHT, context_candidates, context_for
from .gate import Decision, decide
from .language import EnglishOnly, LanguageDetector
from .turn import Turn

Encoded = tuple[np.ndarray, np.ndarray | None]  # rows' vectors, and the safety branch's probabilities (None: no branch)

MAX_PREVIOUS = 10  # earlier messages looked at; a long chat sends its whole history
# A crisis told in one of the last CARRY_CRISIS messages keeps the crisis notice first on this
# turn too ("If this is ALS I will kill myself", then "how long do people live with it?"):
# the answer is still given, but not without the support line above it.
CARRY_CRISIS = 2
RANKED = 10  # passages ranked per message: the policy quotes from the top, the evaluation scores the rest
# Control characters (but not tab/newline) and lone surrogates would break tokenizers.
UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# The tokenizer matches its special tokens in the raw text (tokenizer.json: "normalized": false),
# so a typed "[SEP]" reached the model as a real separator. Spaced out, they are read as the
# brackets and word pieces any other text gives.
SPECIAL_TOKENS = re.compile(r"\[(PAD|UNK|CLS|SEP|MASK)\]")
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


# How much of a message too long to answer is still screened for an emergency or a crisis: far
# more than anyone types, and a bound on the rules' work for a pasted megabyte.
JUDGE_LIMIT = 20_000


def crisis_before(previous: Sequence[str] | None) -> bool:
    """Whether a firm crisis rule (not one that needs the classifier to agree) fires on one of
    the last CARRY_CRISIS earlier messages. The rules alone: no encoder pass for history; the
    current message is still judged alone, by rules and classifier."""
    recent = [p for p in (previous or ()) if isinstance(p, str)][-CARRY_CRISIS:]
    return any(v.crisis and "crisis" not in v.tentative for v in (assess_safety(clean(m[:JUDGE_LIMIT])) for m in recent))


def clean(question: str) -> str:
    return SPECIAL_TOKENS.sub(r"[ \1 ]", UNSAFE_CHARS.sub(" ", question))


@dataclass(frozen=True)
class Prepared:
    """A message made ready once, before the model runs (Engine.prepare)."""

    message: str  # as received ("" for a value that was not text)
    problem: str | None  # the fixed message for input that is not answered (empty, too long), or None
    text: str = ""  # cleaned
    language: str = "en"
    search_text: str = ""  # cleaned and spell-corrected: what the classifier reads and English is searched with
    # The earlier readings the turn may take, spell-corrected: decided by the rule before the pass
    # (one, or none), or, with the follow-up head, each candidate (followup.context_candidates),
    # decided after it (Engine.reading).
    contexts: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()  # what the model encodes: search_text, the clauses, then the contexts
    pending: bool = False  # the follow-up head decides which of `contexts`, if any, the turn is read with
    earlier: str = ""  # the newest earlier message, cleaned (the head asks whether it leans on the one before)
    crisis_before: bool = False  # a firm crisis rule fired on one of the last CARRY_CRISIS earlier messages

    @property
    def judged(self) -> int:
        """How many of `texts` the safety classifier reads (the message and its clauses)."""
        return len(self.texts) - len(self.contexts)


@dataclass
class Engine:
    index: SearchIndex
    sources: dict[str, SourceMeta]
    settings: Settings = field(default_factory=Settings)
    classifier: SafetyClassifier | RulesOnly = field(default_factory=RulesOnly)  # RulesOnly: tests on the fake embedder
    language: LanguageDetector | EnglishOnly = field(default_factory=EnglishOnly)
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

            # Only the served encoder's index is rebuilt in a child (`medquote ingest` builds that one).
            index = _served_index(Path(corpus_dir), Path(index_dir), store, threads, rebuild, build_model, encoder)
        else:
            if embedder is None:
                model = adapted_model(corpus_dir, index_dir, store, train=rebuild, progress=progress, encoder=encoder)
                embedder = exported_embedder(model, store, threads=threads)
            index = open_index(corpus_dir, embedder, index_dir, rebuild=rebuild)  # scoring with the weights fitted for it
        engine = cls(
            index=index, sources=read_metadata(Path(corpus_dir)), settings=settings or Settings(),
            classifier=classifier_for(index, threads),
            language=LanguageDetector(index.vocab.known),
        )
        engine.answer("warm up")  # the first encode pays one-off costs; pay them at start, not on a user
        return engine

    def prepare(self, message: object, previous: Sequence[str] | None = ()) -> Prepared:
        """Input, then language, then what to encode; each step once. `previous`: the chat's
        earlier user messages, newest last; only a follow-up reads them (followup.py)."""
        text = message if isinstance(message, str) else ""
        problem = input_problem(text, self.settings)
        if problem:
            if not text.strip():
                return Prepared(text, problem)
            # Too long to search, but not to screen: a crisis or an emergency told at length
            # still gets its notice first (the rules read up to JUDGE_LIMIT characters, the
            # classifier the message and its first and last clauses, as for any message).
            cleaned = clean(text[:JUDGE_LIMIT])
            judged = self.judged_texts(cleaned)
            return Prepared(text, problem, cleaned, "en", judged[0], (), tuple(judged))
        cleaned = clean(text)
        language = self.language.detect(cleaned)
        judged = self.judged_texts(cleaned)
        contexts: tuple[str, ...] = ()
        pending, newest = False, ""
        if language == "en":  # another language is not searched: its reply is fixed
            # Cleaned first; an earlier turn with no letter or digit once cleaned ("\x00", a zero-width
            # space, "?") gives a follow-up nothing to read, so it is no context.
            history = [h for h in (clean(p) for p in (previous or ()) if isinstance(p, str))
                       if any(ch.isalnum() for ch in h)][-MAX_PREVIOUS:]
            if self.index.follow_up_head is None:  # the rule alone decides, before the model runs
                earlier = context_for(cleaned, history)  # built from `history`, cleaned above
                contexts = (self.index.vocab.correct(earlier),) if earlier else ()
            else:  # the head reads vectors: every reading is encoded in the one pass, and chosen after it
                candidates = context_candidates(history)
                contexts = tuple(self.index.vocab.correct(c) for c in candidates)
                pending, newest = bool(candidates), candidates[0] if candidates else ""
        return Prepared(text, None, cleaned, language, judged[0], contexts, (*judged, *contexts), pending, newest,
                        crisis_before(previous))

    def reading(self, p: Prepared, vectors: np.ndarray) -> tuple[str, np.ndarray | None]:
        """The earlier message(s) this turn is read with and their vector, or ("", None) for a
        message that stands alone: the rule's choice, or the follow-up head's (the rule OR the
        head on the message; then, the same way, whether the newest earlier message leans on the
        one before, followup.retrieval_text's chain)."""
        first = p.judged
        head = self.index.follow_up_head
        if not p.contexts:
            return "", None
        if not p.pending or head is None:
            return p.contexts[0], vectors[first]
        if not head.follows(vectors[0], p.text):
            return "", None
        back = int(len(p.contexts) > 1 and head.follows(vectors[first], p.earlier))
        return p.contexts[back], vectors[first + back]

    def judged_texts(self, text: str) -> list[str]:
        """What the classifier reads of one cleaned message: the message spell-corrected (also
        what English is searched with), then its clauses when the classifier judges them."""
        return [self.index.vocab.correct(text), *(clauses(text) if self.classifier.judges_clauses else [])]

    def encode(self, text: str) -> Encoded:
        """The vectors of `judged_texts` (and the safety branch's rows), as `answer` encodes them
        (screen_message and the safety calibration)."""
        return self.encode_rows(self.judged_texts(text))

    def encode_rows(self, texts: Sequence[str], judged: Collection[int] | None = None) -> Encoded:
        """One encoder pass: each text's vector and, with a safety branch, the probabilities of
        the `judged` rows (None: all; the branch reads the trunk states the same pass gives)."""
        vectors, branch, _ = self._encode(texts, judged)
        return vectors, branch

    def _encode(self, texts: Sequence[str], judged: Collection[int] | None = None) -> tuple[np.ndarray, np.ndarray | None, Trunk]:
        """encode_rows, and the trunk's states when the pass gives them (the safety branch and the
        follow-up gate's uncovered word read them; [] otherwise)."""
        branch = self.classifier.branch
        if branch is None and not hasattr(self.index.embedder, "encode_queries_trunk"):
            return self.index.embedder.encode_queries(texts), None, []
        vectors, trunk = self.index.embedder.encode_queries_trunk(texts)  # type: ignore[attr-defined]  # checked above
        return vectors, None if branch is None else branch.probabilities(trunk, len(texts), judged), trunk

    def judge(self, text: str, encoded: Encoded) -> tuple[Safety, tuple[float, float, float] | None]:
        """The safety verdict on one cleaned message and the classifier's probabilities: the rules
        OR the classifier on `encoded` (the message and its clauses), answer.safety.combine. The
        current message alone, whatever came before."""
        scores, kept = self.classify(text, encoded)
        t = self.classifier.thresholds
        return combine(assess_safety(text), scores, t.cuts, kept, t.floors, t.emergency_with_crisis), scores

    def classify(self, text: str, encoded: Encoded) -> tuple[tuple[float, float, float] | None, float | None]:
        """The classifier's probabilities on one cleaned message (the highest over the message
        and its clauses; None without a classifier) and the emergency probability that stands
        once calm parts are set aside (answer.safety.kept_emergency), as `judge` combines them."""
        rows = self.classifier.rows(*encoded)
        if rows is None:
            return None, None
        if len(rows) == 0:
            return highest(rows), 0.0
        parts = clauses(text) if self.classifier.judges_clauses else []
        return highest(rows), kept_emergency(text, parts, rows[:, 0].tolist())

    def screen_message(self, text: str) -> Safety:
        """The verdict `answer` gives one cleaned message (the safety report judges with it)."""
        return self.judge(text, self.encode(text))[0]

    def ask(self, question: str, previous: Sequence[str] = ()) -> Reply:
        """The reply alone: `answer(question, previous).reply`."""
        return self.answer(question, previous).reply

    def ask_many(self, questions: Sequence[str], previous: Sequence[Sequence[str] | None] | None = None) -> list[Reply]:
        return [t.reply for t in self.answer_many(questions, previous)]

    def answer(self, message: str, previous: Sequence[str] = ()) -> Turn:
        """One turn. `previous`: the chat's earlier user messages, newest last. They only shape
        retrieval for a follow-up (see followup.py); safety and scope judge this message alone,
        except that a firm crisis rule on one of the last two repeats the crisis notice above the
        answer (crisis_before)."""
        return self.answer_many([message], [previous])[0]

    def answer_many(self, messages: Sequence[str], previous: Sequence[Sequence[str] | None] | None = None) -> list[Turn]:
        """The turns `answer` gives, byte for byte, for many messages at once (people asking at
        the same moment): one model call encodes every message, clause and follow-up reading,
        since the model does a batch in little more than the time of one; the rest is per message,
        the safety branch too (it judges each text alone: safety_model.SafetyBranch).
        In order, each once: input, language, spelling (prepare); the model; safety, scope,
        search, the policy, related questions (_turn)."""
        previous = list(previous) if previous is not None else [()] * len(messages)
        if len(previous) != len(messages):
            raise ValueError("answer_many needs one history (or None) per message")
        prepared = [self.prepare(m, p) for m, p in zip(messages, previous, strict=True)]
        texts: list[str] = []
        judged: set[int] = set()  # every row but a follow-up's earlier readings (safety never reads them)
        for p in prepared:
            judged.update(range(len(texts), len(texts) + p.judged))
            texts.extend(p.texts)
        vectors, branch, trunk = self._encode(texts, judged)
        turns: list[Turn] = []
        at = 0
        for p in prepared:
            own = slice(at, at + len(p.texts))
            states = row_states(trunk, at) if trunk and p.texts else None
            at += len(p.texts)
            turns.append(self._turn(p, vectors[own], None if branch is None else branch[own], states))
        return turns

    def _turn(self, p: Prepared, vectors: np.ndarray, branch: np.ndarray | None = None, states: np.ndarray | None = None) -> Turn:
        """`states`: the message's trunk states (its row of the pass), for the follow-up gate."""
        if p.problem:  # empty, too long: the policy says so without searching, after any notice
            if not p.texts:
                return Turn(p.message, compose(p.message, [], self.sources, self.settings))
            flags, scores = self.judge(p.text, (vectors, branch))
            return Turn(p.message, compose(p.message, [], self.sources, self.settings, flags), flags, scores)
        context, earlier = self.reading(p, vectors)
        message = vectors[: p.judged]
        query = follow_up_query(vectors[0], earlier, self.context_weight)
        flags, scores = self.judge(p.text, (message, None if branch is None else branch[: len(message)]))
        reminder = p.crisis_before and not flags.crisis  # the notice again, not the crisis reply: quotes stay
        if p.language != "en":  # the safety notices still come first; no quotes, no "not covered"
            reply = compose(p.message, [], self.sources, self.settings, flags, language=p.language, reminder=reminder)
            return Turn(p.message, reply, flags, scores)
        scope = out_of_scope(p.text, self.index.vocab.corpus)
        # ranked even when abstaining, for evaluation
        hits = self.index.rank(p.search_text, query, RANKED, context, self.context_weight if context else 0.0)
        judged, gate = self._second_opinion(hits, p.search_text, query, context, states)
        reply = compose(p.message, hits, self.sources, judged, flags, scope, reminder=reminder)
        if offers_related(reply):
            shown = {self.index.position(q.chunk) for q in reply.quotes}
            reply = replace(reply, related=tuple(self.index.related(query, shown)))
        return Turn(p.message, reply, flags, scores, p.search_text, context, query, gate)

    def _second_opinion(self, hits: list[Hit], text: str, query: np.ndarray, context: str,
                        states: np.ndarray | None) -> tuple[Settings, Decision]:
        """The policy settings this turn is judged by (gate.py: its threshold, follow-up or not,
        the second opinion of the query as encoded, and for a follow-up the fitted gate), and
        which of those rules decided, for the evaluation report."""
        weight = self.context_weight if context else 0.0
        return decide(self.settings, self.index.settings.weights, bool(context), hits[0].score if hits else None,
                      lambda: self.index.plain_best(text, query, context, weight),
                      lambda: self.uncovered(text, states, hits[0].chunk) if hits else None)

    def uncovered(self, text: str, states: np.ndarray | None, chunk: Chunk) -> float | None:
        """index/coverage.py's uncovered word of `text` (spell-corrected, as searched) against
        `chunk`: `states` are its trunk states from the turn's pass (None: encoded here)."""
        tokenize = getattr(self.index.embedder, "tokens", None)
        if tokenize is None or not hasattr(self.index.embedder, "encode_queries_trunk"):
            return None
        if states is None:
            _, trunk = self.index.embedder.encode_queries_trunk([text])
            states = row_states(trunk, 0)
        rows, tokens = token_rows(states, tokenize([text])[0])
        return self.index.uncovered(chunk, rows, tokens)

    def follow_up_features(self, turn: Turn) -> tuple[float, float, float] | None:
        """(best score, the second opinion's, the uncovered word) of a follow-up turn, as the gate
        reads them (evaluation/fit_gate.py fits on them); None for a turn that is no follow-up,
        ranked nothing or lacks a feature."""
        hits = turn.reply.ranked
        if not turn.context or not hits or turn.query is None:
            return None
        plain = self.index.plain_best(turn.search_text, turn.query, turn.context, self.context_weight)
        gap = self.uncovered(turn.search_text, None, hits[0].chunk)
        return None if gap is None else (hits[0].score, hits[0].score if plain is None else plain, gap)


def row_states(trunk: Trunk, row: int) -> np.ndarray:
    """One row's trunk states from a pass (its group's, padding cut off)."""
    for rows, states, mask in trunk:
        if row in rows:
            k = rows.index(row)
            return np.asarray(states[k][: int(mask[k].sum())], dtype=np.float32)
    raise ValueError(f"row {row} is not in the pass")


def classifier_for(index: SearchIndex, threads: int | None = None) -> SafetyClassifier:
    """The served safety classifier: the index's trained branch when there is one and the encoder
    gives the trunk's states, else the logistic heads; with the thresholds calibrated for it."""
    name, art = index.embedder.name, index.art
    if art.safety_branch is not None and hasattr(index.embedder, "encode_queries_trunk"):
        recipe, trained = branch_recipe(index.embedder), hashlib.sha256(art.safety_branch).hexdigest()
        return SafetyClassifier(art.safety_head, thresholds_for(name, branch=recipe, branch_sha256=trained), SafetyBranch(art.safety_branch, recipe, threads))
    return SafetyClassifier(art.safety_head, thresholds_for(name))


def index_dir_for(cfg: config.Config, encoder: str) -> Path:
    """The served encoder's index is the configured folder; another encoder's is its subfolder `<encoder>`."""
    return cfg.index_dir if encoder == SERVED_ENCODER else cfg.index_dir / encoder


def engine_for(cfg: config.Config, encoder: str | None = None, rebuild: bool = True, threshold: float | None = None,
               runtime: Runtime = "torch") -> Engine:
    """The engine on the served encoder, or on `encoder`: "base" (all-MiniLM-L6-v2 as shipped),
    "adapted" (trained on the question bank, index/models.py) or "fake" (the tests' word
    hashing), with its index in `index_dir_for`. The command line and the calibration use it;
    `runtime` "onnx" runs the model as the server does (Engine.load; the safety calibration
    uses it, since the int8 safety branch can differ from the torch path by ~1e-3)."""
    from index import FakeEmbedder

    encoder = encoder or SERVED_ENCODER
    settings = Settings(threshold=threshold, emergency_number=cfg.emergency_number)
    if encoder == "fake":  # fit its weights too, so the fast tests score like the real thing
        return Engine.load(cfg.corpus_dir, index_dir_for(cfg, encoder), embedder=FakeEmbedder(), settings=settings, rebuild=rebuild)
    return Engine.load(cfg.corpus_dir, index_dir_for(cfg, encoder), settings=settings, rebuild=rebuild, threads=cfg.torch_threads,
                       model_dir=cfg.model_dir, progress=True, encoder=encoder, runtime=runtime)


def _served_index(corpus_dir: Path, index_dir: Path, store: Path, threads: int, rebuild: bool,
                  model: Callable[[], TrainedModel | None], encoder: str = SERVED_ENCODER) -> SearchIndex:
    """The index opened with the ONNX export of `model()`, the encoder a build would use; if the
    model, the index or the export is missing or stale (and `rebuild`), `medquote ingest` trains,
    exports and builds in a child process first, so that torch is loaded there and never here."""
    try:
        return open_index(corpus_dir, served_embedder(model(), index_dir, store, threads), index_dir, rebuild=False)
    except (IndexUnavailable, ModelError) as exc:
        if not rebuild:
            raise
        if encoder != SERVED_ENCODER:  # the child's plain `medquote ingest` would build the served encoder's index here
            raise IndexUnavailable(f"{exc} For the {encoder} encoder, run `medquote ingest --encoder {encoder}`.") from None
        log.warning("%s Building it now (`medquote ingest` in a child process).", exc)
    ingest_in_child(corpus_dir, index_dir, store, threads)
    return open_index(corpus_dir, served_embedder(model(), index_dir, store, threads), index_dir, rebuild=False)


def ingest_in_child(corpus_dir: Path, index_dir: Path, store: Path, threads: int) -> None:
    """`medquote ingest --quiet` for these folders in a child process. Its log lines (training,
    export) are passed on as they come; if it fails, its last line (`medquote: <what and the
    fix>`) is raised as IndexUnavailable rather than printed, so the one handler prints it once."""
    env = config.child_env(corpus_dir, index_dir, store, threads)
    argv = [sys.executable, "-m", "cli", "ingest", "--quiet"]
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
    raise IndexUnavailable(child_failure(status, last))


def child_failure(status: int, last: str) -> str:
    """What a failed `medquote ingest` child is reported as: its own one-line error (a positive
    exit status and "medquote: ..."), else its exit status. A child killed by a signal (say, out
    of memory) or ending in a traceback leaves a progress line last, which is no reason at all."""
    if status > 0 and last.startswith("medquote: ") and last.strip() != "medquote:":
        return last.strip().removeprefix("medquote: ")
    return f"`medquote ingest` failed (exit status {status}). Run `medquote ingest` to see why."
