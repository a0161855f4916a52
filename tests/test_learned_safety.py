"""The learned safety path: labelled pairs from the exemplars, the classifier's heads, and the one
pure function that combines them with the rules. Fast: test doubles and small fake vectors; the
real encoder's behaviour is in test_screen.py."""

from __future__ import annotations

import numpy as np
import pytest

from answer.safety import Safety, calm, combine, kept_emergency
from index.safety_model import HEADS, SafetyClassifier, Thresholds, encoder_key, fit_head, probabilities, thresholds_for
from index.safety_pairs import safety_pairs
from index.screen import Exemplar, load_exemplars
from ingest import IngestError, clauses

EXEMPLARS = [
    Exemplar("crisis", "c", "i want to die"), Exemplar("crisis", "c", "kms tonight"),
    Exemplar("emergency", "breathing", "cant breathe"), Exemplar("emergency", "choking", "he is choking"),
    Exemplar("emergency", "poisoning", "took all my pills to die", ("crisis",)),
    Exemplar("emergency", "poisoning", "swallowed the whole bottle on purpose", ("crisis",)),
    Exemplar("personal", "v", "is it ALS?"), Exemplar("personal", "v", "do I have ALS"),
    Exemplar("general", "g", "what is ALS"), Exemplar("ordinary", "o", "does an EMG hurt"),
]


def test_pairs_are_seeded_and_labelled_by_the_label_sets():
    a, b = safety_pairs(EXEMPLARS, 4, 7), safety_pairs(EXEMPLARS, 4, 7)
    assert a == b and a != safety_pairs(EXEMPLARS, 4, 8)
    labels = {e.text: e.labels for e in EXEMPLARS}
    for left, right, same in a:
        if same == 1.0:
            assert labels[left] == labels[right] and left != right
        else:  # never pulled apart from a message sharing one of its labels
            assert not labels[left] & labels[right]


def test_quiet_messages_are_only_pushed_away_from_alarms():
    quiet = {"what is ALS", "does an EMG hurt"}
    pairs = safety_pairs(EXEMPLARS, 6, 1)
    assert all(label == 0.0 for left, _, label in pairs if left in quiet)
    assert any(left in quiet for left, _, _ in pairs)


def test_an_overdose_on_purpose_carries_both_labels(tmp_path):
    (tmp_path / "x.toml").write_text(
        'version = 1\n[[group]]\nlabel = "emergency"\ncategory = "poisoning"\nalso = ["crisis"]\nmessages = ["took 40 pills to end it"]\n',
        encoding="utf-8")
    (e,) = load_exemplars(tmp_path)
    assert e.labels == {"emergency", "crisis"} and e.also == ("crisis",)
    (tmp_path / "x.toml").write_text(
        'version = 1\n[[group]]\nlabel = "emergency"\ncategory = "poisoning"\nalso = ["sad"]\nmessages = ["took 40 pills"]\n',
        encoding="utf-8")
    with pytest.raises(IngestError, match=r"x\.toml: group\.0\.also\.0"):
        load_exemplars(tmp_path)


def toy_vectors(exemplars: list[Exemplar]) -> np.ndarray:
    """One axis per label set: linearly separable, as the heads need."""
    axes = {lab: i for i, lab in enumerate(("emergency", "crisis", "personal", "general", "ordinary"))}
    out = np.zeros((len(exemplars), 8), dtype=np.float32)
    for row, e in enumerate(exemplars):
        for lab in e.labels:
            out[row, axes[lab]] = 1.0
        out[row, 7] = 0.1 * (row % 3)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_the_heads_learn_each_label_and_both_for_an_overdose():
    vectors = toy_vectors(EXEMPLARS)
    head = fit_head(EXEMPLARS, vectors)
    assert head.shape == (len(HEADS), 9)
    p = probabilities(head, vectors)
    for row, e in enumerate(EXEMPLARS):
        for col, flag in enumerate(HEADS):
            assert (p[row, col] > 0.5) == (flag in e.labels), (e.text, flag, p[row, col])


def test_a_class_without_exemplars_never_fires():
    quiet = [e for e in EXEMPLARS if e.label in ("general", "ordinary", "personal")]
    head = fit_head(quiet, toy_vectors(quiet))
    assert (probabilities(head, toy_vectors(EXEMPLARS))[:, :2] < 1e-6).all()


def test_the_classifier_takes_the_highest_probability_over_message_and_clauses():
    head = fit_head(EXEMPLARS, toy_vectors(EXEMPLARS))
    clf = SafetyClassifier(head)
    story = toy_vectors([EXEMPLARS[9], EXEMPLARS[9], EXEMPLARS[2]])  # two quiet clauses, one alarm
    e, c, p = clf.scores(story)
    assert e > 0.5 and c < 0.5 and p < 0.5
    assert clf.scores(np.zeros((0, 8), dtype=np.float32)) == (0.0, 0.0, 0.0)


