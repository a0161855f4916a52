"""Medical-safety screen for one medquote chat message.

What it does: `assess(message)` reports three flags about the user's message, using only
the reviewed regex patterns in `answer/redflags.toml` (loaded once, at import):

- emergency: the message describes a possible medical emergency happening now (breathing,
  choking, chest pain, stroke signs, seizure, collapse, severe allergic reaction, overdose);
- crisis: thoughts of suicide or self-harm;
- personal: it asks for a verdict about a specific person ("do I have ALS?", "is it ALS?",
  "what are my chances?").

The message is normalised first (NFKC, casefold, control and zero-width characters removed,
curly quotes straightened and apostrophes dropped, whitespace collapsed, known misspellings
fixed). Emergency matches are then dropped when the sentence is a general question about
people with ALS, or the clause is hypothetical, habitual or in the past - unless the
sentence also has an explicit "now" marker ("right now", "help", "911"...) or the clause says
the onset was sudden (which cancels the hypothetical and habitual checks). Crisis and
personal matches are never dropped this way.

What it does not do: it does not diagnose, rate urgency, call anyone, write text, use a
model or the network, or look at the answer. It is a cautious English keyword screen, not a
triage tool: it will miss wordings nobody wrote a pattern for. `reasons` holds pattern ids
for logs and tests; never show them. It is pure and deterministic, and does not raise on
any `str` (empty, huge, control characters, lone surrogates).
"""

from __future__ import annotations

import bisect
import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from records.text import fold_nfkc

RULES_PATH = Path(__file__).with_name("redflags.toml")
FLAGS = ("emergency", "crisis", "personal")
VETOES = ("generic", "hypothetical", "habitual", "past")
_MARKERS = {"acute", "onset", "anchor", "question", "generic_subject", "hypothetical", "habitual", "past"}


@dataclass(frozen=True)
class Safety:
    emergency: bool  # possible medical emergency happening now
    crisis: bool  # thoughts of suicide or self-harm
    personal: bool  # asks for a personal diagnosis / verdict / prognosis
    reasons: tuple[str, ...] = ()  # ids of the patterns that fired (logs/tests; never shown)
    # Flags raised only by patterns marked `confirm` (a word as often figurative as not: "my wifi
    # collapsed", "career suicide"): the classifier must agree, at its floor (see combine).
    tentative: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Pattern:
    id: str
    flag: str
    vetoes: frozenset[str]
    regex: re.Pattern[str]
    confirm: bool = False


def _expand(regex: str, macros: dict[str, str]) -> str:
    for _ in range(5):  # macros may use macros; unknown names raise KeyError at import
        expanded = re.sub(r"%([A-Z0-9_]+)%", lambda m: macros[m.group(1)], regex)
        if expanded == regex:
            return expanded
        regex = expanded
    raise ValueError("redflags.toml: macros nested too deeply")


def _load(path: Path = RULES_PATH) -> dict[str, Any]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    macros = data.get("macros", {})
    typos = data["typos"]
    if _MARKERS - set(data["vetoes"]):
        raise ValueError(f"redflags.toml: [vetoes] lacks {sorted(_MARKERS - set(data['vetoes']))}")
    rules = {
        "version": data["version"],
        "typos": typos,
        "typo_re": re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(typos, key=len, reverse=True))) + r")\b"),
        "fuzzy_words": tuple(data["fuzzy"]["words"]),
        "fuzzy_keep": frozenset(data["fuzzy"]["keep"]),
        "fuzzy_re": re.compile(r"[^\W\d_]{" + str(int(data["fuzzy"]["min_length"])) + ",}"),
        **{name: re.compile(_expand(rx, macros)) for name, rx in data["vetoes"].items()},
        "patterns": [],
    }
    for entry in data["pattern"]:
        vetoes = frozenset(entry.get("vetoes", data["defaults"].get(entry.get("flag"), ["?"])))
        if entry.get("flag") not in FLAGS or not vetoes <= set(VETOES) or not entry.get("why"):
            raise ValueError(f"redflags.toml: bad pattern {entry.get('id')!r}")
        rules["patterns"].append(_Pattern(entry["id"], entry["flag"], vetoes, re.compile(_expand(entry["re"], macros)),
                                          bool(entry.get("confirm", False))))
    if len({p.id for p in rules["patterns"]}) != len(rules["patterns"]):
        raise ValueError("redflags.toml: duplicate pattern id")
    return rules


