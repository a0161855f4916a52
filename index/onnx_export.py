"""Export a sentence-transformers model folder to one ONNX file that onnx_embedder.py runs.

The graph is the whole sentence encoder: the transformer, mean pooling over the attention mask
and L2 normalisation. Inputs `input_ids`, `attention_mask`, `token_type_ids` (int64, dynamic
batch and sequence axes); outputs `sentence_embedding` (float32, batch x dim, unit rows) and
`trunk`, the states after the lowest TRUNK_LAYERS layers (batch x sequence x dim), which the
safety branch reads (safety_branch.py): one pass for retrieval and safety.

Next to the .onnx it writes what the tokenizer side needs, so the folder is self-contained:
- `tokenizer.json`, a byte-for-byte copy of the model folder's (the Hugging Face `tokenizers`
  file: vocabulary, lowercasing normaliser, [CLS]/[SEP] template);
- `sentence_bert_config.json` with `max_seq_length` and `do_lower_case` as sentence-transformers
  resolved them when loading the model. A model saved by sentence-transformers 6 no longer writes
  `max_seq_length` there (it lives in tokenizer_config.json), so the value is taken from the
  loaded model, not copied, and the base model's 256 and a fine-tuned copy's agree by construction.
The tokenizer.json's own truncation (128) and fixed padding settings are ignored by the embedder,
which truncates at max_seq_length and pads itself, as sentence-transformers does.

Each file is written to a temporary name and moved into place (os.replace) only once the export
has been checked, so a failed export keeps the last good files. torch, sentence-transformers and
onnx are imported inside export_onnx only: they are needed to export, never to serve.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from .embedder import INPUTS, TRUNK_LAYERS, ModelError, file_sha256

OUTPUT = "sentence_embedding"
TRUNK_OUTPUT = "trunk"
TOKENIZER_FILE = "tokenizer.json"
SETTINGS_FILE = "sentence_bert_config.json"
OPSET = 17
# The exported graph must give the torch model's vectors; checked on a padded batch before the
# file replaces the last good one. (Measured: ~1e-7; the embedder's own test holds it to 1e-5.)
EXPORT_TOLERANCE = 1e-5
TRUNK_TOLERANCE = 1e-3  # unnormalised states of magnitude ~1-10 (measured: ~1e-5)
# A padded batch of unequal lengths: a graph that ignored the mask, or kept the trace's sequence
# length as a constant, gives other vectors for it.
CHECK_TEXTS = (
    "Can muscle twitching on its own be a sign of ALS?",
    "twitching",
    "Benign fasciculation syndrome is common, and most people who have it never develop a motor neuron disease.",
)
log = logging.getLogger("medquote.onnx_export")


def export_onnx(model_dir: Path, out: Path) -> str:
    """Write `out` (the .onnx) plus tokenizer.json and sentence_bert_config.json beside it, from
    the sentence-transformers folder `model_dir`. Returns the sha256 of the .onnx written."""
    model_dir, out = Path(model_dir), Path(out)
    tokenizer_src = model_dir / TOKENIZER_FILE
    if not tokenizer_src.is_file():
        raise ModelError(f"{model_dir} has no {TOKENIZER_FILE}: it is not a sentence-transformers model folder that can be exported.")
    os.environ["HF_HUB_OFFLINE"] = "1"  # the model comes from model_dir or not at all
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import onnx
    import onnxruntime as ort
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True).eval()
    transformer = _check_modules(model, model_dir)
    encoder = _sentence_encoder(transformer).eval()
    settings = {"max_seq_length": int(model.max_seq_length), "do_lower_case": bool(getattr(model[0], "do_lower_case", False))}

    tokenizer = model.tokenizer
    example = tokenizer(list(CHECK_TEXTS), padding=True, truncation=True, max_length=settings["max_seq_length"], return_tensors="pt")
    args = tuple(example[name].to(torch.int64) for name in INPUTS)
    with torch.inference_mode():
        expected, expected_trunk = (t.numpy() for t in encoder(*args))

    out.parent.mkdir(parents=True, exist_ok=True)
    with _temporary(out) as tmp:
        # The TorchScript-based exporter (dynamo=False): the dynamo exporter needs onnxscript,
        # one more package for nothing this graph uses. Its deprecation and tracer warnings
        # (Python conditions recorded as constants: always true for a BERT) are not ours to fix.
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                encoder, args, str(tmp), dynamo=False, opset_version=OPSET, do_constant_folding=True,
                input_names=list(INPUTS), output_names=[OUTPUT, TRUNK_OUTPUT],
                dynamic_axes={**{name: {0: "batch", 1: "sequence"} for name in (*INPUTS, TRUNK_OUTPUT)}, OUTPUT: {0: "batch"}},
            )
        onnx.checker.check_model(str(tmp))
        session = ort.InferenceSession(str(tmp), providers=["CPUExecutionProvider"])
        got, got_trunk = session.run([OUTPUT, TRUNK_OUTPUT], {name: a.numpy() for name, a in zip(INPUTS, args, strict=True)})
        diff = float(np.max(np.abs(np.asarray(got) - expected)))
        diff_trunk = float(np.max(np.abs(np.asarray(got_trunk) - expected_trunk)))
        if got.shape != expected.shape or diff > EXPORT_TOLERANCE or got_trunk.shape != expected_trunk.shape or diff_trunk > TRUNK_TOLERANCE:
            raise ModelError(f"The ONNX export of {model_dir} gives other vectors than the model (max difference {diff:.2e}, "
                             f"trunk {diff_trunk:.2e}); {out} is unchanged.")
        log.info("Exported %s to %s (max difference from torch on a padded batch: %.1e, trunk %.1e).", model_dir, out, diff, diff_trunk)
        sha = file_sha256(tmp)
        # The tokenizer side first: once the .onnx is replaced, its tokenizer is already beside it.
        with _temporary(out.with_name(TOKENIZER_FILE)) as tok_tmp:
            shutil.copyfile(tokenizer_src, tok_tmp)
            os.replace(tok_tmp, out.with_name(TOKENIZER_FILE))
        with _temporary(out.with_name(SETTINGS_FILE)) as settings_tmp:
            settings_tmp.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
            os.replace(settings_tmp, out.with_name(SETTINGS_FILE))
        os.replace(tmp, out)
    return sha


def _check_modules(model: Any, model_dir: Path) -> Any:
    """The transformer inside a Transformer -> mean Pooling [-> Normalize] pipeline; any other
    pipeline is refused rather than exported as something it is not."""
    kinds = [type(module).__name__ for module in model]
    pooling = model[1] if len(kinds) > 1 else None
    mode = getattr(pooling, "pooling_mode", None)
    if kinds[:2] != ["Transformer", "Pooling"] or kinds[2:] not in ([], ["Normalize"]) or mode not in ("mean", ("mean",), ["mean"]):
        raise ModelError(f"{model_dir} is {' -> '.join(kinds)} with pooling {mode!r}: only Transformer -> mean Pooling [-> Normalize] can be exported.")
    return model[0].model


def _sentence_encoder(transformer: Any) -> Any:
    """The module to export (a class defined here, so torch is imported only when exporting)."""
    import torch

    class SentenceEncoder(torch.nn.Module):  # type: ignore[misc]  # torch is taken as untyped
        """Transformer, then mean pooling over the attention mask (sentence-transformers' Pooling
        in "mean" mode: the sum of the unmasked token vectors over their count, at least 1e-9),
        then L2 normalisation; and the trunk's states beside it."""

        def __init__(self, transformer: Any) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.transformer(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
                                   output_hidden_states=True)
            tokens = out.last_hidden_state
            mask = attention_mask.to(tokens.dtype).unsqueeze(1)  # batch x 1 x sequence
            # The masked sum as a batched matrix product (one row times the token matrix per text),
            # not a sum over the sequence axis: ONNX Runtime reduces [1, S, D] and [B, S, D] in
            # different orders, so a text's vector would move (~1e-7) with the size of its batch.
            summed = torch.bmm(mask, tokens).squeeze(1)
            mean = summed / torch.clamp(mask.sum(dim=2), min=1e-9)
            # hidden_states[0] is the embeddings' output, [k] the states after layer k.
            return torch.nn.functional.normalize(mean, p=2, dim=1), out.hidden_states[TRUNK_LAYERS]

    return SentenceEncoder(transformer)


@contextmanager
def _temporary(target: Path) -> Iterator[Path]:
    """A fresh temporary path in target's folder (so os.replace is atomic), removed if still there
    when the block ends: moved into place on success, deleted on failure."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    path = Path(name)
    path.chmod(0o644)  # mkstemp's 0600 would carry over to the file moved into place
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
