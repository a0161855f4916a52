"""Word frequencies (Zipf scale) from wordfreq's lists, cut to the words our decisions can use.

Spelling correction asks "is this word at least Zipf 2.0 in English?" (index/vocabulary.py),
the follow-up check "is it below Zipf 5.0, a topic word?" (medquote/followup.py), and language
detection "is it at least 3.0 in English, or in another Latin-script language?" and, for a
short message with no English word, sums the words' values per language (medquote/language.py).
wordfreq answers by loading each language's whole list: for the eleven languages that is
3 million words, ~300 MB and ~1 s on every start. `frequencies.json.gz` holds
the same lists cut at Zipf 2.0 (English) and 2.5 (the others: the short-message sums keep words
such as French "sla", 2.77): 700k words, 3 MB on disk, ~37 MB loaded (see Table). Every threshold decision is
the same; a word below its language's floor reads 0.0. `zipf` computes as `wordfreq.zipf_frequency` does
(same tokenizer, same combination of a multi-token word, same rounding): tests/test_frequencies.py
checks both against wordfreq and that the file is what the pinned wordfreq makes.

The file is made from the installed wordfreq, not kept in git (3 MB): `make install` writes it,
and a process that finds it missing writes it once itself (~1 s and wordfreq's full lists, once).

    .venv/bin/python -m ingest.frequencies   # rewrite the file after upgrading wordfreq
It does not decide anything itself.
"""

from __future__ import annotations

import gzip
import json
import math
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
from wordfreq.numbers import digit_freq, smash_numbers
from wordfreq.tokens import lossy_tokenize

FILE = Path(__file__).with_name("frequencies.json.gz")
LANGUAGES = ("en", "es", "pt", "fr", "de", "it", "nl", "pl", "tr", "vi", "id")
FLOORS = {lang: 2.0 if lang == "en" else 2.5 for lang in LANGUAGES}  # the lowest Zipf anything asks about


def _freq(bucket: int) -> float:
    return 10 ** (-bucket / 100)  # wordfreq's cB_to_freq: bucket i holds words of frequency 10^(-i/100)


class Table:
    """One language's list: its words as sorted UTF-8 bytes with their buckets, in two numpy
    arrays looked up by binary search (a few microseconds; `zipf` caches its answers). All
    eleven take 17 MB and a process grows ~37 MB loading them; word -> bucket dicts grew it
    ~77 MB."""

    def __init__(self, buckets: list[str]):
        parts = [(np.array(joined.encode("utf-8").split(b"\n")), i) for i, joined in enumerate(buckets) if joined]
        words = np.concatenate([w for w, _ in parts]) if parts else np.array([], dtype="S1")
        ids = np.concatenate([np.full(len(w), i, dtype=np.uint16) for w, i in parts]) if parts else np.array([], dtype=np.uint16)
        order = np.argsort(words, kind="stable")
        self.words, self.buckets = words[order], ids[order]

    def get(self, word: str) -> int | None:
        key = word.encode("utf-8")
        at = int(np.searchsorted(self.words, key))
        # numpy drops trailing NUL bytes of fixed-width strings: compare the stored word exactly.
        if at < len(self.words) and self.words[at] == key and b"\0" not in key:
            return int(self.buckets[at])
        return None


@lru_cache(maxsize=1)
def _tables() -> dict[str, Table]:
    """Per language, its Table (built from the file's one string per bucket)."""
    if not FILE.is_file():
        write()
    data = json.loads(gzip.decompress(FILE.read_bytes()))
    if data.get("floors") != FLOORS:
        raise ValueError(f"{FILE} was cut at other floors; run `.venv/bin/python -m ingest.frequencies`.")
    return {lang: Table(buckets) for lang, buckets in data["lists"].items()}


@lru_cache(maxsize=100_000)
def zipf(word: str, lang: str) -> float:
    """wordfreq.zipf_frequency(word, lang) when that is at least FLOORS[lang], else 0.0."""
    tokens = lossy_tokenize(word, lang)
    freqs = _tables()[lang]
    one_over = 0.0
    for token in tokens:
        smashed = smash_numbers(token)
        bucket = freqs.get(smashed)
        if bucket is None:
            return 0.0
        one_over += 1.0 / (_freq(bucket) * (digit_freq(token) if smashed != token else 1.0))
    if not one_over:
        return 0.0
    freq = 1.0 / one_over
    freq = round(freq, math.floor(-math.log(freq, 10)) + 3)  # wordfreq keeps 3 significant digits
    value = round(math.log(freq, 10) + 9, 2)
    return value if value >= FLOORS[lang] else 0.0


def write(path: Path = FILE) -> None:
    """Cut the installed wordfreq's lists at FLOORS (bucket boundaries are hundredths of Zipf)."""
    from wordfreq import get_frequency_list

    lists = {}
    for lang in LANGUAGES:
        keep = round((9 - FLOORS[lang]) * 100)  # buckets 0..keep are at or above the floor
        lists[lang] = ["\n".join(sorted(b)) for b in get_frequency_list(lang, "best")[: keep + 1]]
    body = json.dumps({"floors": FLOORS, "lists": lists}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # two processes may write it at once: rename is atomic
    tmp.write_bytes(gzip.compress(body.encode("utf-8"), mtime=0))
    os.replace(tmp, path)


if __name__ == "__main__":
    write()
    print(f"wrote {FILE}")
