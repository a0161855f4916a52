"""The sentence encoder run by ONNX Runtime: same vectors as ModelEmbedder, without torch.

OnnxEmbedder runs the .onnx that onnx_export.py writes (transformer, mean pooling, L2
normalisation in one graph) with onnxruntime, and tokenises with the Hugging Face `tokenizers`
package from the model's tokenizer.json. It imports neither torch, transformers nor
sentence-transformers, so a serving process that uses it loads none of them
(tests/test_onnx_embedder.py checks sys.modules in a fresh process).

Tokenisation is sentence-transformers': the tokenizer.json's normaliser (lowercasing for
MiniLM), [CLS] ... [SEP], truncation at max_seq_length tokens, and padding with the pad token
done here, never by the tokenizer.json's own fixed-length padding. max_seq_length (and
do_lower_case) come from sentence_bert_config.json next to the tokenizer file, as
onnx_export.py writes it; a model folder whose sentence_bert_config.json lacks the key (one saved
by sentence-transformers 6) falls back to tokenizer_config.json's model_max_length, capped by the
model's max_position_embeddings, as sentence-transformers does.

encode_queries pads like ModelEmbedder.encode_queries (to a multiple of QUERY_PAD tokens, one
model call per group of equal padded length), so a row depends only on its own text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .embedder import INPUTS, QUERY_PAD, ModelError, Trunk, file_sha256, query_groups

OUTPUT = "sentence_embedding"  # onnx_export.OUTPUT (not imported: that module is the torch side)
TRUNK_OUTPUT = "trunk"  # onnx_export.TRUNK_OUTPUT: the states the safety branch reads
SETTINGS_FILE = "sentence_bert_config.json"


class OnnxEmbedder:
    def __init__(
        self,
        onnx_path: Path,
        tokenizer_path: Path,
        expected_sha256: str,
        name: str,
        threads: int | None = None,
        max_seq_length: int | None = None,
        recipe: str = "none",
        *,
        weights_sha256: str,
    ) -> None:
        """`expected_sha256`: the .onnx file's own sha256 (as recorded at export), checked here.
        `name`, `weights_sha256` and `recipe`: those of the model exported (its name, the sha256 of
        the weights the .onnx was exported from, "none" for weights as shipped or the training
        recipe), so an index built by that model's torch embedder matches this one's manifest.
        `threads`: ONNX Runtime's intra-op threads per call (None or 0: its default, one per
        core); inter-op is 1 and execution sequential. `max_seq_length`: None reads it from the
        files beside the tokenizer (see the module's docstring)."""
        onnx_path, tokenizer_path = Path(onnx_path), Path(tokenizer_path)
        for path in (onnx_path, tokenizer_path):
            if not path.is_file():
                raise ModelError(f"The ONNX model file {path} is missing. Run `medquote ingest` to export it again.")
        actual = file_sha256(onnx_path)
        if actual != expected_sha256:
            raise ModelError(
                f"The ONNX model {onnx_path} has sha256 {actual}, not the expected {expected_sha256}. "
                "Refusing to use it. Run `medquote ingest` to export it again."
            )
        import onnxruntime as ort
        from tokenizers import Tokenizer, normalizers

        self.path = onnx_path
        self.name = name
        self.weights_sha256 = weights_sha256
        self.onnx_sha256 = actual
        self.recipe = recipe
        try:
            settings = _read_json(tokenizer_path.with_name(SETTINGS_FILE))
            self.max_seq_length = max_seq_length or _max_seq_length(settings, tokenizer_path)
            tokenizer = Tokenizer.from_file(str(tokenizer_path))
        except ModelError:
            raise
        except Exception as exc:  # tokenizers raises a bare Exception on a damaged file; json ValueError
            raise ModelError(f"The tokenizer files beside {onnx_path} cannot be read ({type(exc).__name__}). "
                             "Run `medquote ingest` to export the model again.") from None
        tokenizer.no_padding()  # padded here, per group (the file asks for a fixed 128)
        tokenizer.enable_truncation(max_length=self.max_seq_length)  # counts [CLS] and [SEP], as transformers does
        if settings.get("do_lower_case"):  # sentence-transformers then lowercases before the model's own normaliser
            tokenizer.normalizer = normalizers.Sequence([normalizers.Lowercase(), *([tokenizer.normalizer] if tokenizer.normalizer else [])])
        pad = tokenizer.token_to_id("[PAD]")
        self._pad_id = 0 if pad is None else pad
        self._tokenizer = tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 0
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self._session = ort.InferenceSession(str(onnx_path), sess_options=options, providers=["CPUExecutionProvider"])
        inputs = {i.name for i in self._session.get_inputs()}
        outputs = {o.name: o.shape for o in self._session.get_outputs()}
        if inputs != set(INPUTS) or OUTPUT not in outputs or TRUNK_OUTPUT not in outputs or not isinstance(outputs[OUTPUT][-1], int):
            raise ModelError(f"{onnx_path} is not a sentence encoder exported by medquote. Run `medquote ingest` to export it again.")
        self.dim = int(outputs[OUTPUT][-1])

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Like sentence-transformers' encode: longest texts first, batches padded to their longest."""
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ids = self._ids(texts)
        order = sorted(range(len(texts)), key=lambda i: -len(ids[i]))
        starts: Any = range(0, len(order), batch_size)
        if progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="Batches")
        for start in starts:
            rows = order[start:start + batch_size]
            out[rows] = self._run([ids[i] for i in rows], max(len(ids[i]) for i in rows))
        return out

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Each row the same whatever else is in the call: padded to a multiple of QUERY_PAD
        tokens and encoded with the texts of the same padded length (ModelEmbedder's rule)."""
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ids = self._ids(texts)
        for blocks, rows in query_groups(ids).items():
            out[rows] = self._run([ids[i] for i in rows], blocks * QUERY_PAD)
        return out

    def encode_queries_trunk(self, texts: Sequence[str]) -> tuple[np.ndarray, Trunk]:
        """encode_queries, plus the trunk's states per model call for the safety branch: the same
        calls, one more output each."""
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        trunk: Trunk = []
        ids = self._ids(texts)
        for blocks, rows in query_groups(ids).items():
            feed = self._feed([ids[i] for i in rows], blocks * QUERY_PAD)
            vectors, states = self._session.run([OUTPUT, TRUNK_OUTPUT], feed)
            out[rows] = vectors
            trunk.append((rows, np.asarray(states, dtype=np.float32), feed["attention_mask"]))
        return out, trunk

    def tokens(self, texts: Sequence[str]) -> list[list[str]]:
        """Each text's tokens as the model reads them ([CLS], word pieces, [SEP]): the rows of its
        trunk states (coverage.py names the words)."""
        return [encoding.tokens for encoding in self._tokenizer.encode_batch(list(texts))]

    def _ids(self, texts: list[str]) -> list[list[int]]:
        return [encoding.ids for encoding in self._tokenizer.encode_batch(texts)]

    def _run(self, rows: list[list[int]], length: int) -> np.ndarray:
        """One model call."""
        return np.asarray(self._session.run([OUTPUT], self._feed(rows, length))[0], dtype=np.float32)

    def _feed(self, rows: list[list[int]], length: int) -> dict[str, np.ndarray]:
        """Rows right-padded to `length` with the pad token, masked out."""
        input_ids = np.full((len(rows), length), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), length), dtype=np.int64)
        for r, ids in enumerate(rows):
            input_ids[r, : len(ids)] = ids
            mask[r, : len(ids)] = 1
        return {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)}


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    return data if isinstance(data, dict) else {}


def _max_seq_length(settings: dict[str, Any], tokenizer_path: Path) -> int:
    if isinstance(settings.get("max_seq_length"), int):
        return int(settings["max_seq_length"])
    length = _read_json(tokenizer_path.with_name("tokenizer_config.json")).get("model_max_length")
    positions = _read_json(tokenizer_path.with_name("config.json")).get("max_position_embeddings")
    if not isinstance(length, int):
        raise ModelError(
            f"No max_seq_length for {tokenizer_path}: {SETTINGS_FILE} or tokenizer_config.json should be beside it. "
            "Run `medquote ingest` to export the model again."
        )
    return min(length, positions) if isinstance(positions, int) else length
