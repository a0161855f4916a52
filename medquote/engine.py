"""The one path from a question to a Reply, shared by the chat, the CLI and the evaluation.

Engine holds what is loaded once (index with its embedder, source metadata, settings) and
per question: checks the input, cleans characters a tokenizer cannot take, assesses safety,
searches, and hands everything to the pure answer policy. It does not render or serve.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from answer import Reply, Settings, compose, input_problem
from answer.safety import assess as assess_safety
from answer.scope import out_of_scope
from index import Embedder, ModelEmbedder, SearchIndex, open_index
from ingest import SourceMeta
from ingest.reader import read_metadata

# Control characters (but not tab/newline) and lone surrogates would break tokenizers.
UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def torch_threads() -> int:
    # Up to 2 requests run at once on Gradio worker threads, each with its own OpenMP team:
    # more than cores/2 threads per call only contend (measured in docs/performance.md).
    # MEDQUOTE_TORCH_THREADS overrides.
    return int(os.environ.get("MEDQUOTE_TORCH_THREADS") or max(1, min(4, (os.cpu_count() or 1) // 2)))


def clean(question: str) -> str:
    return UNSAFE_CHARS.sub(" ", question)


@dataclass
class Engine:
    index: SearchIndex
    sources: dict[str, SourceMeta]
    settings: Settings = field(default_factory=Settings)
    assess: Callable = assess_safety
    k: int = 10

    @classmethod
    def load(
        cls, corpus_dir: Path, index_dir: Path, embedder: Embedder | None = None,
        settings: Settings | None = None, rebuild: bool = True,
    ) -> "Engine":
        embedder = embedder or ModelEmbedder(threads=torch_threads())
        index = open_index(corpus_dir, embedder, index_dir, rebuild=rebuild)
        engine = cls(index=index, sources=read_metadata(Path(corpus_dir)), settings=settings or Settings())
        engine.ask("warm up")  # the first encode pays one-off costs; pay them at start, not on a user
        return engine

    def ask(self, question: str) -> Reply:
        question = question if isinstance(question, str) else ""
        if input_problem(question, self.settings):
            return compose(question, [], self.sources, self.settings)
        text = clean(question)
        flags = self.assess(text)
        scope = out_of_scope(text, self.index.vocab.corpus)
        hits = self.index.search(text, self.k)  # ranked even when abstaining, for evaluation
        return compose(question, hits, self.sources, self.settings, flags, scope)
