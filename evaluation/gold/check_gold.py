#!/usr/bin/env python3
"""Check the evaluation gold files: every evaluation/gold/*.jsonl, or the files named.

Run: python evaluation/gold/check_gold.py [FILE ...]   (`make lint` runs it over every file).
Prints "ERROR: file:line (id): what is wrong; the fix" per problem and exits 1 if there is one;
warnings are printed and do not fail. A broken corpus or unreadable file is one line, not a trace.

Fields and types are evaluation/gold.py's (`read_gold`, the reader `medquote eval` uses), so
the two cannot disagree; this adds the reviewer's rules:
  * a question is not blank and not asked twice (same earlier messages, same words) in a file,
    nor again anywhere after a split we tuned on (dev, followups);
  * answerable <=> relevant is non-empty; emergency/crisis => not answerable and tagged so; tags
    are known and agree with the flags (a follow-up row's tags describe the follow-up instead);
  * every relevant doc is a corpus document, and every `contains` (whitespace-collapsed and
    casefolded, as metrics.py matches it) lies inside ONE passage that ingest indexes
    (`chunk_corpus`): not in boilerplate or a heading, never indexed, nor across two passages;
    within one line; 15-220 characters unless it is a whole sentence or list item;
  * a known split's ids carry its prefix; dev and heldout keep their minimum counts.
It does not judge whether the cited words answer the question, and loads no model.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:  # run as a file, the repo root is not on the path
    sys.path.insert(0, str(ROOT))

from evaluation.gold import GoldError, GoldLine, GoldQuestion, read_gold  # noqa: E402
from evaluation.metrics import gold_spans  # noqa: E402
from ingest import Chunk, Document, chunk_corpus, collapse, find_boilerplate  # noqa: E402
from records import MedquoteError  # noqa: E402

CORPUS = ROOT / "corpus"
NOT_ANSWERABLE_TAGS = frozenset({"unanswerable", "not-covered", "off-topic", "gibberish", "injection", "dose", "other-disease"})
URGENT_TAGS = frozenset({"emergency", "crisis"})
TAGS = NOT_ANSWERABLE_TAGS | URGENT_TAGS | {
    "paraphrase", "lay-terms", "clinical-terms", "clinical", "typo", "first-person", "short", "long", "multi-doc", "personal",
    "list-item", "adversarial", "story", "number", "keywords", "negation", "named-test",  # the blind sets'
    "pronoun", "why", "ellipsis", "two-back", "topic-shift", "what-about", "new-word", "standalone-after-unrelated",  # follow-ups'
}
MIN_CONTAINS, MAX_CONTAINS = 15, 220  # an error outside, unless a whole sentence or list item
SOFT_MIN_CONTAINS, SOFT_MAX_CONTAINS = 25, 170  # a warning outside, with the same exception


@dataclass(frozen=True)
class Split:
    prefix: str
    tuned: bool = False  # we tuned on it: its questions must not be scored again in another split
    minimums: Mapping[str, int] = field(default_factory=dict)  # with minimums, every document is cited


SPLITS = {
    "dev": Split("d", True, {"questions": 75, "answerable": 52, "not answerable": 18, "emergency": 5, "crisis": 1}),
    "heldout": Split("h", False, {"questions": 38, "answerable": 27, "not answerable": 9, "emergency": 2}),
    "blind": Split("b"), "blind2": Split("c"), "followups": Split("f", True), "followups2": Split("g"),
    "blind3": Split("e"), "followups3": Split("k"), "blind4": Split("p"), "followups4": Split("q"), "followups5": Split("r"),
    "blind5": Split("s"), "followups6": Split("t"), "followups7": Split("w"), "blind6": Split("v"), "followups8": Split("x"),
    "blind7": Split("z"), "followups9": Split("j"),
    "notcovered": Split("n", True), "followups_notcovered": Split("u", True), "dev_users": Split("y", True),
}
NO_SPLIT = Split("")


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class Corpus:
    """The documents and the passages ingest indexes, matched the way metrics.py matches."""

    def __init__(self, corpus_dir: Path) -> None:
        docs, chunks = chunk_corpus(corpus_dir)
        self.docs: dict[str, Document] = {d.doc_id: d for d in docs}
        self.chunks: dict[str, list[Chunk]] = {d.doc_id: [c for c in chunks if c.doc_id == d.doc_id] for d in docs}

    def lines_with(self, doc_id: str, n: str) -> list[str]:
        """The lines of doc_id's passages that hold collapsed text n (all lines of each passage)."""
        return [line for c in self.chunks[doc_id] if n in collapse(c.text) for line in c.text.split("\n")]

    def problem(self, doc_id: str, contains: str) -> str | None:
        """Why `contains` is no usable target in doc_id, with the fix; None when it is one."""
        n = collapse(contains)
        lines = self.lines_with(doc_id, n)
        if not lines:
            return self._outside(doc_id, contains) or f"not found in {doc_id}; copy the exact words from corpus/{Path(self.docs[doc_id].path).name}"
        if not any(n in collapse(line) for line in lines):
            return f"crosses a line break in {doc_id}; cite the words of one line (one entry per line)"
        if not MIN_CONTAINS <= len(n) <= MAX_CONTAINS and not whole_item(n, lines):
            return f"is {len(n)} characters; cite {MIN_CONTAINS}-{MAX_CONTAINS}, or one whole sentence or list item"
        return None

    def loose(self, doc_id: str, contains: str) -> bool:
        n = collapse(contains)
        return not SOFT_MIN_CONTAINS <= len(n) <= SOFT_MAX_CONTAINS and not whole_item(n, self.lines_with(doc_id, n))

    def _outside(self, doc_id: str, contains: str) -> str | None:
        """Why words found in the document's text are in none of its passages (None: not found)."""
        spans = gold_spans(self.docs[doc_id].raw, contains)
        if not spans:
            return None
        start, end = spans[0]
        if sum(c.start < end and c.end > start for c in self.chunks[doc_id]) > 1:
            return f"runs across two passages of {doc_id}; cite the words of one passage (one entry each)"
        reasons = [str(s.reason) for s in find_boilerplate(self.docs[doc_id].raw) if s.start < end and s.end > start]
        where = f"{doc_id}'s {reasons[0]} boilerplate" if reasons else f"a title or heading of {doc_id}"
        elsewhere = [d for d in sorted(self.docs) if d != doc_id and self.lines_with(d, collapse(contains))]
        fix = f"the words are indexed in {elsewhere[0]}: cite that doc instead (once)" if elsewhere else "no passage has these words: drop the entry"
        return f"is in {where}, which is never indexed; {fix}"