_RULES = _load()
RULES_VERSION: str = _RULES["version"]

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
                         "\u00b4": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"'})
_SENTENCE_END = re.compile(r"[.!?]+")
_CLAUSE_END = re.compile(r"[.!?,;:]+| (?:and|but|so|then|because|or) ")


def _one_edit(word: str, target: str) -> bool:
    """True if `word` is one insertion, deletion or adjacent swap away from `target`."""
    if abs(len(word) - len(target)) > 1 or word == target:
        return False
    if len(word) == len(target):
        diff = [i for i, (a, b) in enumerate(zip(word, target, strict=False)) if a != b]
        return len(diff) == 2 and diff[1] == diff[0] + 1 and word[diff[0]] == target[diff[1]] and word[diff[1]] == target[diff[0]]
    short, long_ = sorted((word, target), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


@lru_cache(maxsize=8192)
def _fuzzy(word: str) -> str:
    if word not in _RULES["fuzzy_keep"]:
        for target in _RULES["fuzzy_words"]:
            if _one_edit(word, target):
                return str(target)
    return word


def normalise(message: str) -> str:
    """The text the patterns see (see the header of redflags.toml)."""
    if not isinstance(message, str):
        message = "" if message is None else str(message)
    text = "".join(ch for ch in message if not "\ud800" <= ch <= "\udfff")  # lone surrogates
    text = fold_nfkc(text).translate(_QUOTES)  # every other quote mark straightened too
    text = re.sub(r"[\r\n\u2028\u2029\x85]+", " . ", text)  # a line break ends a sentence
    text = "".join(" " if ch.isspace() else ch for ch in text if ch.isspace() or unicodedata.category(ch)[0] != "C")
    text = re.sub(r"[^\w\s.!?,;:]|_", " ", text.replace("'", ""))
    text = re.sub(r"\s+", " ", text).strip()
    text = _RULES["typo_re"].sub(lambda m: _RULES["typos"][m.group(0)], text)
    return str(_RULES["fuzzy_re"].sub(lambda m: _fuzzy(m.group(0)), text))


class _Context:
    """Sentence and clause spans of one normalised message, with cached veto checks."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.cache: dict[tuple[str, tuple[int, int]], bool] = {}
        self.bounds: dict[str, tuple[list[int], list[int]]] = {}
        for kind, rx in (("sentence", _SENTENCE_END), ("clause", _CLAUSE_END)):
            spans = [m.span() for m in rx.finditer(text)]
            self.bounds[kind] = ([s for s, _ in spans], [e for _, e in spans])

    def span(self, kind: str, start: int, end: int) -> tuple[int, int]:
        starts, ends = self.bounds[kind]
        k = bisect.bisect_right(ends, start)
        j = bisect.bisect_left(starts, end)
        return (ends[k - 1] if k else 0, starts[j] if j < len(starts) else len(self.text))

    def has(self, rule: str, span: tuple[int, int]) -> bool:
        key = (rule, span)
        if key not in self.cache:
            self.cache[key] = _RULES[rule].search(self.text[span[0]:span[1]]) is not None
        return self.cache[key]


def _vetoed(match: re.Match[str], vetoes: frozenset[str], ctx: _Context) -> bool:
    sentence = ctx.span("sentence", *match.span())
    if ctx.has("acute", sentence):
        return False
    if "generic" in vetoes and not ctx.has("anchor", sentence) and (
            ctx.has("question", sentence) or ctx.has("generic_subject", sentence)):
        return True
    if "past" in vetoes and ctx.has("past", sentence):
        return True
    clause = ctx.span("clause", *match.span())
    if ctx.has("onset", clause):
        return False
    return any(name in vetoes and ctx.has(name, clause) for name in ("hypothetical", "habitual"))


def calm(message: str) -> bool:
    """The rules' vetoes for a whole message or one of its clauses, for the classifier's emergency
    (kept_emergency, then combine): no "now" marker and no sudden
    onset, and a hypothetical or habitual clause or a general question about no one in particular
    ("when I stand up too fast", "will my dad eventually need..."). A past-tense veto is not
    used here: "the kid drank lamp oil" is past and still an emergency."""
    ctx = _Context(normalise(message))
    whole = (0, len(ctx.text))
    if ctx.has("acute", whole) or ctx.has("onset", whole):
        return False
    generic = ctx.has("question", whole) and not ctx.has("anchor", whole)
    return generic or ctx.has("hypothetical", whole) or ctx.has("habitual", whole)


def kept_emergency(message: str, clauses: Sequence[str], emergency: Sequence[float]) -> float:
    """The classifier's emergency probability that stands (combine): `emergency` holds the
    message's, then each of its `clauses`'. For a message that is not `calm`, the highest of
    them; for a calm one, the highest over its clauses that are not calm themselves. A long post
    full of habits ("my calves twitch every evening") is calm as a whole, and judging it only as
    a whole dropped the emergency it ends with ("since ten minutes ago I can't get a breath in").
    0.0 when every part is calm."""
    if len(emergency) != len(clauses) + 1:
        raise ValueError("kept_emergency needs one probability for the message and one per clause")
    if not calm(message):
        return max(emergency, default=0.0)
    # Highest first, so that usually one clause is read (calm runs the rules' regexes).
    for p, c in sorted(zip(emergency[1:], clauses, strict=True), key=lambda pc: -pc[0]):
        if not calm(c):
            return p
    return 0.0


def assess(message: str) -> Safety:
    """Flag one user message. Deterministic; never raises on a str."""
    ctx = _Context(normalise(message))
    reasons: list[str] = []
    fired: set[str] = set()
    firm: set[str] = set()
    for pattern in _RULES["patterns"]:
        for match in pattern.regex.finditer(ctx.text):
            if not pattern.vetoes or not _vetoed(match, pattern.vetoes, ctx):
                reasons.append(pattern.id)
                fired.add(pattern.flag)
                if not pattern.confirm:
                    firm.add(pattern.flag)
                break
    tentative = tuple(f for f in FLAGS if f in fired - firm)
    return Safety("emergency" in fired, "crisis" in fired, "personal" in fired, tuple(reasons), tentative)


def combine(rules: Safety, scores: tuple[float, float, float] | None, thresholds: tuple[float, float, float],
            kept: float | None = None, floors: tuple[float, float, float] = (0.0, 0.0, 0.0),
            with_crisis: float = 2.0) -> Safety:
    """The one safety verdict: the rules (a floor for explicit phrases) OR the trained
    classifier's probabilities (emergency, crisis, personal; the highest over the message and
    its clauses) at or over their calibrated thresholds. A flag the rules raise only through
    `confirm` patterns (Safety.tentative) stands only if the classifier gives it at least its
    `floors` value, far below the threshold. The classifier's emergency is judged on `kept`
    (`kept_emergency`: calm parts of a message, hypothetical, habitual or general talk without a
    "now" marker, do not count; None: every part counts); crisis and personal never are
    dropped. A crisis verdict (rules or classifier) also raises the emergency when the
    classifier's emergency probability (judged as above) reaches `with_crisis`, a second, lower
    threshold: pills already taken are a crisis and an emergency, and the crisis notice alone
    does not put "call now" first (2.0: off). `scores` None: the rules alone, tentative flags included.
    Pure; used by the engine and by the calibration alike, so what is calibrated is what is served."""
    if scores is None:
        return rules
    model = [s >= t for s, t in zip(scores, thresholds, strict=True)]
    if kept is not None:
        model[0] = kept >= thresholds[0]
    ruled = [getattr(rules, f) and (f not in rules.tentative or s >= floor)
             for f, s, floor in zip(FLAGS, scores, floors, strict=True)]
    names = [f"model:{flag}" for flag, on in zip(FLAGS, model, strict=True) if on]
    on = [a or b for a, b in zip(ruled, model, strict=True)]
    if on[1] and not on[0] and (scores[0] if kept is None else kept) >= with_crisis:
        on[0] = True
        names.append("model:emergency_with_crisis")
    return Safety(on[0], on[1], on[2], rules.reasons + tuple(names))
