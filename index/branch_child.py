"""The safety branch's training child, run as a script (`python index/branch_child.py JOB OUT`),
never imported for its effect: it pins the libraries that pick kernels by CPU in its own
environment before any of them loads, then trains (branch_worker.main).

torch, MKL, oneDNN, OpenBLAS and numpy read these variables once, when they load, so they must
be set before `index` (which imports numpy) is imported: hence a script, not `-m`.
ATEN_CPU_CAPABILITY: torch's own kernels. MKL_CBWR=COMPATIBLE: MKL's conditional numerical
reproducibility in its one mode that gives the same bits on every x86-64 CPU. "AVX2,STRICT" (recipe
5) was not enough: on an Intel Sapphire Rapids MKL still ran other kernels for the attention's small
batched matrix products than on an emulated EPYC Rome, the exemplar vectors differed and so did the
branch (docs/learned-safety.md, session 18). ONEDNN_MAX_CPU_ISA: oneDNN. OPENBLAS_CORETYPE and one
thread: numpy and scikit-learn's head fit. NPY_DISABLE_CPU_FEATURES: numpy's own loops on the
x86-64-v2 baseline. On a CPU without AVX2 (or not x86) they pin nothing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PINNED = {
    "ATEN_CPU_CAPABILITY": "avx2",
    "MKL_CBWR": "COMPATIBLE",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "OPENBLAS_CORETYPE": "Haswell",
    "OPENBLAS_NUM_THREADS": "1",
    "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR",
}

if __name__ == "__main__":
    for name, value in PINNED.items():
        os.environ[name] = value
    # Run by path, Python puts this folder first on the path; the package's parent must be there instead.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)
    from index.branch_worker import main

    raise SystemExit(main(sys.argv[1:]))
