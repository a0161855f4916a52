"""The query adapter (index/adapter.py): learned from the bank, reproducible, in the manifest,
applied to queries and bank questions only; served, and off only when the settings say so."""

from __future__ import annotations

import json

import numpy as np
import pytest

from index import FakeEmbedder, IndexUnavailable, build_index, open_index
from index.adapter import RECIPE, adapt, fit_adapter
from index.store import load_build, read_manifest
from tests.helpers import CORPUS


def _toy(seed: int = 0) -> tuple[np.ndarray, list[int], np.ndarray]:
    """Questions that sit between two passages, each labelled with the farther one: only a
    learned map can rank the labelled passage first."""
    rng = np.random.default_rng(seed)
    passages = rng.normal(size=(6, 16)).astype(np.float32)
    passages /= np.linalg.norm(passages, axis=1, keepdims=True)
    anchors = [i % 6 for i in range(640)]  # 10 batches an epoch: enough steps to learn the map
    questions = np.stack([0.45 * passages[a] + 0.55 * passages[(a + 1) % 6] + 0.05 * rng.normal(size=16) for a in anchors])
    questions = (questions / np.linalg.norm(questions, axis=1, keepdims=True)).astype(np.float32)
    return questions, anchors, passages


def test_the_adapter_learns_which_passage_answers_and_is_reproducible():
    questions, anchors, passages = _toy()
    before = float(np.mean((questions @ passages.T).argmax(1) == anchors))
    w = fit_adapter(questions, anchors, passages)
    assert w is not None and w.shape == (16, 16) and w.dtype == np.float32
    after = float(np.mean((adapt(w, questions) @ passages.T).argmax(1) == anchors))
    assert before < 0.2 and after > 0.9
    assert np.array_equal(w, fit_adapter(questions, anchors, passages))  # seeded: bit for bit


def test_no_bank_no_adapter_and_queries_used_as_encoded():
    assert fit_adapter(np.zeros((0, 8), dtype=np.float32), [], np.eye(8, dtype=np.float32)) is None
    v = np.ones(8, dtype=np.float32) / np.sqrt(8)
    assert adapt(None, v) is v


def test_adapted_vectors_are_normalised_rows():
    questions, anchors, passages = _toy(1)
    w = fit_adapter(questions, anchors, passages)
    out = adapt(w, questions)
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert np.allclose(adapt(w, questions[0]), out[0], atol=1e-6)  # one vector or rows: the same map


def test_with_the_switch_off_builds_do_not_fit_it(tmp_path, monkeypatch):
    from index import adapter

    monkeypatch.setattr(adapter, "SERVED", False)
    path = build_index(CORPUS, FakeEmbedder(), tmp_path)
    assert json.loads((path / "manifest.json").read_text())["adapter"] == "" and not (path / "query_adapter.npy").exists()


def test_the_build_stores_the_adapter_with_its_recipe_in_the_manifest(tmp_path):
    path = build_index(CORPUS, FakeEmbedder(), tmp_path)
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["adapter"] == RECIPE and "query_adapter.npy" in manifest["files"]
    art = load_build(*_expected(tmp_path))
    assert art.query_adapter is not None and art.query_adapter.shape == (FakeEmbedder().dim,) * 2


