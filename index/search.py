"""Searches a loaded index: hybrid retrieval, fusion, sentence-level rerank, highlights.

1. The question is spell-corrected against the corpus vocabulary; BM25 also gets synonyms.
2. Candidates: the dense top-N (FAISS, cosine) and the BM25 top-N.
3. Fusion: "weighted" = (1-w)·cosine + w·squashed BM25 (absolute scale, so a threshold on it
   still means "how well does this answer"), or "rrf" (reciprocal rank fusion, rank only).
4. Rerank: each candidate also gets its best-matching sentence's cosine; the final score mixes
   that with the fused score. The best one or two sentences become the quote's highlights.
5. Question bank: the question is also matched against the reviewed bank questions (see
   questions.py); a chunk with bank entries adds bank_mix * (its best bank cosine - bank_offset)
   to its score. When that bank question matches better than any of the chunk's sentences, the
   highlight is its anchor: the exact answering words, not the sentence that most resembles
   the question.
Passages that answer nothing (an asker's own question, or only questions, greetings, sign-offs
or list headers) are never returned, and such sentences are never highlighted.
Modes "dense", "bm25", "hybrid" and "hybrid+rerank" exist so `medquote eval --compare` can
measure each stage. Everything is in memory; nothing is re-read per request.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import numpy as np

from ingest.answers import answers_nothing
from records import Chunk, Hit, member

from .embedder import Embedder
from .lexical import squash
from .questions import best_per_chunk
from .sentences import sentence_text
from .store import Artifacts
from .vocabulary import Vocabulary

__all__ = ["MODES", "Fusion", "Hit", "RetrievalMode", "RetrievalSettings", "SearchIndex", "top_n"]  # Hit: from records


class RetrievalMode(StrEnum):
    BM25 = "bm25"
    DENSE = "dense"
    HYBRID = "hybrid"
    HYBRID_RERANK = "hybrid+rerank"


class Fusion(StrEnum):
    WEIGHTED = "weighted"  # (1-w)·cosine + w·squashed BM25: an absolute scale a threshold can use
    RRF = "rrf"  # reciprocal rank fusion: rank only


MODES = tuple(m.value for m in RetrievalMode)


@dataclass(frozen=True)
class RetrievalSettings:
    # Tuned on evaluation/gold/dev.jsonl only; see evaluation/README.md.
    mode: RetrievalMode = RetrievalMode.HYBRID_RERANK
    fusion: Fusion = Fusion.WEIGHTED
    lexical_weight: float = 0.2
    rrf_k: int = 60
    candidates: int = 30
    rerank_weight: float = 0.2
    synonym_weight: float = 0.3  # BM25 weight of synonym expansions relative to the question's words
    hub_weight: float = 0.3  # share of a chunk's hubness subtracted from its cosine (see hubness.py)
    second_highlight_gap: float = 0.05  # a second sentence is highlighted if this close to the best
    # A reply written to another person's case ("your symptoms") ranks below general text.
    asker_penalty: float = 0.03
    bank: bool = True  # match the question against the reviewed question bank
    bank_offset: float = 0.3  # a chunk with bank entries gains bank_mix * (best bank cosine - offset)
    bank_mix: float = 0.5  # weight of that bank evidence, added to the passage score (tuned on dev)
    bank_alone_offset: float = 0.35  # ... and scores at least (best bank cosine - this)
    bank_gap: float = 0.03  # a second anchor in the same chunk is highlighted if this close
    related_floor: float = 0.45  # a related question must be at least this close to the message
    related_ceiling: float = 0.75  # ... and no closer: that would be the same question again

    def __post_init__(self) -> None:
        # A typo ("hybird") must fail here, not quietly run the default pipeline.
        object.__setattr__(self, "mode", member(RetrievalMode, self.mode, "retrieval mode"))
        object.__setattr__(self, "fusion", member(Fusion, self.fusion, "fusion"))


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
        self.vocab = Vocabulary.from_texts([c.text for c in art.chunks] + [c.section for c in art.chunks] + [q.text for q in art.bank])
        self.hubness = art.hubness
        self.sentences_of: list[list[int]] = [[] for _ in art.chunks]
        for i, s in enumerate(art.sentences):
            self.sentences_of[s.chunk].append(i)
        self.bank_of: list[list[int]] = [[] for _ in art.chunks]
        for j, q in enumerate(art.bank):
            self.bank_of[q.chunk].append(j)
        self.bank_owner = np.array([q.chunk for q in art.bank], dtype=np.int64)
        self._position = {c.id: i for i, c in enumerate(art.chunks)}
        self.to_asker = [any(art.sentences[j].to_asker for j in ids) for ids in self.sentences_of]
        # Per chunk, the sentences a highlight may pick (they answer, and not to another asker).
        self.answering = [
            np.array([j for j in ids if art.sentences[j].answers and not art.sentences[j].to_asker], dtype=np.int64)
            for ids in self.sentences_of
        ]
        self.quotable = [
            not answers_nothing(c, [sentence_text(c, art.sentences[j]) for j in self.sentences_of[i]]) for i, c in enumerate(self.chunks)
        ]

    def __len__(self) -> int:
        return len(self.chunks)

    def with_settings(self, **changes: Any) -> SearchIndex:
        twin = object.__new__(SearchIndex)
        twin.__dict__ = {**self.__dict__, "settings": replace(self.settings, **changes)}
        return twin

    def search(self, question: str, k: int = 10, query: np.ndarray | None = None) -> list[Hit]:
        """Ranked hits. `query` is the question's vector when the caller has encoded it already
        (the engine encodes the question and the safety clauses in one batched call)."""
        if not question.strip() or not self.chunks:
            return []
        st = self.settings
        corrected = self.vocab.correct(question)
        if query is None:
            query = self.embedder.encode_queries([corrected])[0]
        n_cand = min(st.candidates, len(self.chunks))
        cos_top, ids_top = self.art.dense.search(query[None, :], n_cand)
        dense_rank = [int(i) for i in ids_top[0] if i >= 0]
        raw_bm25 = self.art.lexical.scores(corrected)
        extra = self.vocab.expansions(corrected)
        if extra and st.synonym_weight:
            raw_bm25 = raw_bm25 + st.synonym_weight * self.art.lexical.scores(extra)
        lex_rank = [int(i) for i in top_n(raw_bm25, n_cand) if raw_bm25[i] > 0]
        bank_best, bank_arg, bank_sims = self._bank_scores(query)
        bank_rank = [int(i) for i in top_n(bank_best, n_cand) if bank_arg[i] >= 0] if len(bank_sims) else []
        pool = [i for i in dict.fromkeys(dense_rank + lex_rank + bank_rank) if self.quotable[i]]
        dense = {i: float(self.art.dense.reconstruct(i) @ query) - st.hub_weight * self.hubness[i] for i in pool}
        lex = {i: float(squash(raw_bm25[i])) for i in pool}
        fused = self._fuse(pool, dense, lex, dense_rank, lex_rank)
        ranked = []
        for i in pool:
            sims = self.art.sentence_vectors[self.answering[i]] @ query
            best = float(sims.max()) if len(sims) else 0.0
            score = fused[i]
            if st.mode == RetrievalMode.HYBRID_RERANK:
                score = (1 - st.rerank_weight) * fused[i] + st.rerank_weight * best
            bank = float(bank_best[i]) if bank_arg[i] >= 0 else 0.0
            if bank_arg[i] >= 0:
                # Evidence adds up; a near-exact match of a reviewed question ("bfs?") decides alone,
                # even when the passage shares no words with the message.
                score = max(score + st.bank_mix * (bank - st.bank_offset), bank - st.bank_alone_offset)
            if self.to_asker[i]:
                score -= st.asker_penalty
            ranked.append((float(score), i, best, bank))
        ranked.sort(key=lambda r: (-r[0], self.chunks[r[1]].doc_id, self.chunks[r[1]].start))
        # Highlights only for the hits returned: most of the pool is scored and dropped.
        return [
            Hit(self.chunks[i], score, dense[i], lex[i], best, self._highlights(i, query, best, bank, bank_arg[i] >= 0, bank_sims), bank,
                self.to_asker[i])
            for score, i, best, bank in ranked[:k]
        ]

    def _highlights(
        self, i: int, query: np.ndarray, best: float, bank: float, banked: bool, bank_sims: np.ndarray,
    ) -> tuple[tuple[int, int], ...]:
        if banked and bank >= best:  # a reviewed question matches better than any sentence: show its anchor
            return self._anchors(i, bank_sims)
        return self._sentence_highlights(i, query)

    def _fuse(
        self, pool: list[int], dense: dict[int, float], lex: dict[int, float], dense_rank: list[int], lex_rank: list[int],
    ) -> dict[int, float]:
        st = self.settings
        if st.mode == RetrievalMode.DENSE:
            return dict(dense)
        if st.mode == RetrievalMode.BM25:
            return dict(lex)
        if st.fusion == Fusion.RRF:
            far = len(self.chunks)
            d_pos = {i: r for r, i in enumerate(dense_rank)}
            l_pos = {i: r for r, i in enumerate(lex_rank)}
            return {i: 1 / (st.rrf_k + d_pos.get(i, far)) + 1 / (st.rrf_k + l_pos.get(i, far)) for i in pool}
        w = st.lexical_weight
        return {i: (1 - w) * dense[i] + w * lex[i] for i in pool}

    def related(self, query: np.ndarray, shown: set[int], n: int = 3) -> list[str]:
        """Up to n general-form bank questions near the query that lead to passages other than
        the shown ones (chunk positions), one per passage, best first, none a paraphrase of the
        message or of another one chosen."""
        if not len(self.art.bank):
            return []
        st = self.settings
        sims = self.art.bank_vectors @ query
        out: list[int] = []
        used = set(shown)
        for j in np.argsort(-sims, kind="stable"):
            q = self.art.bank[j]
            if sims[j] < st.related_floor or len(out) == n:
                break
            # Near the topic, but not the question just asked again, nor two ways of asking one thing.
            if (not q.general or q.chunk in used or not self.quotable[q.chunk] or sims[j] > st.related_ceiling
                    or any(float(self.art.bank_vectors[j] @ self.art.bank_vectors[k]) > st.related_ceiling for k in out)):
                continue
            out.append(int(j))
            used.add(q.chunk)
        return [self.art.bank[j].text for j in out]

    def position(self, chunk: Chunk) -> int:
        return self._position[chunk.id]

    def _bank_scores(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self.settings.bank or not len(self.art.bank) or self.settings.mode == RetrievalMode.BM25:
            return np.zeros(len(self.chunks), dtype=np.float32), np.full(len(self.chunks), -1), np.zeros(0)
        sims = self.art.bank_vectors @ query
        best, arg = best_per_chunk(sims, self.bank_owner, len(self.chunks))
        return best, arg, sims

    def _anchors(self, chunk_index: int, sims: np.ndarray) -> tuple[tuple[int, int], ...]:
        """The anchor of the best-matching bank question, and a second anchor nearly as close."""
        per_anchor: dict[tuple[int, int], float] = {}
        for j in self.bank_of[chunk_index]:
            q = self.art.bank[j]
            per_anchor[(q.start, q.end)] = max(per_anchor.get((q.start, q.end), -1.0), float(sims[j]))
        ranked = sorted(per_anchor.items(), key=lambda kv: (-kv[1], kv[0]))
        chosen = [ranked[0][0]] + [a for a, v in ranked[1:2] if v >= ranked[0][1] - self.settings.bank_gap]
        chunk = self.chunks[chunk_index]
        if len(chosen) == 1 and chunk.text.strip() == chunk.text[chosen[0][0] - chunk.start: chosen[0][1] - chunk.start].strip():
            return ()  # the anchor is the whole quote: nothing to pick out
        return tuple(sorted(chosen))

    def _sentence_highlights(self, chunk_index: int, query: np.ndarray) -> tuple[tuple[int, int], ...]:
        """The best-matching answering sentence, and a second one nearly as close."""
        ids = self.answering[chunk_index]
        if not len(ids) or len(self.sentences_of[chunk_index]) == 1:
            return ()  # nothing to pick; or a one-sentence quote, which is all the answer
        sims = self.art.sentence_vectors[ids] @ query
        order = np.argsort(-sims, kind="stable")
        chosen = [ids[order[0]]]
        if len(ids) > 2 and sims[order[1]] >= float(sims[order[0]]) - self.settings.second_highlight_gap:
            chosen.append(ids[order[1]])
        return tuple(sorted((self.art.sentences[j].start, self.art.sentences[j].end) for j in chosen))
