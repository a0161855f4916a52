"""The fixed on-screen strings (answer/strings.py): plain (grade 8 or below), no reassurance
or verdict anywhere, and the emergency / crisis notices carry the numbers people need.

Readability is textstat.flesch_kincaid_grade. textstat counts English syllables with NLTK's
cmudict corpus when it is installed and downloads it otherwise; where it is missing (offline
CI) the test makes textstat use its own pyphen fallback instead of trying the network.
"""

from __future__ import annotations

import re

import pytest
import textstat

from answer import strings
from ingest import VERDICT_PHRASES, fold

PROSE = ("DISCLAIMER", "NOT_COVERED", "EMERGENCY_NOTICE", "CRISIS_NOTICE", "NO_VERDICT", "APP_INTRO",
         "LEAD_IN", "EMPTY_INPUT", "TOO_LONG", "INTERNAL_ERROR", "INDEX_NOT_READY", "EMERGENCY_LINE",
         "CRISIS_ANY_LANGUAGE")
SAMPLES = ({"number": "911", "limit": "2000"}, {"number": "112", "limit": "500"})
MAX_GRADE = 8

# Case-insensitive; apostrophes are straightened before matching. One list with ingest/answers.py,
# which keeps the same phrases out of the "related questions" offered under an answer.
REASSURANCE = VERDICT_PHRASES
PHRASE = {p: re.compile(r"\b" + re.escape(p) + r"\b") for p in REASSURANCE}  # "cure" is not in "secure"


@pytest.fixture(scope="module", autouse=True)
def offline_syllables():
    import nltk
    import textstat.backend.counts._count_syllables as counts

    try:
        nltk.data.find("corpora/cmudict")
        yield
    except LookupError:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(counts, "get_cmudict", lambda lang: None)  # -> pyphen for every word
            yield


def constants() -> dict[str, str]:
    """Every piece of on-screen text in strings.py: str constants, and str items of tuples/dicts."""
    found: dict[str, str] = {}
    for name, value in vars(strings).items():
        if not name.isupper():
            continue
        if isinstance(value, str):
            found[name] = value
        elif isinstance(value, (tuple, list)):
            found.update({f"{name}[{i}]": v for i, v in enumerate(value) if isinstance(v, str)})
        elif isinstance(value, dict):
            found.update({f"{name}[{k!r}]": v for k, v in value.items() if isinstance(v, str)})
    return found


def plain(text: str) -> str:
    return fold(text.replace("\u2018", "'"))  # ingest's fold, and a left quote used as an apostrophe too


def verdicts(text: str) -> list[str]:
    return [p for p, rx in PHRASE.items() if rx.search(plain(text))]


@pytest.mark.parametrize("name", PROSE)
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s["number"])
def test_prose_reads_at_grade_8_or_below(name, sample):
    text = getattr(strings, name).format(**sample)
    assert "{" not in text
    grade = textstat.flesch_kincaid_grade(text)
    assert grade <= MAX_GRADE, f"{name} reads at grade {grade:.1f}: {text!r}"


@pytest.mark.parametrize("name", PROSE)
def test_prose_gives_no_reassurance_or_verdict(name):
    assert verdicts(getattr(strings, name)) == []


def test_no_string_anywhere_gives_a_verdict():
    found = {name: verdicts(text) for name, text in constants().items()}
    # EXAMPLE_QUESTIONS are the user's words ("Does muscle twitching mean I have ALS?"), not ours,
    # but they too must not carry an answer.
    assert {name: hits for name, hits in found.items() if hits} == {}


def test_emergency_notice_names_the_main_numbers():
    for number in ("911", "112", "999"):
        assert number in strings.EMERGENCY_NOTICE
    assert "{number}" in strings.EMERGENCY_NOTICE and "{number}" in strings.EMERGENCY_LINE


def test_crisis_notice_names_the_help_lines():
    assert "988" in strings.CRISIS_NOTICE and "116 123" in strings.CRISIS_NOTICE
    assert "{number}" in strings.CRISIS_NOTICE


def test_phrase_check_catches_what_it_should():
    assert verdicts("Don\u2019t worry, it\u2019s NOT ALS.") == ["it's not als", "not als", "don't worry"]
    assert verdicts("Keep your data secure. Not also.") == []


def test_placeholders_are_kept():
    assert "{limit}" in strings.TOO_LONG
    for name in PROSE:
        getattr(strings, name).format(number="911", limit="2000")  # no other placeholders


def test_related_questions_read_like_the_fixed_strings():
    """Bank questions offered as "related questions" pass the same readability and no-verdict checks."""
    from ingest import chunk_corpus, general_form, load_bank
    from tests.helpers import CORPUS

    docs, chunks = chunk_corpus(CORPUS)
    offered = [q for a in load_bank(CORPUS, docs, chunks) for q in a.questions if general_form(q)]
    assert len(offered) >= 100
    too_hard = [(q, textstat.flesch_kincaid_grade(q)) for q in offered if textstat.flesch_kincaid_grade(q) > MAX_GRADE]
    assert too_hard == []
    assert [q for q in offered if verdicts(q)] == []