def test_the_adapter_also_learns_the_banks_follow_ups_as_the_engine_searches_them(tmp_corpus, tmp_path):
    from index.adapter import fit_adapter, follow_up_vector
    from index.faiss_index import stored_vectors
    from ingest import needs_context

    bank = tmp_corpus / "questions" / "000_7bc7a14333f16656.toml"
    pairs = [("does twitching mean als", "and if I'm not weak?"), ("my calf twitches", "is a twitch without weakness a worry")]
    listed = ", ".join(f'{{ after = "{after}", ask = "{ask}" }}' for after, ask in pairs)
    bank.write_text(bank.read_text(encoding="utf-8") + f"""
[[followup]]
quote = "Isolated muscle twitching without any weakness or muscle wasting is unlikely to be a symptom of ALS on its own."
pairs = [{listed}]
""", encoding="utf-8")
    path = build_index(tmp_corpus, FakeEmbedder(), tmp_path)
    assert "followup_vectors.npy" in json.loads((path / "manifest.json").read_text())["files"]
    from index.build import expected_manifest
    from index.questions import bank_followups
    from ingest import chunk_corpus, load_bank

    art = load_build(tmp_path, expected_manifest(tmp_corpus, FakeEmbedder()))
    followups = bank_followups(load_bank(tmp_corpus, *chunk_corpus(tmp_corpus)), art.chunks)
    assert {(f.after, f.ask) for f in followups} >= set(pairs)
    texts = [t for f in followups for t in (f.after, f.ask)]
    assert art.followup_vectors is not None and np.allclose(art.followup_vectors, FakeEmbedder().encode(texts))
    # The first leans on its earlier message (mixed with it, as the engine searches it), the second stands alone.
    assert [needs_context(ask) for _, ask in pairs] == [True, False]
    own, earlier = art.followup_vectors[1::2], art.followup_vectors[0::2]
    asked = [follow_up_vector(own[i], earlier[i] if needs_context(f.ask) else None) for i, f in enumerate(followups)]
    expected = fit_adapter(np.vstack([art.bank_vectors, *asked]), [q.chunk for q in art.bank] + [f.chunk for f in followups],
                           stored_vectors(art.dense))
    assert art.query_adapter is not None and np.array_equal(art.query_adapter, expected)
    without = fit_adapter(np.vstack([art.bank_vectors, *asked[:-2]]), [q.chunk for q in art.bank] + [f.chunk for f in followups[:-2]],
                          stored_vectors(art.dense))
    assert without is not None and not np.array_equal(without, art.query_adapter)  # two follow-ups more change it


def test_an_index_built_with_another_adapter_recipe_is_stale(tmp_path):
    build_index(CORPUS, FakeEmbedder(), tmp_path)
    path, manifest = read_manifest(tmp_path)
    (path / "manifest.json").write_text(json.dumps({**manifest, "adapter": "bank-linear-0"}))
    with pytest.raises(IndexUnavailable, match="adapter differs"):
        open_index(CORPUS, FakeEmbedder(), tmp_path, rebuild=False)


def test_search_maps_the_query_but_not_the_passages_unless_switched_off(fake_engine):
    from evaluation.compare import without_adapter

    served = fake_engine.index
    query = served.embedder.encode_queries(["does twitching mean ALS"])[0]
    assert served.art.query_adapter is not None
    cand = served.candidates("does twitching mean ALS", query)
    assert np.allclose(cand.query, adapt(served.art.query_adapter, query))
    assert not np.allclose(cand.query, query)  # the fake bank's adapter is not the identity
    cosine = float(served.art.dense.reconstruct(int(cand.ids[0])) @ cand.query)
    assert cand.features[0][0] == pytest.approx(cosine, abs=1e-6)  # passages as encoded, query mapped
    plain = without_adapter(fake_engine).index
    assert np.array_equal(plain.candidates("does twitching mean ALS", query).query, query)  # as encoded


def _expected(root):
    from index.build import expected_manifest

    return root, expected_manifest(CORPUS, FakeEmbedder())


def test_compare_shows_the_configuration_without_the_adapter_beside_the_served_one(fake_engine, corpus_dir):
    from evaluation import load_gold
    from evaluation.compare import compare
    from tests.helpers import ROOT

    golds = load_gold(ROOT / "evaluation" / "gold" / "dev.jsonl")[:6]
    results = compare(golds, corpus_dir, base=fake_engine)
    assert list(results) == ["base encoder, no bank", "base encoder", "base encoder without query adapter"]
    assert all(r["questions"] == 6 for r in results.values())


