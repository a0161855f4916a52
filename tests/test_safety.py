"""The medical-safety screen (answer/safety.py + answer/redflags.toml).

Recall of emergencies and crises must be total on the labelled red-flag sets, ordinary
domain questions must (almost) never raise an alarm, personal-verdict questions must be
told apart from general ones, and no input may make the screen raise.
"""

from __future__ import annotations

import json
import time
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from answer import safety
from answer.safety import Safety, assess, normalise

DATA = Path(__file__).resolve().parent.parent / "evaluation" / "safety"
EMERGENCY_CATEGORIES = {"breathing", "choking", "chest_pain", "stroke", "seizure", "collapse", "allergy"}


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def misses(rows: list[dict], flag: str) -> list[str]:
    return [f"{r['id']}: {r['message']!r} -> {assess(r['message']).reasons}"
            for r in rows if r[flag] and not getattr(assess(r["message"]), flag)]


# ------------------------------------------------------------------------ the data sets

@pytest.mark.parametrize("name, minimum", [("redflags_dev.jsonl", 70), ("redflags_heldout.jsonl", 30),
                                           ("ordinary.jsonl", 120), ("personal.jsonl", 60)])
def test_data_sets_are_big_enough_and_well_formed(name, minimum):
    rows = load(name)
    assert len(rows) >= minimum
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert set(r) == {"id", "message", "emergency", "crisis", "personal", "category", "tags"}
        assert all(isinstance(r[f], bool) for f in ("emergency", "crisis", "personal"))


def test_red_flag_sets_cover_every_category_in_first_and_third_person():
    for name in ("redflags_dev.jsonl", "redflags_heldout.jsonl"):
        rows = load(name)
        assert EMERGENCY_CATEGORIES | {"crisis"} <= {r["category"] for r in rows}
        assert all(r["emergency"] or r["crisis"] for r in rows)
        tags = {t for r in rows for t in r["tags"]}
        assert {"first_person", "third_person", "misspelling", "indirect", "short", "long", "mixed_twitch"} <= tags


def test_personal_set_has_both_kinds():
    rows = load("personal.jsonl")
    assert sum(r["personal"] for r in rows) >= 30 and sum(not r["personal"] for r in rows) >= 30


# ------------------------------------------------------------------------------ recall

@pytest.mark.parametrize("name", ["redflags_dev.jsonl", "redflags_heldout.jsonl"])
@pytest.mark.parametrize("flag", ["emergency", "crisis"])
def test_total_recall_on_red_flags(name, flag):
    rows = load(name)
    assert any(r[flag] for r in rows)
    assert misses(rows, flag) == []


@pytest.mark.parametrize("name", ["fresh_check.jsonl", "fresh_check2.jsonl", "fresh_check3.jsonl"])
def test_fresh_checks_do_not_regress(name):
    """Sets written after tuning began, to measure generalisation (see evaluation/safety/README.md).
    Not held to 100% (known misses are listed there), but they must not slide back."""
    rows = load(name)
    for flag in ("emergency", "crisis"):
        positives = [r for r in rows if r[flag]]
        assert len(misses(rows, flag)) <= 0.1 * len(positives), misses(rows, flag)
    ordinary = [r for r in rows if not r["emergency"] and not r["crisis"]]
    assert sum(assess(r["message"]).emergency or assess(r["message"]).crisis for r in ordinary) <= 0.05 * len(ordinary)


# ------------------------------------------------------------------------ false alarms

def test_false_alarm_rate_on_ordinary_questions():
    rows = load("ordinary.jsonl") + [r for r in load("personal.jsonl") if not r["emergency"] and not r["crisis"]]
    alarms = [f"{r['id']}: {r['message']!r} -> {assess(r['message']).reasons}" for r in rows
              if assess(r["message"]).emergency or assess(r["message"]).crisis]
    assert len(alarms) <= 0.05 * len(rows), alarms


