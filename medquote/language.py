"""Which language a chat message is written in, when it is clearly not English.

The sources and the model are English; a message in another language gets a fixed reply in
that language instead of a wrong "not covered" (answer/strings.py LANGUAGE_REPLIES). So this
errs towards English: typos, slang, medical words, a few foreign words or names stay English.
1. Script: a message mostly in Han, Kana, Hangul, Arabic, Devanagari, Cyrillic, Greek, Hebrew or
   Thai letters is in that script's language (kana makes Han Japanese).
2. Latin script: medquote's own terms ("ALS", "EMG", "bfs", "fasciculations") are left out as
   neutral; a message whose other words are mostly English (more frequent in English than in
   any of the other Latin-script languages, by wordfreq) is English; otherwise py3langid,
   restricted to those languages, decides when it is confident, else English.
It does not translate or answer; the engine and the policy do.
"""

from __future__ import annotations

import copy
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import Any

from ingest import ZIPF_LANGUAGES, fold, zipf

ENGLISH = "en"
LATIN_LANGUAGES = ZIPF_LANGUAGES  # ("en", "es", ...): wordfreq's lists for these, cut at ZIPF_FLOORS
SCRIPTS = (  # (Unicode name prefix of a letter, language)
    ("CJK", "zh"), ("HIRAGANA", "ja"), ("KATAKANA", "ja"), ("HANGUL", "ko"), ("ARABIC", "ar"),
    ("DEVANAGARI", "hi"), ("CYRILLIC", "ru"), ("GREEK", "el"), ("HEBREW", "he"), ("THAI", "th"),
)
WORD = re.compile(r"[A-Za-z\u00C0-\u024F]+(?:'[A-Za-z\u00C0-\u024F]+)?")  # Latin-script words only
MIN_LETTERS = 2
ENGLISH_WORD_ZIPF = 3.0  # a word at least this frequent in English counts as English
ENGLISH_SHARE = 0.5  # a message with at least this share of English words is English
OTHER_MARGIN = 0.5  # "is" (en 7.1, nl 6.9) is English; "est" (fr 6.2, en 3.3) is not
MIN_CONFIDENCE = 0.8  # py3langid's normalised probability needed to call it another language
MIN_FOREIGN_CONFIDENCE = 0.5  # among the other languages only, when no word was English
SHORT_WORDS = 4  # up to this many words, word frequencies decide instead of py3langid


def _script(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    return next((lang for prefix, lang in SCRIPTS if name.startswith(prefix)), None)


class LanguageDetector:
    def __init__(self, vocabulary: Iterable[str] = ()):
        self.vocabulary = frozenset(vocabulary)
        self._identifiers: dict[bool, object] = {}
        self._lock = threading.Lock()

    def _langid(self, foreign: bool = False) -> Any:
        """py3langid over our Latin-script languages (without English when `foreign`)."""
        with self._lock:  # loaded on first need (~1 s): most messages never get this far
            if not self._identifiers:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                full = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                # The two share the loaded model (~75 MB): set_languages replaces only the
                # copy's own per-language tables.
                for restricted, ident in ((False, full), (True, copy.copy(full))):
                    ident.set_languages(list(LATIN_LANGUAGES[1:] if restricted else LATIN_LANGUAGES))
                    # Only our languages' columns are ever used again: dropping the 142-language
                    # table (27 MB) keeps ~3 MB. set_languages would now choose among these.
                    ident._full_model = (ident.nb_ptc, ident.nb_pc, ident.nb_classes)
                    self._identifiers[restricted] = ident
        return self._identifiers[foreign]

    def english_word(self, word: str) -> bool | None:
        """True for an English word, False for another language's, None for a neutral term."""
        w = fold(word)
        en = zipf(w, "en")
        other = max(zipf(w, lang) for lang in LATIN_LANGUAGES[1:])
        if en >= ENGLISH_WORD_ZIPF and en >= other - OTHER_MARGIN:
            return True
        if w in self.vocabulary and other < ENGLISH_WORD_ZIPF:
            return None  # "als", "emg", "fasciculations": the same in every language
        return False

    def _foreign(self, message: str, words: list[str]) -> str:
        """No English word at all: which other language, or English for gibberish ("asdf qwerty")."""
        if "¿" in message or "¡" in message:
            return "es"
        if len(words) <= SHORT_WORDS:  # too short for n-grams: the language whose words these are
            # (a word below Zipf 2.5 in a language adds nothing: ingest/frequencies.py keeps no rarer words)
            scores = {lang: sum(zipf(w.casefold(), lang) for w in words) for lang in LATIN_LANGUAGES[1:]}
            best = max(scores, key=lambda lang: scores[lang])
            return best if scores[best] >= ENGLISH_WORD_ZIPF * len(words) else ENGLISH
        lang, confidence = self._langid(foreign=True).classify(message)
        return lang if confidence >= MIN_FOREIGN_CONFIDENCE else ENGLISH

    def detect(self, message: str) -> str:
        """An ISO 639-1 code; "en" unless the message is clearly in another language."""
        letters = [ch for ch in message if ch.isalpha()]
        if len(letters) < MIN_LETTERS:
            return ENGLISH
        words = WORD.findall(message)
        neutral = sum(len(w) for w in words if w.casefold() in self.vocabulary and w.isascii())
        scripts = Counter(_script(ch) for ch in letters)
        other = sum(n for lang, n in scripts.items() if lang)
        if other and other * 2 >= len(letters) - neutral:  # "BFS和ALS怎么区分": the terms are neutral
            if scripts["ja"]:
                return "ja"
            return max((lang for lang in scripts if lang), key=lambda lang: scripts[lang])
        judged = [v for v in map(self.english_word, words) if v is not None]
        if not judged or sum(judged) >= ENGLISH_SHARE * len(judged):
            return ENGLISH
        if not any(judged) and len(judged) >= 2:
            return self._foreign(message, [w for w in words if self.english_word(w) is False])
        lang, confidence = self._langid().classify(message)
        return lang if lang != ENGLISH and confidence >= MIN_CONFIDENCE else ENGLISH


class EnglishOnly:
    """The null detector: every message is taken as English (tests that need no detector)."""

    def detect(self, message: str) -> str:
        return ENGLISH