RULES_NONE = Safety(False, False, False)


def test_combine_is_the_rules_or_the_classifier_at_its_thresholds():
    th = (0.6, 0.7, 0.8)
    assert combine(RULES_NONE, None, th) == RULES_NONE
    assert combine(RULES_NONE, (0.59, 0.69, 0.79), th) == RULES_NONE
    both = combine(RULES_NONE, (0.6, 0.7, 0.1), th)
    assert both.emergency and both.crisis and not both.personal
    assert both.reasons == ("model:emergency", "model:crisis")
    ruled = Safety(True, False, True, ("choke-now",))
    assert combine(ruled, (0.0, 0.0, 0.0), th) == ruled  # the rules are a floor


def test_a_calm_message_drops_only_the_classifiers_emergency():
    th = (0.5, 0.5, 0.5)
    out = combine(RULES_NONE, (0.9, 0.9, 0.9), th, kept=0.0)
    assert not out.emergency and out.crisis and out.personal
    ruled = Safety(True, False, False, ("r",))
    assert combine(ruled, (0.9, 0.0, 0.0), th, kept=0.0).emergency  # a rule's own vetoes already ran
    assert combine(RULES_NONE, (0.9, 0.0, 0.0), th, kept=0.6).emergency


def test_a_crisis_the_classifier_also_reads_as_an_emergency_gets_the_emergency_notice():
    # "I took all my sleeping pills": the crisis is certain, the emergency probability (0.8) is
    # under the emergency threshold (0.9) but over the lower one for a crisis (0.7).
    th = (0.9, 0.5, 0.5)
    out = combine(RULES_NONE, (0.8, 0.95, 0.0), th, with_crisis=0.7)
    assert out.emergency and out.crisis and out.reasons == ("model:crisis", "model:emergency_with_crisis")
    assert not combine(RULES_NONE, (0.8, 0.95, 0.0), th).emergency  # off by default
    assert not combine(RULES_NONE, (0.8, 0.3, 0.0), th, with_crisis=0.7).emergency  # no crisis: the usual threshold
    assert not combine(RULES_NONE, (0.69, 0.95, 0.0), th, with_crisis=0.7).emergency
    crisis_rule = Safety(False, True, False, ("crisis.overdose",))
    assert combine(crisis_rule, (0.75, 0.1, 0.0), th, with_crisis=0.7).emergency  # a crisis the rules found counts
    # The probability judged is the calm-adjusted one, as for the emergency threshold.
    assert not combine(crisis_rule, (0.75, 0.1, 0.0), th, kept=0.0, with_crisis=0.7).emergency


def test_the_emergency_threshold_for_a_crisis_is_the_lowest_that_adds_no_false_emergency():
    from evaluation.safety.calibrate_safety import MARGIN, with_crisis

    chosen = {"emergency": 0.9, "crisis": 0.5, "personal": 0.9, "emergency_floor": 0.0, "crisis_floor": 0.0}
    data = [{"emergency": True}, {"emergency": False}, {"emergency": True}]
    scores = np.array([[0.8, 0.9, 0.0], [0.6, 0.9, 0.0], [0.3, 0.9, 0.0]])  # all three are crises
    kept = scores[:, 0]
    rules = [RULES_NONE] * 3
    t = with_crisis(data, scores, rules, kept, chosen, show=False)
    assert 0.6 + MARGIN < t <= 0.8  # over the crisis that is no emergency, still under the overdose
    data[1]["emergency"] = True  # nothing to keep quiet: the lowest threshold of the grid
    assert with_crisis(data, scores, rules, kept, chosen, show=False) < 0.3
    data[1]["emergency"] = False
    scores[1, 0] = kept[1] = 0.95  # the emergency threshold already flags it: nothing to add
    assert with_crisis(data, scores, rules, kept, chosen, show=False) < 0.3
    scores[1, 0] = kept[1] = 0.9 - MARGIN / 2  # quiet only at the emergency threshold itself
    assert with_crisis(data, scores, rules, kept, chosen, show=False) == 0.9


