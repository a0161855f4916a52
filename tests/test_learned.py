"""The learned answer path: the trained encoder as a build artifact, the one fitted score,
follow-ups read in vector space, and the highlight metric. Fast tests use test doubles; the
slow ones use the encoder trained from the bank (the one `make test` builds once)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from index import FEATURES, ScoreWeights, load_weights, score
from index.embedder import WEIGHTS_FILE, ModelError
from index.models import adapted_model, bank_pairs, ensure_model, find_model, model_key
from index.train import JOINT, RECIPE, training_pairs
from ingest import MIN_QUESTIONS
from medquote.engine import follow_up_query
from tests.helpers import CORPUS, ROOT

PAIRS = [("what is bfs?", "Benign\nBFS is harmless."), ("what is bfs?", "BFS is harmless.")]


def fake_trainer(calls: list):
    def train(base, pairs, out, recipe, progress):
        calls.append(len(pairs))
        out.mkdir(exist_ok=True)
        (out / WEIGHTS_FILE).write_bytes(json.dumps(list(pairs)).encode())
    return train


def broken_trainer(base, pairs, out, recipe, progress):
    (out / WEIGHTS_FILE).write_bytes(b"half")
    raise KeyboardInterrupt  # an interrupted training


def test_a_model_is_trained_once_per_bank_and_found_again(tmp_path):
    calls: list = []
    first = ensure_model(tmp_path, PAIRS, trainer=fake_trainer(calls))
    again = ensure_model(tmp_path, PAIRS, trainer=fake_trainer(calls))
    assert calls == [2] and again == first and find_model(tmp_path, PAIRS) == first
    info = json.loads((first.path / "trained.json").read_text())
    assert info["recipe"]["version"] == RECIPE.version and info["weights_sha256"] == first.weights_sha256
    assert first.name.endswith(first.key) and first.recipe == RECIPE.version


def test_a_model_is_not_trained_from_weights_other_than_the_pinned_ones(tmp_path):
    # The key names the pinned base weights; a model trained from others would be stored under it.
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / WEIGHTS_FILE).write_bytes(b"not the reviewed weights")
    calls: list = []
    with pytest.raises(ModelError, match="force-reinstall"):
        ensure_model(tmp_path / "store", PAIRS, trainer=fake_trainer(calls), base=tmp_path / "base")
    with pytest.raises(ModelError, match="missing"):
        ensure_model(tmp_path / "store", PAIRS, trainer=fake_trainer(calls), base=tmp_path / "nowhere")
    assert calls == [] and find_model(tmp_path / "store", PAIRS) is None


def test_a_bank_edit_names_another_model():
    edited = [*PAIRS, ("is bfs serious?", "BFS is harmless.")]
    assert model_key(edited) != model_key(PAIRS)
    assert model_key(PAIRS) == model_key(list(PAIRS))  # the same data, the same key


def test_a_failed_training_keeps_the_last_good_model_and_leaves_nothing(tmp_path):
    good = ensure_model(tmp_path, PAIRS, trainer=fake_trainer([]))
    edited = [*PAIRS, ("is bfs serious?", "BFS is harmless.")]
    with pytest.raises(KeyboardInterrupt):
        ensure_model(tmp_path, edited, trainer=broken_trainer)
    assert find_model(tmp_path, PAIRS) == good and find_model(tmp_path, edited) is None
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == [good.key]


def test_a_damaged_model_is_not_used(tmp_path):
    good = ensure_model(tmp_path, PAIRS, trainer=fake_trainer([]))
    (good.path / WEIGHTS_FILE).write_bytes(b"flipped")
    assert find_model(tmp_path, PAIRS) is None


def test_a_corpus_without_a_bank_uses_the_base_model(tmp_path):
    (tmp_path / "a.txt").write_text("Some text.\n")
    assert adapted_model(tmp_path, tmp_path / "index", tmp_path / "models") is None


def test_training_pairs_come_from_the_bank_alone(corpus):
    from index.build import embed_text
    from ingest import load_bank

    docs, chunks = corpus
    anchors = load_bank(CORPUS, docs, chunks)
    pairs = training_pairs(anchors, chunks, embed_text)
    asked = [a for a in anchors if a.questions]  # the others hold follow-ups only: the query adapter's
    assert len(pairs) == 2 * sum(len(a.questions) for a in anchors) >= 2 * MIN_QUESTIONS * len(asked)
    raws = {d.doc_id: d.raw for d in docs}
    for a in anchors[:50]:
        assert (a.questions[0], raws[a.doc_id][a.start:a.end]) in pairs
    gold = {json.loads(line)["question"] for f in (ROOT / "evaluation" / "gold").glob("*.jsonl")
            for line in f.read_text(encoding="utf-8").splitlines() if line.strip()}
    # The bank was written apart from the gold files; a few short questions people type alike
    # ("bfs?", "bfs vs als") occur in both, as they would for any two writers. Nothing more.
    same = gold & {q for q, _ in pairs}
    assert len(same) <= 8 and all(len(q.split()) <= 10 for q in same), same


def test_the_score_is_the_documented_formula_and_rises_with_every_kind_of_evidence():
    w = load_weights()["adapted"]
    f = np.array([[0.5, 0.3, 0.2, 0.6, 0.4, 0.0]])
    by_hand = 1 / (1 + np.exp(-(w.intercept + sum(c * x for c, x in zip(w.coefficients, f[0], strict=True)))))
    assert score(f, w)[0] == pytest.approx(by_hand)
    for name in ("cosine", "lexical", "sentence", "bank"):  # fitted, and each kind of evidence counts for the passage
        assert w.coefficients[FEATURES.index(name)] > 0, name
    no_bank = f.copy()
    no_bank[0, FEATURES.index("bank")] = 0.0
    assert score(f, w)[0] > score(no_bank, w)[0]  # unrelated-looking bank questions never score below none


def test_score_weights_are_fitted_for_the_encoder_the_bank_trains():
    fits = load_weights()
    assert set(fits) >= {"adapted", "base"}
    assert fits["adapted"].fitted_for.endswith(model_key(bank_pairs(CORPUS))), \
        "index/scoring.json was fitted for another encoder: run `medquote eval --gold evaluation/gold/dev.jsonl --fit`"
    for w in fits.values():
        assert (w.kind == "landed" or w.fitted_on.startswith("dev.jsonl sha256:")) and 0 < w.threshold < 1
        for t in (w.plain_threshold, w.followup_threshold, w.followup_plain_threshold):
            assert t is None or 0 < t < 1


def test_the_landed_formula_is_kept_for_the_served_base_encoder():
    from index.adapter import UNADAPTED_THRESHOLD

    landed = load_weights()["base"]
    # Its thresholds were calibrated on the tuning splits with the query adapter it is served with
    # and, for the second opinion, without it; 0.44 before the adapter.
    assert landed.kind == "landed" and (landed.threshold, landed.plain_threshold) == (0.3817, 0.5714)
    # calibrated for follow-up turns at 0.429 / 0.5509 and not served: an issue example abstains (docs)
    assert (landed.followup_threshold, landed.followup_plain_threshold) == (None, None)
    assert UNADAPTED_THRESHOLD == 0.44
    f = np.array([[0.6, 0.2, 0.3, 0.5, 0.0, 0.0], [0.6, 0.2, 0.3, 0.5, 0.9, 1.0]])
    base = 0.64 * (0.6 - 0.3 * 0.2) + 0.16 * 0.3 + 0.2 * 0.5
    assert score(f, landed) == pytest.approx([base, max(base + 0.5 * 0.6, 0.9 - 0.35) - 0.03])


def test_bad_weights_say_how_to_refit(tmp_path):
    from index.scoring import ScoringError

    bad = tmp_path / "scoring.json"
    bad.write_text("{")
    with pytest.raises(ScoringError, match="--fit"):
        load_weights(bad)
    with pytest.raises(ScoringError, match="6 coefficients"):
        ScoreWeights(0.0, (1.0,), 0.5, "m", "d")


@pytest.mark.parametrize("weight", [0.5, 1.0])
def test_a_follow_up_adds_the_earlier_turn_at_its_weight(weight):
    rng = np.random.default_rng(0)
    own, earlier = (v / np.linalg.norm(v) for v in rng.normal(size=(2, 384)).astype(np.float32))
    mixed = follow_up_query(own, earlier, weight)
    assert np.linalg.norm(mixed) == pytest.approx(1.0, abs=1e-6)
    expected = (own + weight * earlier) / np.linalg.norm(own + weight * earlier)
    assert np.allclose(mixed, expected, atol=1e-6)
    assert (float(mixed @ own) > float(mixed @ earlier)) is (weight < 1)  # below 1 the follow-up's own words lead
    assert follow_up_query(own, None) is own


def test_highlight_metric_reads_the_first_quote():
    from evaluation.gold import GoldQuestion, Relevant
    from evaluation.metrics import highlight_answers
    from records import Chunk, Quote, Reply

    raw = "Intro words here. The answer is stress. More."
    chunk = Chunk("d", 0, len(raw), "s", "article", raw)
    gold = GoldQuestion("x", "q", True, (Relevant("d", "The answer is stress"),))
    at = raw.index("The answer")

    def reply(marks):
        return Reply("q", (), "", (Quote(chunk, "t", "", marks),), (), False, False, False, "", "")

    assert highlight_answers(reply(((at, at + 21),)), gold, {"d": raw})
    assert not highlight_answers(reply(((0, 17),)), gold, {"d": raw})
    assert highlight_answers(reply(()), gold, {"d": raw})  # nothing picked out: the whole quote


@pytest.mark.slow
def test_the_served_engine_scores_with_the_fit_for_its_encoder(real_engine):
    from index.models import SERVED_ENCODER

    fit = load_weights()[SERVED_ENCODER]
    assert real_engine.index.settings.weights == fit and real_engine.settings.threshold == fit.threshold


@pytest.mark.slow
def test_the_real_training_loop_is_seeded_and_gives_a_usable_encoder(tmp_path):
    from dataclasses import replace

    from index.embedder import WEIGHTS_SHA256
    from index.models import adapted_embedder
    from index.safety_pairs import safety_pairs
    from index.screen import load_exemplars

    labelled = safety_pairs(load_exemplars()[::40], 2, JOINT.seed)[:32]  # both kinds of batch run
    pairs, recipe = [*bank_pairs(CORPUS)[:48], *labelled], replace(JOINT, batch_size=16)
    a = ensure_model(tmp_path / "a", pairs, recipe)
    b = ensure_model(tmp_path / "b", pairs, recipe)
    assert a.weights_sha256 == b.weights_sha256 != WEIGHTS_SHA256  # seeded, and it moved the weights
    embedder = adapted_embedder(a, threads=1)
    assert embedder.name == a.name and embedder.recipe == JOINT.version
    vectors = embedder.encode_queries(["what is bfs?", "can stress cause twitching?"])
    assert vectors.shape == (2, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_calibration_prefers_a_broad_plateau_to_a_lone_spike():
    from evaluation.calibrate import Point, best, smoothed

    # balanced accuracy: a lone spike of 0.90 at 0.2, a plateau of 0.85 from 0.5 to 0.7
    values = [0.6, 0.7, 0.9, 0.7, 0.6, 0.85, 0.85, 0.85, 0.85, 0.85, 0.6, 0.5]
    points = [Point(round(i / 10, 1), v, v) for i, v in enumerate(values)]
    assert max(points, key=lambda p: p.balanced).threshold == 0.2
    assert best(points, window=1).threshold == 0.7  # the plateau's middle (0.6-0.8 tie smoothed at 0.85)
    assert best(points, window=0).threshold == 0.2  # no window: the single best point, as before
    assert smoothed(points, 1)[0] == pytest.approx((0.6 + 0.7) / 2)  # fewer neighbours at the ends
