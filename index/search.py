"""Searches a loaded index: hybrid retrieval, fusion, sentence-level rerank, highlights.

1. The question is spell-corrected against the corpus vocabulary; BM25 also gets synonyms.
2. Candidates: the dense top-N (FAISS, cosine) and the BM25 top-N.
3. Fusion: "weighted" = (1-w)·cosine + w·squashed BM25 (absolute scale, so a threshold on it
   still means "how well does this answer"), or "rrf" (reciprocal rank fusion, rank only).
4. Rerank: each candidate also gets its best-matching sentence's cosine; the final score mixes
   that with the fused score. The best one or two sentences become the quote's highlights.
Modes "dense", "bm25", "hybrid" and "hybrid+rerank" exist so `medquote eval --compare` can
measure each stage. Everything is in memory; nothing is re-read per request.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ingest import Chunk

from .embedder import Embedder
from .lexical import squash
from .store import Artifacts
from .vocabulary import Vocabulary

MODES = ("bm25", "dense", "hybrid", "hybrid+rerank")


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # the score the policy ranks and thresholds on
    dense: float = 0.0  # cosine of question and chunk, less the chunk's hubness share
    lexical: float = 0.0  # squashed BM25
    sentence: float = 0.0  # cosine of question and the chunk's best sentence
    highlights: tuple[tuple[int, int], ...] = ()  # raw-document offsets of the best sentences


@dataclass(frozen=True)
class RetrievalSettings:
    # Tuned on evaluation/gold/dev.jsonl only; see evaluation/README.md.
    mode: str = "hybrid+rerank"
    fusion: str = "weighted"  # or "rrf"
    lexical_weight: float = 0.2
    rrf_k: int = 60
    candidates: int = 30
    rerank_weight: float = 0.2
    synonym_weight: float = 0.3  # BM25 weight of synonym expansions relative to the question's words
    # A patient's own question reads like the user's message but rarely answers it; this much is
    # subtracted from its score so a doctor's or article's answer ranks first.
    question_penalty: float = 0.1
    hub_weight: float = 0.3  # share of a chunk's hubness subtracted from its cosine (see hubness.py)
    second_highlight_gap: float = 0.05  # a second sentence is highlighted if this close to the best


def top_n(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n highest scores, best first, ties by index: what a stable full argsort
    gives, without sorting every chunk (56 ms at 1M chunks; this takes ~2 ms)."""
    if len(scores) <= n:
        return np.argsort(-scores, kind="stable")
    kth = np.partition(-scores, n - 1)[n - 1]
    candidates = np.flatnonzero(-scores <= kth)
    return candidates[np.argsort(-scores[candidates], kind="stable")][:n]


class SearchIndex:
    def __init__(self, art: Artifacts, embedder: Embedder, settings: RetrievalSettings = RetrievalSettings()):
        self.art, self.embedder, self.settings = art, embedder, settings
        self.chunks = art.chunks
        self.vocab = Vocabulary.from_texts([c.text for c in art.chunks] + [c.section for c in art.chunks])
        self.hubness = art.hubness
        self.sentences_of: list[list[int]] = [[] for _ in art.chunks]
        for i, s in enumerate(art.sentences):
            self.sentences_of[s.chunk].append(i)

    def __len__(self) -> int:
        return len(self.chunks)

    def with_settings(self, **changes) -> "SearchIndex":
        twin = object.__new__(SearchIndex)
        twin.__dict__ = {**self.__dict__, "settings": replace(self.settings, **changes)}
        return twin

    def search(self, question: str, k: int = 10) -> list[Hit]:
        if not question.strip() or not self.chunks:
            return []
        st = self.settings
        corrected = self.vocab.correct(question)
        query = self.embedder.encode([corrected])[0]
        n_cand = min(st.candidates, len(self.chunks))
        cos_top, ids_top = self.art.dense.search(query[None, :], n_cand)
        dense_rank = [int(i) for i in ids_top[0] if i >= 0]
        raw_bm25 = self.art.lexical.scores(corrected)
        extra = self.vocab.expansions(corrected)
        if extra and st.synonym_weight:
            raw_bm25 = raw_bm25 + st.synonym_weight * self.art.lexical.scores(extra)
        lex_rank = [int(i) for i in top_n(raw_bm25, n_cand) if raw_bm25[i] > 0]
        pool = list(dict.fromkeys(dense_rank + lex_rank))
        dense = {i: float(self.art.dense.reconstruct(i) @ query) - st.hub_weight * self.hubness[i] for i in pool}
        lex = {i: float(squash(raw_bm25[i])) for i in pool}
        fused = self._fuse(pool, dense, lex, dense_rank, lex_rank)
        hits = []
        for i in sorted(pool, key=lambda i: (-fused[i], i)):
            best, highlights = self._best_sentences(i, query)
            score = fused[i]
            if st.mode == "hybrid+rerank":
                score = (1 - st.rerank_weight) * fused[i] + st.rerank_weight * best
            if self.chunks[i].kind == "question" and st.mode != "bm25":
                score -= st.question_penalty
            hits.append(Hit(self.chunks[i], float(score), dense[i], lex[i], best, highlights))
        hits.sort(key=lambda h: (-h.score, h.chunk.doc_id, h.chunk.start))
        return hits[:k]

    def _fuse(self, pool, dense, lex, dense_rank, lex_rank) -> dict[int, float]:
        st = self.settings
        if st.mode == "dense":
            return dict(dense)
        if st.mode == "bm25":
            return dict(lex)
        if st.fusion == "rrf":
            far = len(self.chunks)
            d_pos = {i: r for r, i in enumerate(dense_rank)}
            l_pos = {i: r for r, i in enumerate(lex_rank)}
            return {i: 1 / (st.rrf_k + d_pos.get(i, far)) + 1 / (st.rrf_k + l_pos.get(i, far)) for i in pool}
        w = st.lexical_weight
        return {i: (1 - w) * dense[i] + w * lex[i] for i in pool}

    def _best_sentences(self, chunk_index: int, query: np.ndarray) -> tuple[float, tuple[tuple[int, int], ...]]:
        ids = self.sentences_of[chunk_index]
        if not ids:
            return 0.0, ()
        sims = self.art.sentence_vectors[ids] @ query
        order = np.argsort(-sims, kind="stable")
        best = float(sims[order[0]])
        if len(ids) == 1:
            return best, ()  # a one-sentence quote needs no highlight: it is all the answer
        chosen = [ids[order[0]]]
        if len(ids) > 2 and sims[order[1]] >= best - self.settings.second_highlight_gap:
            chosen.append(ids[order[1]])
        spans = sorted((self.art.sentences[j].start, self.art.sentences[j].end) for j in chosen)
        return best, tuple(spans)
