"""The safety branch (index/safety_branch.py): the encoder's top layers fine-tuned on the exemplars,
exported to ONNX and run on the trunk states of the encoder's own pass. Slow: the real encoder's
layers (a fake embedder has none); a few exemplars and epochs keep it to seconds."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from types import SimpleNamespace
from unittest.mock import patch

import numpy as np
import pytest

from index import MODEL_NAME, ModelError
from index.branch_export import INT8_TOLERANCE
from index.build import _safety_branch, branch_recipe
from index.reuse import Reusable
from index.safety_branch import RECIPE, branch_key, train_branch
from index.safety_model import SafetyBranch, fit_head, probabilities
from tests.test_learned_safety import EXEMPLARS

pytestmark = pytest.mark.slow
TEXTS = ["is it ALS?", "my chest hurts and my left arm is numb right now", "what is an EMG", "i want to die tonight"]


@pytest.fixture(scope="module")
def base():
    from index import ModelEmbedder

    return ModelEmbedder()


def trained(base, epochs: int, int8: bool = True) -> tuple[np.ndarray, bytes]:
    head = fit_head(EXEMPLARS, base.encode([e.text for e in EXEMPLARS]))
    tokenizer, length = base.tokenizer_and_length()
    return head, train_branch(base.transformer(), tokenizer, length, EXEMPLARS, head, replace(RECIPE, epochs=epochs, int8=int8))


def test_an_untrained_branch_is_exactly_the_heads_on_the_encoders_vectors(base):
    # Trunk + copied top layers + the heads' weights must rebuild the encoder and the heads: the
    # branch starts as the classifier it replaces, so training is all that moves it.
    head, onnx = trained(base, epochs=0, int8=False)
    vectors, trunk = base.encode_queries_trunk(TEXTS)
    got = SafetyBranch(onnx, "test").probabilities(trunk, len(TEXTS))
    assert np.allclose(got, probabilities(head, vectors), atol=1e-4)
    # Served with int8 weights: smaller, and close to the float32 graph (not equal: rounding).
    _, small = trained(base, epochs=0)
    near = SafetyBranch(small, "test").probabilities(trunk, len(TEXTS))
    assert len(small) < len(onnx) / 3 and small != onnx
    assert float(np.mean(np.abs(near - got))) <= INT8_TOLERANCE and np.array_equal(near > 0.5, got > 0.5)


def test_rows_safety_does_not_judge_cost_nothing_and_each_row_is_judged_alone(base):
    # A follow-up's earlier message shares the encoder's pass but is never judged (Engine.answer_many).
    _, onnx = trained(base, epochs=0)
    branch = SafetyBranch(onnx, "test")
    texts = ["is it ALS?", "my left arm went numb and my face is drooping, what do I do", "i want to die"]
    _, trunk = base.encode_queries_trunk(texts)
    every = branch.probabilities(trunk, len(texts))
    some = branch.probabilities(trunk, len(texts), judged={0, 2})
    assert np.all(some[1] == 0) and np.array_equal(some[[0, 2]], every[[0, 2]])
    assert np.all(branch.probabilities(trunk, len(texts), judged=set()) == 0)
    # Padding does not reach the int8 branch: each text is cut to its own tokens first.
    (rows, states, mask), = base.encode_queries_trunk([texts[0]])[1]
    wider = np.concatenate([states, np.ones((1, 7, states.shape[2]), np.float32)], axis=1)
    assert np.array_equal(branch.probabilities([(rows, wider, np.pad(mask, ((0, 0), (0, 7))))], 1), every[:1])
    # Nor does a message's verdict depend on who asks at the same moment (int8 scales per tensor).
    for i, text in enumerate(texts):
        assert np.allclose(branch.probabilities(base.encode_queries_trunk([text])[1], 1)[0], every[i], atol=1e-5)


def test_training_is_seeded_and_moves_towards_the_labels(base):
    head, first = trained(base, epochs=3)
    _, again = trained(base, epochs=3)
    assert first == again  # the same exemplars, weights and recipe give the same bytes
    texts = [e.text for e in EXEMPLARS]
    vectors, trunk = base.encode_queries_trunk(texts)
    labels = np.array([[h in e.labels for h in ("emergency", "crisis", "personal")] for e in EXEMPLARS])
    before, after = probabilities(head, vectors), SafetyBranch(first, "test").probabilities(trunk, len(texts))
    loss = [float(-np.mean(np.where(labels, np.log(p + 1e-9), np.log(1 - p + 1e-9)))) for p in (before, after)]
    assert loss[1] < loss[0]


def test_the_servers_onnx_trunk_gives_the_same_probabilities(base, tmp_path):
    from index.embedder import model_dir
    from index.onnx_embedder import OnnxEmbedder
    from index.onnx_export import export_onnx

    sha = export_onnx(model_dir(), tmp_path / "model.onnx")
    served = OnnxEmbedder(tmp_path / "model.onnx", tmp_path / "tokenizer.json", sha, name=base.name, weights_sha256=base.weights_sha256)
    (v1, t1), (v2, t2) = base.encode_queries_trunk(TEXTS), served.encode_queries_trunk(TEXTS)
    assert np.allclose(v1, v2, atol=1e-5) and np.array_equal(v1, base.encode_queries(TEXTS))  # the trunk's pass is the vectors' own
    plain = SafetyBranch(trained(base, epochs=1, int8=False)[1], "test")
    assert np.allclose(plain.probabilities(t1, len(TEXTS)), plain.probabilities(t2, len(TEXTS)), atol=1e-4)
    # The served int8 branch rounds its activations to 256 steps, so the two paths' last-bit
    # differences in the trunk can move a probability by a step or a few (~1e-3 seen); 1e-2 bounds it.
    branch = SafetyBranch(trained(base, epochs=1)[1], "test")
    assert np.allclose(branch.probabilities(t1, len(TEXTS)), branch.probabilities(t2, len(TEXTS)), atol=1e-2)
    for embedder in (base, served):  # a refused message encodes nothing, on either path
        vectors, trunk = embedder.encode_queries_trunk([])
        assert vectors.shape == (0, base.dim) and trunk == [] and branch.probabilities(trunk, 0).shape == (0, 3)


def test_a_build_reuses_a_branch_trained_from_the_same_inputs_and_says_what_to_run_otherwise():
    no_torch = SimpleNamespace(name=MODEL_NAME, weights_sha256="abc")  # no transformer to train with
    key = branch_key(EXEMPLARS, "abc")
    reuse = Reusable.of(np.zeros((0, 32), np.uint8), np.zeros((0, 384), np.float32), ((key, b"kept"),))
    assert _safety_branch(no_torch, EXEMPLARS, reuse, False) == (key, b"kept")
    assert branch_key(EXEMPLARS[:-1], "abc") != key and branch_key(EXEMPLARS, "abd") != key
    with patch("index.safety_branch.HEAD_RECIPE", "logistic-C8"):  # the starting head's recipe is an input too
        assert branch_key(EXEMPLARS, "abc") != key
    with pytest.raises(ModelError, match="medquote ingest"):
        _safety_branch(no_torch, EXEMPLARS[:-1], reuse, False)
    assert _safety_branch(SimpleNamespace(name="fake-hash", weights_sha256="none"), EXEMPLARS, None, False) == ("", None)
    assert _safety_branch(SimpleNamespace(name="another-model", weights_sha256="abc"), EXEMPLARS, None, False) == ("", None)


def test_the_served_index_judges_with_its_branch(real_engine):
    art = real_engine.index.art
    assert art.safety_branch is not None and real_engine.classifier.branch is not None
    assert branch_recipe(real_engine.index.embedder) == RECIPE.version
    # Trained here (CI: another CPU) from the reviewed exemplars, it is the very branch the thresholds
    # were calibrated on: the training is pinned (branch_worker.py), so every machine trains these bytes.
    assert hashlib.sha256(art.safety_branch).hexdigest() == real_engine.classifier.thresholds.branch_sha256
    vectors, rows = real_engine.encode("my dad just collapsed and isn't breathing")
    assert rows is not None and rows.shape == (len(vectors), 3)
    turn = real_engine.answer("my dad just collapsed and isn't breathing")
    assert turn.scores == real_engine.classifier.scores(vectors, rows) and turn.safety.emergency
    # A follow-up: its earlier message shares the encoder's pass but is not judged; its own verdict
    # is the one the message alone gets (the rows Engine.answer_many hands the branch).
    follow = real_engine.answer("what about in my arms?", ["is twitching in my legs a sign of ALS?"])
    assert follow.context and follow.scores == real_engine.classifier.scores(*real_engine.encode("what about in my arms?"))


def test_a_branch_kept_in_the_model_store_is_reused_by_any_index_and_checked(tmp_path):
    from index.safety_branch import cached, keep

    store = tmp_path / "safety-branches"
    key = branch_key(EXEMPLARS, "abc")
    keep(store, key, b"trained bytes")
    assert cached(store, key) == b"trained bytes" and cached(store, "other") is None
    # another index (nothing reusable of its own) takes it from the store instead of training
    no_torch = SimpleNamespace(name=MODEL_NAME, weights_sha256="abc", branch_cache=store)
    assert _safety_branch(no_torch, EXEMPLARS, None, False) == (key, b"trained bytes")
    (store / f"{key}.onnx").write_bytes(b"damaged")  # no longer what was recorded: not used
    assert cached(store, key) is None
