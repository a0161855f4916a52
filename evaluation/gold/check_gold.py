#!/usr/bin/env python3
"""Validate the medquote evaluation gold sets (dev.jsonl and heldout.jsonl).

Run from anywhere:  .venv/bin/python evaluation/gold/check_gold.py
Stdlib only.  Exits non-zero if any error is found; warnings do not fail.

Checks:
  * every line is one JSON object with the required keys and types
  * ids are unique (d### in dev, h### in heldout) and questions are not duplicated
  * answerable <=> non-empty relevant; emergency => not answerable
  * tags come from the allowed vocabulary and are consistent with the flags
  * every relevant doc exists in corpus/ and every `contains` is found in it
    (whitespace-collapsed + casefolded), inside ONE raw line (never spans a
    line break), does not span a sentence boundary, has a sensible length,
    and lies in indexed content -- not in boilerplate (site chrome, titles,
    asker/date/byline lines, the "Similar Q&A" tail of 001-003, the
    "References" tail of 004, ...)
  * minimum per-split counts
Then prints per-split statistics.
"""

from __future__ import annotations

import collections
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = ROOT / "corpus"

SPLITS = {
    # name: (file, id prefix, min total, min answerable, min unanswerable (non-emergency), min emergency)
    "dev": (HERE / "dev.jsonl", "d", 75, 52, 18, 5),
    "heldout": (HERE / "heldout.jsonl", "h", 38, 27, 9, 2),
}

REQUIRED = {
    "id": str,
    "question": str,
    "answerable": bool,
    "emergency": bool,
    "relevant": list,
    "tags": list,
}

ALLOWED_TAGS = {
    "paraphrase", "lay-terms", "clinical-terms", "typo", "first-person", "short", "long",
    "multi-doc", "unanswerable", "off-topic", "gibberish", "injection", "dose",
    "other-disease", "emergency", "crisis", "personal",
}
UNANSWERABLE_ONLY_TAGS = {"unanswerable", "off-topic", "gibberish", "injection", "dose", "other-disease"}

MIN_CONTAINS, MAX_CONTAINS = 15, 220          # hard limits (normalised chars)
SOFT_MIN_CONTAINS, SOFT_MAX_CONTAINS = 25, 170  # warn outside this range

# Lines that are never indexed (matched against the stripped raw line).
BOILER_EXACT = {
    "skip to content",
    "share to:",
    "more info",
    "are muscle twitches a symptom of ms or als? (1)",
}
BOILER_RE = [
    re.compile(r"\d+~\d+ year old .*ask date:", re.I),          # asker line
    re.compile(r"^reply date:", re.I),
    re.compile(r"^dr\. .+ reply \w+", re.I),                      # "Dr. X reply Neurology"
    re.compile(r"^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{1,2}, \d{4}$", re.I),
    re.compile(r"^\[read more\]", re.I),
    re.compile(r"›\s*$"),                                          # FAQ question headings in 004
]
# Everything from this line (stripped, casefolded) to the end of the document is boilerplate.
TAIL_MARKERS = {"similar q&a", "references"}

# Sentence boundary inside a `contains`: ". X" / "? X" / "! X", except after common abbreviations.
SENT_BOUNDARY = re.compile(r"(?<!\bDr)(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<!\bMr)(?<!\bvs)[.!?]\s+[A-Z0-9\"“(]")


def norm(s: str) -> str:
    return " ".join(s.split()).casefold()


class Doc:
    def __init__(self, path: Path):
        self.id = path.stem
        self.raw = path.read_text(encoding="utf-8")
        self.lines = self.raw.split("\n")
        self.norm_lines = [norm(ln) for ln in self.lines]
        self.norm_all = norm(self.raw)
        self.boiler = self._boilerplate_mask()

    def _boilerplate_mask(self) -> list[bool]:
        mask = [False] * len(self.lines)
        stripped = [ln.strip() for ln in self.lines]
        # tail regions
        for i, s in enumerate(stripped):
            if s.casefold() in TAIL_MARKERS:
                for j in range(i, len(mask)):
                    mask[j] = True
                break
        # title lines: first real line, any repetition of it, and the Q&A question title
        nonempty = [i for i, s in enumerate(stripped) if s and s.casefold() not in BOILER_EXACT]
        if nonempty:
            title = stripped[nonempty[0]]
            for i, s in enumerate(stripped):
                if s == title:
                    mask[i] = True
        for i, s in enumerate(stripped):
            if s.casefold() == "share to:":  # Q&A pages: next non-empty line is the question title
                for j in range(i + 1, len(stripped)):
                    if stripped[j]:
                        mask[j] = True
                        break
        for i, s in enumerate(stripped):
            if s.casefold() in BOILER_EXACT or any(r.search(s) for r in BOILER_RE):
                mask[i] = True
        return mask

    def is_whole_item(self, n: str) -> bool:
        """True if normalised text n is an entire bullet/list line or an entire sentence of the document."""
        core = n.rstrip(".")
        sentence = re.compile(r"(?:^|[.!?:] )" + re.escape(core) + r"[.!?]?(?: |$)")
        for i, ln in enumerate(self.norm_lines):
            if self.boiler[i]:
                continue
            if ln.lstrip("•–- ").rstrip(".") == core or sentence.search(ln):
                return True
        return False

    def heading_like(self, i: int) -> bool:
        """A short stand-alone line without sentence punctuation (section heading)."""
        s = self.lines[i].strip()
        if not s or s.startswith(("•", "–", "-")):
            return False
        prev_blank = i == 0 or not self.lines[i - 1].strip()
        next_blank = i + 1 >= len(self.lines) or not self.lines[i + 1].strip()
        return prev_blank and next_blank and len(s.split()) <= 10 and not s.endswith((".", ":", ","))