@pytest.mark.parametrize("message", [
    "why do people with ALS have trouble swallowing?",
    "does ALS affect breathing later on?",
    "what does choking spells mean in ALS",
    "can ALS cause slurred speech?",
    "my calf twitches every evening",
    "is weakness in my hand a sign of ALS",
    "stage 4 ALS breathing support",
    "how fast does ALS progress",
    "I've had gradual weakness in my left leg over the last few months along with twitching",
    "my uncle with ALS has choking spells when he drinks thin liquids",
    "My mom with ALS keeps choking on her food, what can help?",
    "My grandmother with ALS can't breathe on her own anymore and is on a ventilator.",
    "How do people with ALS communicate when they can't speak?",
    "sudden twitching all over my body after the gym, is that normal?",
    "my chest muscles twitch a lot, especially when I lie down",
    "Are muscle twitches a type of seizure?",
    "I had a seizure once as a teenager, could that be related to my twitching now?",
    "My dad had a stroke last year and now his arm twitches. Is that ALS?",
    "Can anxiety cause chest tightness and twitching?",
    "I had a panic attack last night and felt like I couldn't breathe",
    "this twitching is killing me, it won't stop",
    "I'm dying to know if anyone else gets twitching in their tongue",
    "What is the suicide rate among people with ALS?",
    "I'm not suicidal, just really anxious about the twitching",
])
def test_named_ordinary_questions_raise_no_alarm(message):
    result = assess(message)
    assert not result.emergency and not result.crisis, result.reasons


# ------------------------------------------------------------------- named red flags

@pytest.mark.parametrize("message", [
    "my father is gasping and can't breathe", "my wife just collapsed",
    "he's making gurgling sounds and going blue", "she fell and we can't wake her",
    "cant breath", "breething is so hard", "my son is chocking on a grape", "I think she's having a siezure",
    "he is having a seizur", "stroek? her face is drooping", "my arm twitches and now my face is drooping on one side",
    "crushing chest pain", "my throat is swelling up", "my husband is unconcious",
])
def test_named_emergencies(message):
    assert assess(message).emergency


@pytest.mark.parametrize("message", [
    "I want to kill myself", "i want to kil myself", "sucide", "I feel suicidal", "no point living if it's ALS",
    "I just want to end it all", "I'm going to overdose tonight", "I've been self-harming",
])
def test_named_crises(message):
    result = assess(message)
    assert result.crisis and not result.emergency


def test_crisis_does_not_hide_an_emergency():
    result = assess("I took a whole bottle of pills and now I can't breathe")
    assert result.crisis and result.emergency


def test_emergency_buried_in_a_long_message_is_found():
    filler = "My calves twitch in the evening and I have read a lot about BFS. " * 400
    assert assess(filler + "Right now my dad is not breathing. " + filler).emergency


# ------------------------------------------------------------------------- personal

def test_personal_accuracy():
    rows = load("personal.jsonl")
    wrong = [f"{r['id']}: {r['message']!r}" for r in rows if assess(r["message"]).personal != r["personal"]]
    assert len(wrong) <= 0.05 * len(rows), wrong


@pytest.mark.parametrize("message, expected", [
    ("do I have ALS?", True), ("is my twitching BFS?", True), ("could this be ALS in my case", True),
    ("what are my chances?", True), ("am I dying", True), ("does my dad have MND", True),
    ("should I be worried about my twitching", True), ("is it ALS?", True), ("is this ALS", True),
    ("what are the early signs of ALS?", False), ("can twitching be the only symptom of ALS?", False),
    ("How is ALS diagnosed?", False), ("Is it normal for twitches to move around?", False),
])
def test_named_personal_questions(message, expected):
    assert assess(message).personal is expected


# -------------------------------------------------------------- determinism / rules

def test_deterministic():
    rows = load("redflags_dev.jsonl") + load("ordinary.jsonl")
    first = [assess(r["message"]) for r in rows]
    assert first == [assess(r["message"]) for r in rows]


def test_reasons_are_pattern_ids_in_rule_order():
    rules = tomllib.loads(safety.RULES_PATH.read_text(encoding="utf-8"))
    ids = [p["id"] for p in rules["pattern"]]
    result = assess("my dad can't breathe and I want to kill myself. Is it ALS?")
    assert result.reasons and set(result.reasons) <= set(ids)
    assert list(result.reasons) == sorted(result.reasons, key=ids.index)
    assert result == Safety(True, True, True, result.reasons, ("emergency",))  # "can't breathe" needs the classifier's word