def test_compare_shows_n_a_for_threshold_rates_of_a_configuration_not_calibrated_for(fake_engine, corpus_dir):
    """Without the bank the bank's threshold is never reached: 'answered 0.000' was not measured."""
    from evaluation import load_gold
    from evaluation.compare import ROWS, THRESHOLD_ROWS, compare, table
    from tests.helpers import ROOT

    dev = load_gold(ROOT / "evaluation" / "gold" / "dev.jsonl")
    calm = [g for g in dev if not (g.emergency or g.crisis)]
    golds = [g for g in calm if g.answerable][:4] + [g for g in calm if not g.answerable][:2]  # every rate has questions
    results = compare(golds, corpus_dir, base=fake_engine)
    assert all(results["base encoder, no bank"][row] is None for row in THRESHOLD_ROWS)
    assert all(isinstance(results[name][row], float) for name in ("base encoder", "base encoder without query adapter") for row in THRESHOLD_ROWS)
    assert all(isinstance(results["base encoder, no bank"][row], float) for row in ROWS if row not in THRESHOLD_ROWS)
    line = next(line for line in table(results).splitlines() if line.startswith("| answer_rate_answerable |"))
    assert line.split(" | ")[1] == "n/a"


def _with_thresholds(engine, threshold: float, plain: float | None):
    from dataclasses import replace

    from index import SearchIndex

    weights = replace(engine.index.settings.weights, threshold=threshold, plain_threshold=plain)
    index = SearchIndex(engine.index.art, engine.index.embedder, replace(engine.index.settings, weights=weights))
    return replace(engine, index=index, settings=replace(engine.settings, threshold=threshold))


def test_a_best_under_the_threshold_gets_a_second_opinion_from_the_query_as_encoded(fake_engine):
    from evaluation.compare import without_adapter

    question = "does twitching mean ALS"
    query = fake_engine.index.embedder.encode_queries([question])[0]
    gated = _with_thresholds(fake_engine, 2.0, 0.0)  # no adapted score reaches 2
    as_encoded = without_adapter(fake_engine).index.rank(question, query, 1)[0].score
    assert gated.index.plain_best(question, query) == pytest.approx(as_encoded, abs=1e-6)
    adapted = fake_engine.ask(question)
    # The second opinion clears its threshold: the turn answers, with the adapted ranking.
    second = gated.ask(question)
    assert not second.abstained and second.quotes[0].chunk == adapted.ranked[0].chunk
    assert _with_thresholds(fake_engine, 2.0, as_encoded + 0.01).ask(question).abstained  # it does not
    assert _with_thresholds(fake_engine, 2.0, None).ask(question).abstained  # no second opinion
    assert fake_engine.index.plain_best(question, query) is None  # the fake fit has none
    assert without_adapter(gated).index.plain_best(question, query) is None  # nor a query as encoded


def test_calibrate_prints_the_second_opinions_threshold_too(fake_engine):
    from evaluation import load_gold
    from evaluation.calibrate import calibrate
    from evaluation.compare import without_adapter
    from tests.helpers import ROOT

    dev = load_gold(ROOT / "evaluation" / "gold" / "dev.jsonl")
    golds = [g for g in dev if g.answerable][:6] + [g for g in dev if not (g.answerable or g.emergency or g.crisis)][:6]
    served = calibrate(fake_engine, golds).splitlines()
    assert served[-1].startswith("best balanced accuracy") and " at plain_threshold " in served[-1]
    assert sum(" at threshold " in line for line in served) == 1
    plain = calibrate(without_adapter(fake_engine), golds).splitlines()
    assert served[-len(plain):] == plain[:-1] + [plain[-1].replace(" at threshold ", " at plain_threshold ")]
    # Follow-up turns get curves of their own; a group with only one kind of question gets none.
    follow = [g for name in ("followups", "followups_notcovered") for g in load_gold(ROOT / "evaluation" / "gold" / f"{name}.jsonl")[:8]]
    both = calibrate(fake_engine, golds + follow)
    for name in ("threshold", "plain_threshold", "followup_threshold", "followup_plain_threshold"):
        assert sum(f" at {name} " in line for line in both.splitlines()) == 1, name
    assert "no followup_threshold" in calibrate(fake_engine, golds + follow[:8])