def load_corpus() -> dict[str, Doc]:
    docs = {}
    for p in sorted(CORPUS.glob("*.txt")):
        docs[p.stem] = Doc(p)
    return docs


def check_contains(doc: Doc, contains: str, where: str, errors: list, warnings: list) -> None:
    if "\n" in contains or "\r" in contains:
        errors.append(f"{where}: contains has a line break")
        return
    n = norm(contains)
    if not n:
        errors.append(f"{where}: empty contains")
        return
    if not (MIN_CONTAINS <= len(n) <= MAX_CONTAINS):
        errors.append(f"{where}: contains length {len(n)} outside [{MIN_CONTAINS}, {MAX_CONTAINS}]")
    elif not (SOFT_MIN_CONTAINS <= len(n) <= SOFT_MAX_CONTAINS) and not doc.is_whole_item(n):
        warnings.append(f"{where}: contains length {len(n)} outside soft range "
                        f"[{SOFT_MIN_CONTAINS}, {SOFT_MAX_CONTAINS}]: {contains!r}")
    if n not in doc.norm_all:
        errors.append(f"{where}: contains not found in {doc.id}: {contains!r}")
        return
    hits = [i for i, ln in enumerate(doc.norm_lines) if n in ln]
    if not hits:
        errors.append(f"{where}: contains crosses a line break in {doc.id}: {contains!r}")
        return
    boiler_hits = [i + 1 for i in hits if doc.boiler[i]]
    if boiler_hits:
        errors.append(f"{where}: contains occurs in boilerplate of {doc.id} (line(s) {boiler_hits}): {contains!r}")
    content_hits = [i for i in hits if not doc.boiler[i]]
    if content_hits and all(doc.heading_like(i) for i in content_hits):
        warnings.append(f"{where}: contains only matches heading-like line(s) "
                        f"{[i + 1 for i in content_hits]} in {doc.id}: {contains!r}")
    if SENT_BOUNDARY.search(" ".join(contains.split())):
        errors.append(f"{where}: contains seems to span a sentence boundary: {contains!r}")