@cache  # chunking the corpus takes a second; the tests call main() many times
def load_corpus(corpus_dir: Path) -> Corpus:
    return Corpus(corpus_dir)


def whole_item(n: str, lines: Iterable[str]) -> bool:
    """True if collapsed text n is an entire line, list item or sentence of one of the lines."""
    core = n.rstrip(".")
    sentence = re.compile(r"(?:^|[.!?:] )" + re.escape(core) + r"[.!?]?(?: |$)")
    return any(collapse(line).lstrip("•–-* ").rstrip(".") == core or sentence.search(collapse(line)) for line in lines)


def row_problems(q: GoldQuestion) -> list[str]:
    """The rules on one question's text, flags and tags."""
    urgent, tags = q.emergency or q.crisis, set(q.tags)
    alone = not q.previous  # a follow-up row's tags describe the follow-up, not the kind of question
    checks = [
        (not q.question.strip(), "blank question; write it"),
        (not all(p.strip() for p in q.previous), "blank earlier message in 'previous'; write it or drop it"),
        (q.answerable != bool(q.relevant), f"answerable={q.answerable} with {len(q.relevant)} relevant entries; cite passages if and only if answerable"),
        (urgent and q.answerable, "an emergency/crisis question is answerable=false; set it and empty 'relevant'"),
        (urgent and not tags & URGENT_TAGS, "an emergency/crisis question needs the tag 'emergency' or 'crisis'"),
        (not urgent and bool(tags & URGENT_TAGS), "tagged emergency/crisis but neither flag is true; set 'emergency' or drop the tag"),
        (q.answerable and bool(tags & NOT_ANSWERABLE_TAGS), f"answerable but tagged {sorted(tags & NOT_ANSWERABLE_TAGS)}; drop the tag"),
        (alone and not (q.answerable or urgent or tags & NOT_ANSWERABLE_TAGS), "not answerable: tag it 'unanswerable' or 'not-covered'"),
        (len(tags) != len(q.tags), "a tag is repeated; list each once"),
        ("multi-doc" in tags and len({r.doc for r in q.relevant}) < 2, "tagged multi-doc but cites one document; cite two or drop the tag"),
    ]
    unknown = [f"unknown tag {t!r}; use one from TAGS in evaluation/gold/check_gold.py" for t in sorted(tags - TAGS)]
    return [message for failed, message in checks if failed] + unknown


