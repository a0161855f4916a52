"""The text toolkit (ingest's public names; records/text.py and ingest/text.py): each function
on small texts, the named variants where they differ, and the Unicode facts that make the
folds' order irrelevant. Fast: no model, no corpus."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from ingest import (
    Chunk,
    bare_words,
    chunk_sentence_spans,
    clauses,
    collapse,
    fold,
    fold_nfkc,
    quotable,
    reading_grade,
    sentences,
    words,
    zipf,
)


def test_fold_casefolds_and_straightens_the_curly_apostrophe_only():
    assert fold("Don’t WORRY") == "don't worry"
    assert fold("Straße") == "strasse"
    assert fold("‘quoted’ “text”") == "‘quoted' “text”"  # other quote marks are left as they are


def test_fold_nfkc_also_makes_compatibility_characters_plain():
    assert fold_nfkc("ＡＬＳ ﬁbrillation Don’t") == "als fibrillation don't"
    assert fold("ＡＬＳ") == "ａｌｓ"  # fold alone keeps full-width letters: the scope rules need NFKC
    # The same as the scope rules' old order (NFKC, apostrophe, then casefold).
    for text in ("ＡＬＳ’S", "İstanbul’s", "ǅemal", "ẞ’"):
        assert fold_nfkc(text) == unicodedata.normalize("NFKC", text).replace("’", "'").casefold()


def test_words_keep_an_apostrophe_suffix_bare_words_split_there():
    text = "Lou Gehrig’s disease: DON'T twitch 24/7, dogs' legs"
    assert words(text) == ["lou", "gehrig's", "disease", "don't", "twitch", "24", "7", "dogs", "legs"]
    assert bare_words(text) == ["lou", "gehrig", "s", "disease", "don", "t", "twitch", "24", "7", "dogs", "legs"]
    assert words("café naïve") == ["caf", "na", "ve"]  # ASCII letters only, as every user always had


def test_collapse_joins_whitespace_and_casefolds_but_keeps_apostrophes():
    assert collapse("  Muscle\n\ttwitching\u00a0 IS  common ") == "muscle twitching is common"
    assert collapse("Don’t") == "don’t"  # gold `contains` match the passage's own apostrophes


def test_no_character_casefolds_into_an_apostrophe_or_whitespace():
    """Why the order of casefold, the apostrophe fold and whitespace splitting never matters."""
    # casefold maps each character on its own, so one call over all of them shows it for each.
    chars = [chr(i) for i in range(sys.maxunicode + 1)]
    others = "".join(ch for ch in chars if ch not in "'’" and not ch.isspace()).casefold()
    assert "'" not in others and "’" not in others
    assert others.split() == [others]  # no whitespace appears
    spaces = "".join(ch for ch in chars if ch.isspace())
    assert spaces.casefold() == spaces


def test_sentences_are_pysbds_trimmed():
    assert sentences("It twitches.  Is it ALS? No, it is not.") == ["It twitches.", "Is it ALS?", "No, it is not."]
    assert sentences("   ") == []


def test_chunk_sentence_spans_are_raw_offsets_and_a_list_item_stays_whole():
    text = "Signs include: weakness. Cramps.\n  • Twitching. Then more.\n\nDr. Smith said so."
    chunk = Chunk("d", 100, 100 + len(text), "Signs", "article", text)
    spans = chunk_sentence_spans(chunk)
    assert [text[s - 100:e - 100] for s, e in spans] == [
        "Signs include: weakness.", "Cramps.", "• Twitching. Then more.", "Dr. Smith said so.",
    ]


def test_clauses_cut_a_longer_message_and_leave_a_short_one_whole():
    assert clauses("Is twitching a sign of ALS?") == []  # one sentence: the message itself is judged
    assert clauses("My calf twitches every night. Now my chest hurts and I cannot breathe.") == [
        "My calf twitches every night.", "Now my chest hurts and I cannot breathe.",
    ]
    long = ("I have had twitching in both calves for two months, my doctor says it is benign, "
            "but tonight my arm went numb and my face is drooping on one side.")
    assert clauses(long) == [
        "I have had twitching in both calves for two months",
        "my doctor says it is benign",
        "tonight my arm went numb and my face is drooping on one side.",
    ]
    assert clauses("Ok. Fine. My leg twitches a lot. It hurts so much.") == ["My leg twitches a lot.", "It hurts so much."]
    assert len(clauses(" ".join(f"Sentence number {i} is here." for i in range(20)))) == 20
    many = clauses(" ".join(f"Sentence number {i} is here." for i in range(40)))
    # Past MAX_CLAUSES the first and the last halves: what a long post says last is kept.
    assert len(many) == 24 and many[11] == "Sentence number 11 is here." and many[12] == "Sentence number 28 is here."
    assert many[-1] == "Sentence number 39 is here."


def test_reading_grade_is_flesch_kincaid_of_one_sentence():
    assert reading_grade("") == 0.0
    assert reading_grade("The cat sat.") == pytest.approx(0.39 * 3 + 11.8 * 1 - 15.59)
    assert reading_grade("Amyotrophic lateral sclerosis is a neurodegenerative disease.") > 12


def test_quotable_means_it_answers_something():
    def chunk(text, kind="article"):
        return Chunk("d", 0, len(text), "s", kind, text)

    assert quotable(chunk("Twitching is common in healthy people."))
    assert not quotable(chunk("Twitching is common in healthy people.", kind="question"))  # the asker's own
    assert not quotable(chunk("Hello, doctor. Is this ALS?"))  # a greeting and a question only
    assert not quotable(chunk("Common causes include:"))  # a list header alone


def test_zipf_reads_the_cut_list():
    assert zipf("the", "en") > 7
    assert 2.0 <= zipf("twitching", "en") < 5.0  # a topic word for the follow-up check
    assert zipf("qzxwvk", "en") == 0.0  # below the floor (or unknown) reads 0.0
    assert zipf("de", "es") > zipf("de", "en")