def check_split(name: str, docs: dict[str, Doc], errors: list, warnings: list, seen_questions: dict):
    path, prefix, min_total, min_ans, min_unans, min_emerg = SPLITS[name]
    stats = {
        "total": 0, "answerable": 0, "unanswerable": 0, "emergency": 0,
        "doc_questions": collections.Counter(), "doc_passages": collections.Counter(),
        "tags": collections.Counter(), "relevant_per_q": [],
    }
    if not path.exists():
        errors.append(f"{name}: missing file {path}")
        return stats
    ids = set()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if not line.strip():
            continue
        where = f"{path.name}:{lineno}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"{where}: invalid JSON ({e})")
            continue
        if not isinstance(rec, dict):
            errors.append(f"{where}: not a JSON object")
            continue
        bad = False
        for k, t in REQUIRED.items():
            if k not in rec:
                errors.append(f"{where}: missing key {k!r}")
                bad = True
            elif not isinstance(rec[k], t):
                errors.append(f"{where}: key {k!r} should be {t.__name__}")
                bad = True
        extra = set(rec) - set(REQUIRED)
        if extra:
            warnings.append(f"{where}: unexpected keys {sorted(extra)}")
        if bad:
            continue
        rid = rec["id"]
        where = f"{path.name}:{lineno} ({rid})"
        stats["total"] += 1
        if not re.fullmatch(prefix + r"\d{3}", rid):
            errors.append(f"{where}: id should look like {prefix}001")
        if rid in ids:
            errors.append(f"{where}: duplicate id")
        ids.add(rid)
        q = rec["question"].strip()
        if not q:
            errors.append(f"{where}: empty question")
        nq = norm(q)
        if nq in seen_questions:
            errors.append(f"{where}: duplicate question (also {seen_questions[nq]})")
        seen_questions[nq] = rid

        tags = rec["tags"]
        if not all(isinstance(t, str) for t in tags):
            errors.append(f"{where}: tags must be strings")
            tags = [t for t in tags if isinstance(t, str)]
        for t in tags:
            if t not in ALLOWED_TAGS:
                errors.append(f"{where}: unknown tag {t!r}")
        if len(set(tags)) != len(tags):
            errors.append(f"{where}: duplicate tags")
        stats["tags"].update(set(tags))

        ans, emerg, rel = rec["answerable"], rec["emergency"], rec["relevant"]
        if ans != bool(rel):
            errors.append(f"{where}: answerable={ans} but relevant has {len(rel)} entries")
        if emerg:
            stats["emergency"] += 1
            if ans:
                errors.append(f"{where}: emergency questions must be answerable=false")
            if "emergency" not in tags and "crisis" not in tags:
                errors.append(f"{where}: emergency question needs tag 'emergency' or 'crisis'")
        elif ans:
            stats["answerable"] += 1
            if set(tags) & (UNANSWERABLE_ONLY_TAGS | {"emergency", "crisis"}):
                errors.append(f"{where}: answerable question carries unanswerable/emergency tags")
        else:
            stats["unanswerable"] += 1
            if "unanswerable" not in tags:
                errors.append(f"{where}: unanswerable question needs tag 'unanswerable'")
        if not emerg and set(tags) & {"emergency", "crisis"}:
            errors.append(f"{where}: tag emergency/crisis but emergency=false")

        seen_rel = set()
        rel_docs = set()
        for k, r in enumerate(rel):
            w = f"{where} relevant[{k}]"
            if not isinstance(r, dict) or set(r) != {"doc", "contains"} \
                    or not all(isinstance(r[x], str) for x in ("doc", "contains")):
                errors.append(f"{w}: must be an object with string keys 'doc' and 'contains' only")
                continue
            if r["doc"] not in docs:
                errors.append(f"{w}: unknown doc {r['doc']!r}")
                continue
            key = (r["doc"], norm(r["contains"]))
            if key in seen_rel:
                errors.append(f"{w}: duplicate relevant entry")
            seen_rel.add(key)
            rel_docs.add(r["doc"])
            stats["doc_passages"][r["doc"]] += 1
            check_contains(docs[r["doc"]], r["contains"], w, errors, warnings)
        for d in rel_docs:
            stats["doc_questions"][d] += 1
        if ans:
            stats["relevant_per_q"].append(len(rel))
        if "multi-doc" in tags and len(rel_docs) < 2:
            errors.append(f"{where}: tagged multi-doc but cites {len(rel_docs)} doc(s)")
        if len(rel_docs) >= 2 and "multi-doc" not in tags:
            warnings.append(f"{where}: cites {len(rel_docs)} docs but not tagged multi-doc")

    # minimum counts
    if stats["total"] < min_total:
        errors.append(f"{name}: {stats['total']} questions < {min_total}")
    if stats["answerable"] < min_ans:
        errors.append(f"{name}: {stats['answerable']} answerable < {min_ans}")
    if stats["unanswerable"] < min_unans:
        errors.append(f"{name}: {stats['unanswerable']} unanswerable (non-emergency) < {min_unans}")
    if stats["emergency"] < min_emerg:
        errors.append(f"{name}: {stats['emergency']} emergency < {min_emerg}")
    if name == "dev" and stats["tags"]["crisis"] < 1:
        errors.append("dev: needs at least one 'crisis' (suicidal thoughts) message")
    for d in docs:
        if stats["doc_questions"][d] == 0:
            errors.append(f"{name}: no question cites {d}")
    return stats


def main() -> int:
    errors: list[str] = []
    warnings: list[str] = []
    docs = load_corpus()
    if len(docs) != 5:
        errors.append(f"expected 5 corpus documents in {CORPUS}, found {len(docs)}")
    seen_questions: dict[str, str] = {}
    all_stats = {name: check_split(name, docs, errors, warnings, seen_questions) for name in SPLITS}

    for name, st in all_stats.items():
        rp = st["relevant_per_q"]
        print(f"== {name}: total={st['total']} answerable={st['answerable']} "
              f"unanswerable={st['unanswerable']} emergency={st['emergency']} "
              f"relevant/answerable-q: mean={sum(rp) / max(len(rp), 1):.1f} min={min(rp, default=0)} "
              f"max={max(rp, default=0)}")
        print("   per-doc coverage (questions citing doc / relevant entries):")
        for d in sorted(docs):
            print(f"     {d}: {st['doc_questions'][d]:3d} q / {st['doc_passages'][d]:3d} passages")
        print("   tags: " + ", ".join(f"{t}={c}" for t, c in sorted(st["tags"].items())))
    for w in warnings:
        print("WARNING:", w)
    for e in errors:
        print("ERROR:", e)
    print(f"{len(errors)} error(s), {len(warnings)} warning(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