def check_line(line: GoldLine, corpus: Corpus, report: Report) -> None:
    q, where = line.question, f"{line.where} ({line.question.id})"
    report.errors += [f"{where}: {message}" for message in row_problems(q)]
    if len({r.doc for r in q.relevant}) > 1 and "multi-doc" not in q.tags and not q.previous:
        report.warnings.append(f"{where}: cites several documents but is not tagged multi-doc")
    seen: set[tuple[str, str]] = set()
    for k, r in enumerate(q.relevant):
        at, key = f"{where} relevant[{k}]", (r.doc, collapse(r.contains))
        if r.doc not in corpus.docs:
            report.errors.append(f"{at}: unknown doc {r.doc!r}; use a file stem from corpus/: {', '.join(sorted(corpus.docs))}")
        elif key in seen:
            report.errors.append(f"{at}: the same doc and contains as an earlier entry; drop one")
        elif problem := corpus.problem(r.doc, r.contains):
            report.errors.append(f"{at}: contains {problem}: {r.contains!r}")
        elif corpus.loose(r.doc, r.contains):
            report.warnings.append(f"{at}: contains is {len(key[1])} characters, a loose target: {r.contains!r}")
        seen.add(key)


def counts_of(questions: Iterable[GoldQuestion]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for q in questions:
        kind = "emergency" if q.emergency or q.crisis else "answerable" if q.answerable else "not answerable"
        counts.update(["questions", kind] + ["crisis"] * (q.crisis or "crisis" in q.tags))
    return counts


def check_split(name: str, lines: Sequence[GoldLine], corpus: Corpus, report: Report) -> None:
    split = SPLITS.get(Path(name).stem, NO_SPLIT)
    report.errors += [f"{ln.where} ({ln.question.id}): id should be {split.prefix!r} and three digits" for ln in lines
                      if split.prefix and not re.fullmatch(split.prefix + r"\d{3}", ln.question.id)]
    counts, cited = counts_of(ln.question for ln in lines), {r.doc for ln in lines for r in ln.question.relevant}
    report.errors += [f"{name}: only {counts[key]} {key}, at least {least} needed; add some" for key, least in split.minimums.items() if counts[key] < least]
    report.errors += [f"{name}: no question cites {d}; add one" for d in sorted(corpus.docs) if split.minimums and d not in cited]
    print(f"{name}: {counts['questions']} questions: {counts['answerable']} answerable, {counts['not answerable']} not answerable, "
          f"{counts['emergency']} emergency/crisis")


def check_duplicates(files: Mapping[str, Sequence[GoldLine]], report: Report) -> None:
    """A repeat within a file, or of a tuned-on split's question, is an error; any other a warning."""
    tuned = {name for name in files if SPLITS.get(Path(name).stem, NO_SPLIT).tuned}
    first: dict[tuple[tuple[str, ...], str], tuple[str, GoldLine]] = {}
    for name in sorted(files, key=lambda n: n not in tuned):  # tuned splits first, so the repeat named is the scored one
        for line in files[name]:
            key = (tuple(collapse(p) for p in line.question.previous), collapse(line.question.question))
            other_name, other = first.setdefault(key, (name, line))
            message = f"{line.where} ({line.question.id}): the same question as {other.where} ({other.question.id})"
            if other is line:
                continue
            if other_name == name:
                report.errors.append(message + "; reword or drop one")
            elif other_name in tuned:
                report.errors.append(message + ", a split we tuned on; reword or drop this one (it must not be scored again)")
            else:
                report.warnings.append(message)


def read(path: Path, report: Report) -> list[GoldLine]:
    try:
        lines, problems = read_gold(path)
    except GoldError as exc:  # the file cannot be read
        lines, problems = [], [exc]
    report.errors += [str(p) for p in problems]
    return lines


def shown(path: Path) -> Path:
    """The path as typed from the working directory, when the file is under it."""
    return path.resolve().relative_to(Path.cwd()) if path.resolve().is_relative_to(Path.cwd()) else path


def main(argv: Sequence[str] | None = None) -> int:
    names = sys.argv[1:] if argv is None else argv
    paths = [shown(Path(a)) for a in names] or [shown(p) for p in sorted(HERE.glob("*.jsonl"))]
    report = Report()
    try:
        corpus = load_corpus(CORPUS)
    except MedquoteError as exc:
        print(f"ERROR: {exc}")
        return 1
    files: dict[str, list[GoldLine]] = {}
    for path in paths:
        files[str(path)] = lines = read(path, report)
        for line in lines:
            check_line(line, corpus, report)
        if lines:  # an unreadable file is one error, not a list of missing questions too
            check_split(str(path), lines, corpus, report)
    check_duplicates(files, report)
    for message in [f"WARNING: {w}" for w in report.warnings] + [f"ERROR: {e}" for e in report.errors]:
        print(message)
    print(f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)")
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