def test_rules_file_is_versioned_and_every_pattern_says_why():
    rules = tomllib.loads(safety.RULES_PATH.read_text(encoding="utf-8"))
    assert rules["version"] == safety.RULES_VERSION
    assert len({p["id"] for p in rules["pattern"]}) == len(rules["pattern"])
    for pattern in rules["pattern"]:
        assert pattern["flag"] in safety.FLAGS and pattern["why"].strip() and pattern["re"]
    assert {p["flag"] for p in rules["pattern"]} == set(safety.FLAGS)


def test_safety_is_frozen():
    with pytest.raises(AttributeError):
        assess("hello").emergency = True  # type: ignore[misc]


# ---------------------------------------------------------------------- normalising

@pytest.mark.parametrize("raw, expected", [
    ("I CAN\u2019T  Breathe\n", "i cant breathe ."),
    ("sui\u200bcide", "suicide"),
    ("\uff43\uff41\uff4e\uff54 breathe", "cant breathe"),
    ("\u202eshe is choking\u202c", "shes choking"),
    ("I cannot breath", "i cant breath"),
    ("my dad colapsed", "my dad collapsed"),
    ("siezure", "seizure"),
])
def test_normalise(raw, expected):
    assert normalise(raw) == expected


def test_substitution_typos_are_not_guessed():
    assert normalise("my dad is cooking") == "my dad is cooking"
    assert not assess("my dad is cooking dinner").emergency
    assert not assess("I have trouble grasping objects").emergency


# ----------------------------------------------------------------------- robustness

@pytest.mark.parametrize("message", [
    "", " ", "\x00", "\x00\x01\x02\x1b[31m", "\ud800", "a\udfffb", "\u202e\u202d\u2066\u2069", "\ufeff",
    "😱" * 50, "\U0001F469\u200d\U0001F467", "x" * 100_000, "can't breathe " * 7_000, "\n" * 10_000,
    "when he can't breathe, " * 4_000, "é" * 100_000, "\u0301" * 1000,
])
def test_odd_inputs_do_not_raise(message):
    started = time.perf_counter()
    result = assess(message)
    assert isinstance(result, Safety)
    assert all(isinstance(v, bool) for v in (result.emergency, result.crisis, result.personal))
    assert time.perf_counter() - started < 5


def test_control_characters_do_not_hide_a_red_flag():
    assert assess("I\x00 can\u200bt bre\u00adathe").emergency
    assert assess("\u202ekill myself\u202c").crisis


def test_non_string_input_is_treated_as_text():
    assert assess(None) == Safety(False, False, False, ())  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_gives_a_stable_answer(text):
    assert assess(text) == assess(text)


def test_a_broken_rules_file_fails_loudly(tmp_path):
    text = safety.RULES_PATH.read_text(encoding="utf-8")
    broken = tmp_path / "redflags.toml"
    broken.write_text(text.replace("onset = ", "onset_renamed = ", 1), encoding="utf-8")
    with pytest.raises(ValueError):
        safety._load(broken)
    broken.write_text(text.replace('flag = "crisis"', 'flag = "crisiss"', 1), encoding="utf-8")
    with pytest.raises(ValueError):
        safety._load(broken)


# Crises told beside a denial, a hedge or someone else's reassurance: a review of session 15's
# denial veto (reverted, docs/experiments/denial-veto.patch) found each of these silenced by it.
# A missed crisis costs more than a needless help line: any veto must keep them.
DENIAL_CRISES = [
    "I'm not suicidal just want to die. Is my twitching ALS?",
    "I'm not going to kill myself unless it's ALS",
    "I don't have a plan to kill myself just the thoughts",
    "I'm not going to kill myself. But I think about it every day.",
    "My husband swears he's not suicidal though he keeps talking about killing himself",
    "i am not going to kill myself just yet",
    "I never had the urge to kill myself this bad",
    "I'm not in danger I just cut my wrists a bit",
    "I'm not going to do anything stupid I just want to end it all",
]


@pytest.mark.parametrize("message", DENIAL_CRISES)
def test_a_crisis_beside_a_denial_still_raises_the_notice(message):
    assert assess(message).crisis
