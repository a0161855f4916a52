"""The safety branch as ONNX bytes: exported from torch, then (by default) its weights stored as
int8, each step checked against the one before on a padded batch of real trunk states.

Why int8: the branch is the only part of a turn's safety check that costs time (three
transformer layers per message and clause, ~2 ms a layer in float32 on two cores). ONNX
Runtime's dynamic quantization (unsigned 7-bit weights per output channel, activations quantized on the
fly) runs it ~1.7x faster; on the tuning sets the AUCs moved by at most 0.0004 and the
thresholds are calibrated on the served (int8) probabilities, so nothing is judged by numbers
measured on another model (docs/learned-safety.md, session 12). Quantization is deterministic:
the same float32 graph gives the same bytes.
It does not train (safety_branch.py) or run the branch when serving (safety_model.SafetyBranch).
Build side: imports torch, onnx and onnxruntime.quantization.
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .embedder import ModelError
from .onnx_export import OPSET
from .safety_model import BRANCH_INPUTS, BRANCH_OUTPUT

TOLERANCE = 1e-4  # float32 ONNX against torch, probabilities
# int8 against float32: mean absolute difference of the probabilities on the check batch. On the
# tuning sets it is 0.008 (largest single 0.12); a broken quantization is off by tenths.
INT8_TOLERANCE = 0.03


def padded(rows: Sequence[Any]) -> tuple[Any, Any]:
    """Unpadded trunk states (tokens x dim each) as one zero-padded batch and its attention mask."""
    import torch

    length = max(r.shape[0] for r in rows)
    trunk = torch.zeros(len(rows), length, rows[0].shape[1])
    mask = torch.zeros(len(rows), length, dtype=torch.int64)
    for j, r in enumerate(rows):
        trunk[j, : r.shape[0]] = r
        mask[j, : r.shape[0]] = 1
    return trunk, mask


def export(branch: Any, sample: Sequence[Any], int8: bool = True) -> bytes:
    """The branch (safety_branch._module, in eval mode) as ONNX bytes; `sample`: trunk states of a
    few dozen texts to check the result on (the int8 graph as served: each text alone). Raises
    ModelError when a step changes the output."""
    import torch

    trunk, mask = padded(sample)
    with torch.inference_mode():
        expected = branch(trunk, mask).numpy()
    with tempfile.TemporaryDirectory() as tmp:
        plain, small = os.path.join(tmp, "branch.onnx"), os.path.join(tmp, "branch-int8.onnx")
        with warnings.catch_warnings(), torch.no_grad():  # the exporter's deprecation and tracer notes
            warnings.simplefilter("ignore")
            torch.onnx.export(branch, (trunk, mask), plain, dynamo=False, opset_version=OPSET, do_constant_folding=True,
                              input_names=list(BRANCH_INPUTS), output_names=[BRANCH_OUTPUT],
                              dynamic_axes={**{n: {0: "batch", 1: "sequence"} for n in BRANCH_INPUTS}, BRANCH_OUTPUT: {0: "batch"}})
        got = _run(plain, trunk, mask)
        diff = float(np.max(np.abs(got - expected)))
        if diff > TOLERANCE:
            raise ModelError(f"The ONNX export of the safety branch gives other probabilities than torch (max difference {diff:.2e}).")
        if not int8:
            with open(plain, "rb") as fh:
                return fh.read()
        _quantize(plain, small)
        # as served (safety_model.SafetyBranch): each text alone, cut to its own tokens
        small_out, plain_out = ([_run(path, *padded([row])) for row in sample] for path in (small, plain))
        mean = float(np.mean(np.abs(np.concatenate(small_out) - np.concatenate(plain_out))))
        if mean > INT8_TOLERANCE:
            raise ModelError(f"The int8 safety branch drifts from the float32 one (mean difference {mean:.3f}).")
        with open(small, "rb") as fh:
            return fh.read()


def _quantize(source: str, target: str) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    before = logging.root.manager.disable
    logging.disable(max(before, logging.WARNING))  # its advice to pre-process the graph, logged on the root logger
    try:
        # Unsigned 7-bit weights: with signed int8 weights a CPU without AVX-512 VNNI (EPYC Rome,
        # most AVX2 servers) multiplies in pairs that saturate 16 bits, and the same graph gave
        # probabilities up to 0.13 apart there (an emulated Rome against this Zen 4). Unsigned
        # reduced-range weights cannot saturate: 1.4e-4 apart (float32: 3e-7), as fast, the same
        # drift from float32 (docs/learned-safety.md, session 13).
        quantize_dynamic(source, target, weight_type=QuantType.QUInt8, per_channel=True, reduce_range=True)
    finally:
        logging.disable(before)


def _run(path: str, trunk: Any, mask: Any) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    out = session.run([BRANCH_OUTPUT], {BRANCH_INPUTS[0]: trunk.numpy(), BRANCH_INPUTS[1]: mask.numpy()})[0]
    return np.asarray(out)