def test_an_emergency_told_after_habits_is_kept_and_a_habit_alone_is_not():
    # A long post full of habits is calm as a whole; its last clause, happening now, is not.
    post = "My calves twitch every evening and sometimes my thighs too. Tonight my chest is crushing and my left arm is numb"
    parts = clauses(post)
    assert calm(post) and len(parts) == 2 and not calm(parts[1])
    assert kept_emergency(post, parts, [0.4, 0.1, 0.95]) == 0.95
    assert kept_emergency(post, parts, [0.95, 0.1, 0.4]) == 0.4  # the whole, calm, stands for nothing
    # Every part calm: nothing stands, however high.
    habit = "My chest sometimes feels tight when I stand up too fast. It happens most mornings, usually after coffee"
    assert calm(habit) and [calm(c) for c in clauses(habit)] == [True, True]
    assert kept_emergency(habit, clauses(habit), [0.99, 0.99, 0.99]) == 0.0
    # A message that is not calm keeps its highest part, whichever it is.
    now = "My calves twitch every evening. Right now my chest is crushing"
    assert not calm(now) and kept_emergency(now, clauses(now), [0.9] + [0.1] * len(clauses(now))) == 0.9
    assert kept_emergency(now, clauses(now), [0.1] + [0.8] * len(clauses(now))) == 0.8
    with pytest.raises(ValueError):
        kept_emergency(post, parts, [0.4, 0.1])  # one probability short


def test_thresholds_are_looked_up_per_encoder(tmp_path):
    path = tmp_path / "safety.json"
    path.write_text('{"base": {"emergency": 0.8, "crisis": 0.7, "personal": 0.9}}', encoding="utf-8")
    assert thresholds_for("all-MiniLM-L6-v2", path) == Thresholds(0.8, 0.7, 0.9)
    assert thresholds_for("medquote-adapted/x/y", path) == Thresholds()  # none calibrated: 0.5 each
    assert encoder_key("fake-hash") == "fake" and encoder_key("medquote-adapted/r/k") == "adapted"
    assert encoder_key("all-MiniLM-L6-v2", "exemplar-branch-1") == "base+exemplar-branch-1"
    assert thresholds_for("all-MiniLM-L6-v2", path, branch="exemplar-branch-1") == Thresholds()  # the heads' are not the branch's


def test_a_branch_of_other_bytes_than_calibrated_on_is_served_with_a_warning(tmp_path, caplog):
    path = tmp_path / "safety.json"
    path.write_text('{"base+b": {"emergency": 0.8, "crisis": 0.7, "personal": 0.9, "branch_sha256": "aa11"}}', encoding="utf-8")
    assert thresholds_for("all-MiniLM-L6-v2", path, branch="b", branch_sha256="aa11").personal == 0.9
    assert not caplog.records
    assert thresholds_for("all-MiniLM-L6-v2", path, branch="b", branch_sha256="bb22").personal == 0.9
    assert "calibrated on the branch aa11, but this index's branch is bb22" in caplog.text and "--write" in caplog.text


def test_every_served_encoder_has_calibrated_thresholds():
    from index.models import SERVED_ENCODER
    from index.safety_branch import RECIPE
    from index.safety_model import load_thresholds

    table = load_thresholds()
    # the served encoder judges with its trained branch (index/safety_branch.py): its own thresholds
    assert {SERVED_ENCODER, f"{SERVED_ENCODER}+{RECIPE.version}", "fake"} <= set(table)
    for t in table.values():
        assert min(t.emergency, t.crisis, t.personal) > 0.0 and max(t.emergency, t.crisis, t.personal) < 1.0 and t.note


def test_the_index_stores_the_fitted_heads(fake_engine):
    art = fake_engine.index.art
    assert art.safety_head.shape == (3, fake_engine.index.embedder.dim + 1)
    # lbfgs stops at a tolerance and sums in BLAS, whose thread count (other tests limit it) moves
    # the last bits and so where it stops: compare what the heads decide, not their bits
    refit = fit_head(art.exemplars, art.exemplar_vectors)
    stored, again = probabilities(art.safety_head, art.exemplar_vectors), probabilities(refit, art.exemplar_vectors)
    assert np.abs(stored - again).max() < 0.01 and ((stored > 0.5) == (again > 0.5)).mean() > 0.999


def test_a_tentative_rule_stands_only_with_the_classifiers_agreement():
    from answer.safety import assess

    figurative = assess("my wifi collapsed in the middle of my telehealth appointment")
    assert figurative.emergency and figurative.tentative == ("emergency",)  # the rule alone still fires
    th, floors = (0.9, 0.9, 0.9), (0.2, 0.2, 0.0)
    assert not combine(figurative, (0.1, 0.0, 0.0), th, floors=floors).emergency
    assert combine(figurative, (0.25, 0.0, 0.0), th, floors=floors).emergency  # under the threshold, over the floor
    explicit = assess("I want to kill myself")
    assert explicit.crisis and not explicit.tentative
    assert combine(explicit, (0.0, 0.0, 0.0), th, floors=floors).crisis  # an explicit phrase needs no model
    mixed = assess("he collapsed and is not breathing")
    assert "emergency" not in mixed.tentative  # one firm pattern is enough
