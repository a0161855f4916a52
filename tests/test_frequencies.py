"""The cut frequency lists (ingest/frequencies.py) give wordfreq's own Zipf value for every word
at or above the floors our decisions use, and 0.0 below them; the file is what the pinned
wordfreq makes, so upgrading wordfreq without rewriting it fails here."""

from __future__ import annotations

import gzip
import json
import random

import pytest
from wordfreq import iter_wordlist, zipf_frequency

from ingest import ZIPF_FLOORS as FLOORS
from ingest import ZIPF_LANGUAGES as LANGUAGES
from ingest import read_corpus, words, zipf
from ingest.frequencies import FILE, Table, write  # the cut list's own file: pyproject's contract allows this test alone


def sample_words(corpus_dir) -> list[str]:
    """Corpus words, list words from every frequency band (top, near each floor, below it),
    and awkward ones: digits, apostrophes, accents, hyphens, nonsense."""
    rng = random.Random(3)
    out = {w for d in read_corpus(corpus_dir) for w in words(d.raw)}
    for lang in LANGUAGES:
        ranked = list(iter_wordlist(lang))
        out.update(ranked[:300])
        out.update(rng.sample(ranked, min(len(ranked), 1500)))
    out.update(["don't", "it's", "twitch2", "2024", "b12", "café", "niño", "straße", "e-mail", "asdfqwer", "x", ""])
    return sorted(out)


def test_zipf_is_wordfreqs_above_the_floor_and_zero_below(corpus_dir):
    checked = 0
    for word in sample_words(corpus_dir):
        for lang in LANGUAGES:
            expected = zipf_frequency(word, lang)
            assert zipf(word, lang) == (expected if expected >= FLOORS[lang] else 0.0), (word, lang)
            checked += expected >= FLOORS[lang]
    assert checked > 20_000  # most of the sample is above a floor somewhere: the test compares values


@pytest.mark.slow
def test_the_file_is_what_the_installed_wordfreq_makes(tmp_path):
    fresh = tmp_path / "frequencies.json.gz"
    write(fresh)
    assert json.loads(gzip.decompress(fresh.read_bytes())) == json.loads(gzip.decompress(FILE.read_bytes()))


def test_a_table_finds_exactly_its_own_words():
    table = Table(["the\nof", "", "café\nzebra"])
    assert [table.get(w) for w in ("the", "of", "café", "zebra")] == [0, 0, 2, 2]
    assert [table.get(w) for w in ("th", "thee", "cafe", "", "the\0", "a" * 40)] == [None] * 6
