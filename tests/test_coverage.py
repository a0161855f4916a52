"""index/coverage.py: the most specific word of a message that a passage never speaks to."""

from __future__ import annotations

import numpy as np
import pytest

from index.coverage import MAX_ZIPF, content_words, stopwords, token_rows, uncovered
from ingest import zipf


def test_the_stop_list_is_scikit_learns_and_the_corpus_words():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    extra = {"als", "twitch", "twitching", "twitches", "twitchy", "muscle", "muscles", "im", "ive", "dont", "u", "ur",
             "pls", "just", "like", "really", "know", "get", "got"}
    assert stopwords() == frozenset(ENGLISH_STOP_WORDS) | extra


def test_words_are_joined_from_their_pieces_and_stop_words_dropped():
    tokens = ["how", "many", "mg", "of", "ri", "##lu", "##zole", "?", "als", "2"]
    assert content_words(tokens) == [("mg", [2]), ("riluzole", [4, 5, 6])]


def test_token_rows_drop_special_tokens_and_normalise():
    states = np.array([[3.0, 4.0], [0.0, 2.0], [1.0, 0.0], [5.0, 5.0]])
    rows, kept = token_rows(states, ["[CLS]", "cups", "?", "[SEP]"])
    assert kept == ["cups", "?"]
    assert np.allclose(rows, [[0.0, 1.0], [1.0, 0.0]])


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_a_rare_word_the_passage_never_matches_counts_by_its_rarity():
    tokens = ["how", "many", "cups"]
    message = np.stack([unit(1, 0, 0), unit(1, 0, 0), unit(0, 0, 1)])
    caffeine = np.stack([unit(1, 0, 0), unit(0, 1, 0)])  # nothing near "cups"
    expected = (MAX_ZIPF - zipf("cups", "en")) * (1.0 - 0.0)
    assert uncovered(message, tokens, caffeine) == pytest.approx(expected, abs=1e-6)
    cups = np.stack([unit(0, 0, 1)])  # a passage with the word itself
    assert uncovered(message, tokens, cups) == pytest.approx(0.0, abs=1e-6)


def test_nothing_to_leave_unanswered():
    assert uncovered(np.stack([unit(1, 0)]), ["why"], np.stack([unit(0, 1)])) == 0.0  # a stop word alone
    assert uncovered(np.stack([unit(1, 0)]), ["riluzole"], np.zeros((0, 2), dtype=np.float32)) == 0.0  # no passage tokens
