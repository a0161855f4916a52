"""Trains the safety branch in a child process whose arithmetic is pinned to one instruction set
(AVX2), so that every x86-64 machine trains the same bytes from the same exemplars.

Why: thresholds are calibrated on the branch trained here, and a build elsewhere (CI, a server,
a Space) trains its own. Left free, torch, MKL and OpenBLAS pick kernels by the CPU (AVX-512 on
this machine, AVX2 on an EPYC Rome), the sums round differently and three epochs of training
carry that into the weights: the same recipe trained on two instruction sets gave probabilities
up to 0.06 apart, and one tuning question crossed its threshold in CI (docs/learned-safety.md,
session 13). MKL is held to its COMPATIBLE mode: with "AVX2,STRICT" an Intel Sapphire Rapids still
trained other bytes than an AMD Zen 4 (session 18); COMPATIBLE costs about 2x in training time.
The pins must be in the environment before torch and numpy load, hence a child (branch_child.py
sets them, `PINNED`, then calls main). The child also embeds the exemplars for
the head the branch starts from (safety_model.fit_head), under the same pins.
It does not decide what the branch is (safety_branch.py, the recipe) or keep it (build.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from .embedder import ModelError
from .safety_branch import RECIPE, BranchRecipe
from .screen import Exemplar

CHILD = Path(__file__).resolve().parent / "branch_child.py"  # sets PINNED, then calls main


def train_pinned(model_path: Path, weights_sha256: str, exemplars: Sequence[Exemplar],
                 recipe: BranchRecipe = RECIPE, progress: bool = False, launcher: Sequence[str] = ()) -> bytes:
    """The branch's ONNX bytes, trained by a child (branch_child.py, then main) under PINNED from the
    encoder at `model_path` (checked against `weights_sha256`). Raises ModelError on failure.
    `launcher`: a command the child runs under (the tests': an emulated CPU, qemu-x86_64)."""
    with tempfile.TemporaryDirectory(prefix="medquote-branch-") as tmp:
        job, out = Path(tmp) / "job.json", Path(tmp) / "branch.onnx"
        job.write_text(json.dumps({"model": str(model_path), "sha256": weights_sha256, "recipe": asdict(recipe),
                                   "progress": progress, "exemplars": [asdict(e) for e in exemplars]}), encoding="utf-8")
        done = subprocess.run([*launcher, sys.executable, str(CHILD), str(job), str(out)],
                              stderr=None if progress else subprocess.PIPE, text=True, check=False)
        if done.returncode != 0 or not out.is_file():
            said = (done.stderr or "").strip().splitlines()
            raise ModelError(f"Training the safety branch failed ({said[-1] if said else f'exit {done.returncode}'}). "
                             "Run `medquote ingest` again; if it fails again, reinstall with `make install`.")
        return out.read_bytes()


def main(argv: Sequence[str]) -> int:
    """The child's work, once branch_child.py has pinned its environment: JOB (json) in, OUT (onnx) out."""
    job_file, out = Path(argv[0]), Path(argv[1])
    try:
        import numpy as np
        import torch

        from .embedder import ModelEmbedder
        from .safety_branch import train_branch
        from .safety_model import fit_head

        job = json.loads(job_file.read_text(encoding="utf-8"))
        recipe = BranchRecipe(**job["recipe"])
        exemplars = [Exemplar(**e) for e in job["exemplars"]]
        torch.set_num_threads(recipe.threads)
        have = torch.backends.cpu.get_cpu_capability()
        if have not in ("AVX2", "DEFAULT", "NO AVX"):  # AVX2 where the CPU has it; else there is nothing to pin
            raise ModelError(f"torch runs {have} kernels, not the pinned AVX2")
        base = ModelEmbedder(Path(job["model"]), expected_sha256=job["sha256"])
        head = fit_head(exemplars, np.asarray(base.encode([e.text for e in exemplars]), dtype=np.float32))
        tokenizer, length = base.tokenizer_and_length()
        data = train_branch(base.transformer(), tokenizer, length, exemplars, head, recipe, progress=job["progress"])
        tmp = out.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, out)
        return 0
    except Exception as exc:  # one line for the parent's ModelError: no traceback on an operator's screen
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
