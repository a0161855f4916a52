"""`medquote bank`: what the question bank covers, per document, for a maintainer adding sources.

Lists, per document, its anchors and questions, the quotable passages that no anchor covers
yet (the ones to write questions for; passages that answer nothing are left out), and every
bank entry that no longer resolves (a quote the document no longer contains, a quote in
boilerplate, a malformed file). It only reads; `medquote ingest` is what enforces the bank.
"""

from __future__ import annotations

from pathlib import Path

from ingest import bank_report, chunk_corpus, quotable


def report(corpus_dir: Path) -> tuple[list[str], int]:
    """(lines to print, number of problems)."""
    docs, chunks = chunk_corpus(corpus_dir)
    anchors, problems = bank_report(corpus_dir, docs, chunks)
    lines = []
    for doc in docs:
        mine = [a for a in anchors if a.doc_id == doc.doc_id]
        pairs = sum(len(a.followups) for a in mine)
        mine = [a for a in mine if a.questions]
        own = [c for c in chunks if c.doc_id == doc.doc_id]
        shown = [c for c in own if quotable(c)]
        bare = [c for c in shown if not any(c.start <= a.start and a.end <= c.end for a in mine)]
        lines.append(
            f"{doc.doc_id}: {len(mine)} anchors, {sum(len(a.questions) for a in mine)} questions, {pairs} follow-up pairs; "
            f"{len(shown) - len(bare)} of {len(shown)} quotable passages have questions"
        )
        for c in bare:
            preview = " ".join(c.text.split())[:90]
            lines.append(f"  no questions yet: [{c.start}-{c.end}] {c.section!r}: {preview}")
    lines.extend(f"PROBLEM {p}" for p in problems)
    return lines, len(problems)
