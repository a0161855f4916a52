"""Bank questions in the index: each reviewed question, the chunk that holds its anchor, and
the anchor's exact offsets; and the per-chunk best match for a query.

At build every bank question is embedded with the same model as the passages (stored as
`bank.jsonl` + `bank_vectors.npy`) and its text is added to the BM25 text of its anchor's
chunk (document expansion). At query time a chunk's bank score is the cosine of the query with
its best-matching bank question; that question's anchor becomes the highlight. It does not
validate the bank (ingest/bank.py does) or fuse scores (search.py does).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingest import Anchor, Chunk, general_form


@dataclass(frozen=True)
class BankQuestion:
    chunk: int  # position of the anchor's chunk in the index's chunk list
    start: int  # the anchor's raw-document offsets (inside that chunk)
    end: int
    text: str  # the question as reviewed
    general: bool = False  # fit to offer as a "related question" (ingest.answers.general_form)


def _owners(anchors: list[Anchor], chunks: list[Chunk]) -> list[int]:
    """Each anchor's chunk: its position in the index's chunk list."""
    where: dict[str, list[tuple[int, int, int]]] = {}
    for i, c in enumerate(chunks):
        where.setdefault(c.doc_id, []).append((c.start, c.end, i))
    return [next(i for s, e, i in where[a.doc_id] if s <= a.start and a.end <= e) for a in anchors]


def bank_questions(anchors: list[Anchor], chunks: list[Chunk]) -> list[BankQuestion]:
    return [BankQuestion(owner, a.start, a.end, q, general_form(q))
            for a, owner in zip(anchors, _owners(anchors, chunks), strict=True) for q in a.questions]


def expanded_texts(texts: list[str], bank: list[BankQuestion]) -> list[str]:
    """Each chunk's BM25 text followed by its bank questions."""
    extra: list[list[str]] = [[] for _ in texts]
    for q in bank:
        extra[q.chunk].append(q.text)
    return [t if not e else t + "\n" + "\n".join(e) for t, e in zip(texts, extra, strict=True)]


def best_per_chunk(sims: np.ndarray, owner: np.ndarray, n_chunks: int) -> tuple[np.ndarray, np.ndarray]:
    """(best cosine per chunk, index of that best bank question or -1), from one query's sims."""
    best = np.full(n_chunks, -1.0, dtype=np.float32)
    arg = np.full(n_chunks, -1, dtype=np.int64)
    if len(sims) == 0:
        return best, arg
    order = np.lexsort((-np.arange(len(sims)), sims, owner))  # by chunk, then cosine; ties to the first question
    chunk_of = owner[order]
    last = np.flatnonzero(np.append(chunk_of[1:] != chunk_of[:-1], True))  # each chunk's best is its group's last
    best[chunk_of[last]] = sims[order[last]]
    arg[chunk_of[last]] = order[last]
    return best, arg


@dataclass(frozen=True)
class BankFollowUp:
    chunk: int  # position of the anchor's chunk in the index's chunk list
    after: str  # the earlier message, as reviewed
    ask: str  # the follow-up asked after it


def bank_followups(anchors: list[Anchor], chunks: list[Chunk]) -> list[BankFollowUp]:
    """The bank's reviewed follow-ups with their anchors' chunks (the query adapter learns from them)."""
    return [BankFollowUp(owner, after, ask)
            for a, owner in zip(anchors, _owners(anchors, chunks), strict=True) for after, ask in a.followups]
