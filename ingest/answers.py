"""Which sentences can be an answer: a question, a greeting, a sign-off, a "let's address your
concerns" transition or a list header ("...include:") never is. And which sentences of a
doctor's reply or extended answer speak to the original asker about their own case.

These rules judge one sentence's text only (generic patterns, no per-document offsets). The
index uses them so that such a sentence is never highlighted, and a passage made only of
them (or an asker's own question) is never shown as a quote by itself: `quotable(chunk)`.
It does not decide what is boilerplate; see boilerplate.py.
"""

from __future__ import annotations

import re

from records.text import fold

from .records import Chunk, ChunkKind
from .text import chunk_sentence_texts, reading_grade

_CLOSERS = "\"'”’)] "  # a question may end in a closing quote or bracket
GREETING = re.compile(r"^(hello|hi|hey|dear|greetings|good (morning|afternoon|evening))\b", re.I)
SIGN_OFF = re.compile(
    r"^(wishing you|best wishes|best regards|kind regards|regards|sincerely|take care|thank you|thanks)\b"
    r"|\bcares about you\b|^dr\.?$",
    re.I,
)
TRANSITION = re.compile(
    r"^(let's|let us|let me|i will|i'll|i would like to|i'd like to|to address)\b.{0,40}"
    r"\b(address|answer|explain|discuss|go through|break down|clarify)\b",
    re.I,
)
# A sentence written to the original asker about their own case. Used only on the Q&A parts
# written in reply to someone (reply, more_info): in an article, "your muscles" is generic.
TO_ASKER = re.compile(
    r"\b(based on|given|regarding|about) your\b|\bin your case\b"
    r"|\byou (mentioned|described|noted|reported|are concerned|have (experienced|described|noticed|mentioned))\b"
    r"|\byour (symptoms?|situation|case|description|history|concerns?|condition|twitch\w*|muscle twitches|palm|"
    r"(left|right) (hand|arm|leg|palm)|anxiety|test results|clinical presentation|neck|calf|health|inquiry|question)\b"
    r"|^dear (mr|mrs|ms|miss|dr)\b",
    re.I,
)
MAX_GREETING_WORDS = 4  # "Hello, doctor." is a greeting; "Hello: The ALS you are ..." carries an answer


def non_answer(sentence: str) -> str | None:
    """Why this sentence answers nothing ("question", "header", "greeting", "sign-off",
    "transition"), or None when it may answer."""
    text = sentence.strip()
    if text.rstrip(_CLOSERS).endswith("?"):
        return "question"
    if text.endswith(":"):
        return "header"
    if GREETING.match(text) and len(text.split()) <= MAX_GREETING_WORDS:
        return "greeting"
    if SIGN_OFF.search(text):
        return "sign-off"
    if TRANSITION.match(text):
        return "transition"
    return None


def speaks_to_asker(sentence: str) -> bool:
    """The sentence addresses the original asker's own case ("your symptoms", "you mentioned")."""
    return bool(TO_ASKER.search(sentence))


# Phrases that would read as a verdict or reassurance. Fixed strings and the bank questions
# offered as "related questions" must contain none (tests/test_strings.py uses this list too).
VERDICT_PHRASES = (
    "you don't have", "you do not have", "you dont have", "nothing to worry about", "it's not als",
    "it is not als", "its not als", "not als", "you are fine", "you're fine", "don't worry", "do not worry",
    "no need to worry", "you have als", "you may have", "you might have", "you probably", "you likely",
    "harmless", "benign", "you will be ok", "you'll be ok", "you will be fine", "you'll be fine",
    "you are healthy", "you're healthy", "you are safe", "you're safe", "it's just anxiety", "just anxiety",
    "probably nothing", "it's nothing", "it is nothing", "not serious", "unlikely", "rest assured",
    "reassure", "reassuring", "rule out", "ruled out", "good news", "bad news", "prognosis", "survival", "cure",
)
_VERDICT = re.compile(r"\b(" + "|".join(re.escape(p) for p in VERDICT_PHRASES) + r")\b")
_PERSONAL = re.compile(r"\b(i|i'm|im|i've|ive|i'd|me|my|mine|myself|we|our|us)\b")
MAX_GRADE = 8  # the readability ceiling of the fixed strings (Flesch-Kincaid grade)


def general_form(question: str) -> bool:
    """A bank question fit to offer anyone as a "related question": a well-formed general question
    (capital letter, question mark, 4-14 words), about no one in particular, no verdict or
    reassurance phrase, and readable at grade 8 or below."""
    q = question.strip()
    text = fold(q)
    n = len(q.split())
    return (
        q[:1].isupper() and q.endswith("?") and 4 <= n <= 14 and not _PERSONAL.search(text)
        and not _VERDICT.search(text) and reading_grade(q) <= MAX_GRADE
    )


def answers_nothing(chunk: Chunk, sentences: list[str]) -> bool:
    """An asker's own question, or a passage whose every sentence is a non-answer."""
    return chunk.kind == ChunkKind.QUESTION or all(non_answer(s) for s in sentences)


def quotable(chunk: Chunk) -> bool:
    """The chunk answers something: it may be shown as a quote (answers_nothing over its own
    sentences, as the chunker cut them)."""
    return not answers_nothing(chunk, chunk_sentence_texts(chunk))
