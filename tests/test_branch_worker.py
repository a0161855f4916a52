"""The safety branch's training child (index/branch_worker.py): pinned to AVX2, so a build on any
x86-64 machine trains the bytes the thresholds were calibrated on. Slow: the real encoder."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

from index import ModelEmbedder, ModelError
from index.branch_worker import train_pinned
from index.safety_branch import RECIPE
from tests.test_learned_safety import EXEMPLARS

pytestmark = pytest.mark.slow
TINY = replace(RECIPE, epochs=1, int8=False)  # float32: the training's bytes, not the quantizer's


@pytest.fixture(scope="module")
def base():
    return ModelEmbedder()


def test_the_child_trains_the_same_bytes_twice_and_the_build_uses_it(base):
    a = train_pinned(base.path, base.weights_sha256, EXEMPLARS, TINY)
    assert a == train_pinned(base.path, base.weights_sha256, EXEMPLARS, TINY) and len(a) > 1_000_000


def test_a_failed_child_is_one_model_error_that_says_what_to_run(base, tmp_path):
    with pytest.raises(ModelError, match=r"safety branch failed \(ModelError: Model weights .* are missing.*medquote ingest") as err:
        train_pinned(tmp_path, base.weights_sha256, EXEMPLARS, TINY)
    assert "Traceback" not in str(err.value)


@pytest.mark.skipif(shutil.which("qemu-x86_64") is None, reason="needs Debian's qemu-user (.ci/run installs it)")
def test_a_cpu_without_avx512_trains_the_same_bytes(base):
    # The emulated EPYC Rome has AVX2 but no AVX-512, and is an AMD CPU: unpinned, torch, MKL and
    # OpenBLAS would take other kernels there than on an AVX-512 machine, and the weights would
    # differ. On an Intel Sapphire Rapids this failed with MKL_CBWR=AVX2,STRICT (MKL's vendor paths).
    here = train_pinned(base.path, base.weights_sha256, EXEMPLARS, TINY)
    rome = train_pinned(base.path, base.weights_sha256, EXEMPLARS, TINY, launcher=["qemu-x86_64", "-cpu", "EPYC-Rome"])
    assert rome == here
