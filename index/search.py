"""Searches a loaded index: candidates, their features, one fitted score, highlights.

1. The question is spell-corrected against the corpus vocabulary (by the engine, once a turn,
   or by `search`); BM25 also gets synonyms.
   A follow-up brings the earlier message as `context`: its vector is already mixed into the
   query by the engine, and its BM25 scores are added at the same weight.
2. With `query_adapter` (served; docs/learned-answers.md) the query vector is mapped by the
   adapter learned from the bank (adapter.py), as are the bank questions' vectors; passages and
   sentences keep the encoder's own. An index without an adapter (no bank) maps nothing.
   Candidates: the dense top-N (FAISS, cosine), the BM25 top-N and the chunks of the bank top-N.
3. Each candidate gets its features (scoring.FEATURES: cosine, hubness, BM25, best answering
   sentence, best bank question, written to another asker) and one score, scoring.score with
   the weights recorded for the encoder in use (index/scoring.json: a dev fit for the adapted
   encoder, the landed formula for the served base encoder).
4. Highlights: when a reviewed bank question matches better than any sentence, its anchor (the
   exact answering words); otherwise the best-matching answering sentence(s).
Passages that answer nothing (an asker's own question, or only questions, greetings, sign-offs
or list headers) are never returned, and such sentences are never highlighted.
Everything is in memory; nothing is re-read per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ingest import answers_nothing
from records import Chunk, Hit

from .adapter import adapt
from .coverage import uncovered
from .embedder import Embedder
from .followup_head import FollowUpHead
from .lexical import squash
from .questions import best_per_chunk
from .scoring import FEATURES, ScoreWeights, score
from .sentences import sentence_text
from .store import Artifacts
from .vocabulary import Vocabulary

__all__ = ["Candidates", "Hit", "RetrievalSettings", "SearchIndex", "Tables", "top_n"]  # Hit: from records

UNFITTED = ScoreWeights(0.0, (1.0, 0.0, 0.0, 0.0, 0.0, 0.0), 0.5, "none", "none", "cosine alone: no fit loaded")


@dataclass(frozen=True)
class RetrievalSettings:
    weights: ScoreWeights = field(default=UNFITTED)  # the fit for the encoder in use (scoring.py)
    candidates: int = 30
    synonym_weight: float = 0.3  # BM25 weight of synonym expansions relative to the question's words
    second_highlight_gap: float = 0.05  # a second sentence is highlighted if this close to the best
    bank: bool = True  # match the question against the reviewed question bank
    bank_gap: float = 0.03  # a second anchor in the same chunk is highlighted if this close
    related_floor: float = 0.45  # a related question must be at least this close to the message
    related_ceiling: float = 0.75  # ... and no closer: that would be the same question again
    query_adapter: bool = True  # map queries and bank questions by the index's query adapter (adapter.py), if it has one


@dataclass(frozen=True)
class Candidates:
    """What the scorer sees for one question: candidate chunk positions and their features."""

    ids: np.ndarray  # chunk positions
    features: np.ndarray  # one row per candidate, columns in scoring.FEATURES order
    bank_arg: np.ndarray  # per chunk: its best bank question, or -1
    bank_sims: np.ndarray  # the query against every bank question
    query: np.ndarray  # the query as searched (mapped by the query adapter when the settings ask)


def top_n(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n highest scores, best first, ties by index: what a stable full argsort
    gives, without sorting every chunk (56 ms at 1M chunks; this takes ~2 ms)."""
    if len(scores) <= n:
        return np.argsort(-scores, kind="stable")
    kth = np.partition(-scores, n - 1)[n - 1]
    candidates = np.flatnonzero(-scores <= kth)
    return candidates[np.argsort(-scores[candidates], kind="stable")][:n]


@dataclass(frozen=True)
class Tables:
    """What a search needs beyond the artifacts, derived from them once when an index is opened
    (never per request, never again for other settings: SearchIndex.with_settings shares them)."""

    vocab: Vocabulary
    sentences_of: list[list[int]]  # per chunk, its sentences
    bank_of: list[list[int]]  # per chunk, its bank questions
    bank_owner: np.ndarray  # per bank question, its chunk
    position: dict[str, int]  # chunk id -> position
    to_asker: list[bool]  # per chunk: a sentence speaks to the original asker about their own case
    answering: list[np.ndarray]  # per chunk, the sentences a highlight may pick (they answer, not to another asker)
    quotable: list[bool]  # per chunk: it answers something
    bank_queries: np.ndarray  # the bank questions' vectors mapped by the query adapter, as a query is

    @classmethod
    def of(cls, art: Artifacts, vocab: Vocabulary | None = None) -> Tables:
        """`vocab`: the spelling vocabulary, made from the chunks, headings and bank when None
        (a test passes a counting one)."""
        vocab = vocab or Vocabulary.from_texts([c.text for c in art.chunks] + [c.section for c in art.chunks] + [q.text for q in art.bank])
        sentences_of: list[list[int]] = [[] for _ in art.chunks]
        for i, s in enumerate(art.sentences):
            sentences_of[s.chunk].append(i)
        bank_of: list[list[int]] = [[] for _ in art.chunks]
        for j, q in enumerate(art.bank):
            bank_of[q.chunk].append(j)
        return cls(
            vocab=vocab, sentences_of=sentences_of, bank_of=bank_of, bank_queries=adapt(art.query_adapter, art.bank_vectors),
            bank_owner=np.array([q.chunk for q in art.bank], dtype=np.int64),
            position={c.id: i for i, c in enumerate(art.chunks)},
            to_asker=[any(art.sentences[j].to_asker for j in ids) for ids in sentences_of],
            answering=[np.array([j for j in ids if art.sentences[j].answers and not art.sentences[j].to_asker], dtype=np.int64)
                       for ids in sentences_of],
            quotable=[not answers_nothing(c, [sentence_text(c, art.sentences[j]) for j in sentences_of[i]])
                      for i, c in enumerate(art.chunks)],
        )


class SearchIndex:
    def __init__(self, art: Artifacts, embedder: Embedder, settings: RetrievalSettings = RetrievalSettings(),
                 vocab: Vocabulary | None = None, tables: Tables | None = None):
        """`tables`: derived once (Tables.of) when None; `vocab` as in Tables.of."""
        self.art, self.embedder, self.settings = art, embedder, settings
        self.chunks = art.chunks
        self.hubness = art.hubness
        self.tables = t = tables or Tables.of(art, vocab)
        self.vocab, self.sentences_of, self.bank_of, self.bank_owner = t.vocab, t.sentences_of, t.bank_of, t.bank_owner
        self._position, self.to_asker, self.answering, self.quotable = t.position, t.to_asker, t.answering, t.quotable
        # Whether a message leans on the earlier one (followup_head.py); None: the rule alone.
        self.follow_up_head = FollowUpHead(art.followup_head) if art.followup_head is not None else None

    def __len__(self) -> int:
        return len(self.chunks)

    def with_settings(self, **changes: Any) -> SearchIndex:
        """The same index searched with other settings: artifacts and derived tables shared."""
        return SearchIndex(self.art, self.embedder, replace(self.settings, **changes), tables=self.tables)

    def lexical_scores(self, text: str) -> np.ndarray:
        raw = self.art.lexical.scores(text)
        extra = self.vocab.expansions(text)
        if extra and self.settings.synonym_weight:
            raw = raw + self.settings.synonym_weight * self.art.lexical.scores(extra)
        return raw

    def candidates(self, text: str, query: np.ndarray, context: str = "", context_weight: float = 0.0,
                   adapted: bool = True) -> Candidates:
        """The candidate pool and its features. `text` is the spell-corrected question, `query`
        its vector (for a follow-up, already mixed with the earlier message's), mapped here by the
        query adapter when the settings ask for it; `context` is that earlier message,
        spell-corrected, whose BM25 scores count `context_weight` times. `adapted` False: the
        query and bank questions as encoded, whatever the settings."""
        st = self.settings
        adapted = adapted and st.query_adapter
        if adapted:
            query = adapt(self.art.query_adapter, query)
        n_cand = min(st.candidates, len(self.chunks))
        _, ids_top = self.art.dense.search(query[None, :], n_cand)
        dense_rank = [int(i) for i in ids_top[0] if i >= 0]
        raw_bm25 = self.lexical_scores(text)
        if context and context_weight:
            raw_bm25 = raw_bm25 + context_weight * self.lexical_scores(context)
        lex_rank = [int(i) for i in top_n(raw_bm25, n_cand) if raw_bm25[i] > 0]
        bank_best, bank_arg, bank_sims = self._bank_scores(query, adapted)
        bank_rank = [int(i) for i in top_n(bank_best, n_cand) if bank_arg[i] >= 0] if len(bank_sims) else []
        ids = np.array([i for i in dict.fromkeys(dense_rank + lex_rank + bank_rank) if self.quotable[i]], dtype=np.int64)
        rows = np.zeros((len(ids), len(FEATURES)), dtype=np.float64)
        for r, i in enumerate(ids):
            sims = self.art.sentence_vectors[self.answering[i]] @ query
            rows[r] = (
                float(self.art.dense.reconstruct(int(i)) @ query), float(self.hubness[i]), float(squash(raw_bm25[i])),
                float(sims.max()) if len(sims) else 0.0, max(0.0, float(bank_best[i])) if bank_arg[i] >= 0 else 0.0,
                float(self.to_asker[i]),
            )
        return Candidates(ids, rows, bank_arg, bank_sims, query)

    def search(self, question: str, k: int = 10, query: np.ndarray | None = None, context: str = "",
               context_weight: float = 0.0) -> list[Hit]:
        """Ranked hits for a question as typed: spell-corrected here (and `context` too), encoded
        unless `query` is given. The engine corrects once itself and calls `rank`."""
        if not question.strip() or not self.chunks:
            return []
        text = self.vocab.correct(question)
        if query is None:
            query = self.embedder.encode_queries([text])[0]
        return self.rank(text, query, k, self.vocab.correct(context) if context else "", context_weight)

    def rank(self, text: str, query: np.ndarray, k: int = 10, context: str = "", context_weight: float = 0.0) -> list[Hit]:
        """Ranked hits for `text`, already spell-corrected, searched with `query` (its vector;
        for a follow-up already mixed with the earlier message's), `context` likewise corrected."""
        if not text.strip() or not self.chunks:
            return []
        cand = self.candidates(text, query, context, context_weight)
        scores = score(cand.features, self.settings.weights)
        order = sorted(range(len(cand.ids)), key=lambda r: (-scores[r], self.chunks[cand.ids[r]].doc_id, self.chunks[cand.ids[r]].start))
        hits = []
        for r in order[:k]:  # highlights only for the hits returned: most of the pool is scored and dropped
            i, (cosine, hub, lex, best, bank, _) = int(cand.ids[r]), cand.features[r]
            banked = cand.bank_arg[i] >= 0
            hits.append(Hit(chunk=self.chunks[i], score=float(scores[r]), dense=cosine - hub, lexical=lex, sentence=best,
                            highlights=self._highlights(i, cand.query, best, bank, banked, cand.bank_sims), bank=bank,
                            on_askers_case=self.to_asker[i]))
        return hits

    def uncovered(self, chunk: Chunk, message: np.ndarray, tokens: list[str]) -> float | None:
        """coverage.uncovered of a message (its trunk rows and tokens, coverage.token_rows) against
        the passage `chunk`'s stored tokens; None when the index stores none (the fake encoder)."""
        offsets, rows = self.art.passage_token_offsets, self.art.passage_tokens
        if offsets is None or rows is None:
            return None
        i = self._position[chunk.id]
        return uncovered(message, tokens, rows[offsets[i]: offsets[i + 1]])

    def plain_best(self, text: str, query: np.ndarray, context: str = "", context_weight: float = 0.0) -> float | None:
        """The best score with the query as encoded, not mapped by the query adapter: the second
        opinion on whether anything answers (ScoreWeights.plain_threshold). None without an
        adapter in use or a threshold for it."""
        if not (self.settings.query_adapter and self.art.query_adapter is not None
                and self.settings.weights.plain_threshold is not None and text.strip() and self.chunks):
            return None
        cand = self.candidates(text, query, context, context_weight, adapted=False)
        return float(score(cand.features, self.settings.weights).max()) if len(cand.ids) else None

    def _highlights(
        self, i: int, query: np.ndarray, best: float, bank: float, banked: bool, bank_sims: np.ndarray,
    ) -> tuple[tuple[int, int], ...]:
        if banked and bank >= best:  # a reviewed question matches better than any sentence: show its anchor
            return self._anchors(i, bank_sims)
        return self._sentence_highlights(i, query)

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

    def context_spans(self) -> dict[str, dict[tuple[int, int], frozenset[tuple[int, int]]]]:
        """Per document, each quotable chunk's span and the spans a quote of it may highlight
        (its sentences and its bank anchors, what _highlights picks from): the "show in
        context" page serves only these, so a crafted link cannot mark other words as a quote."""
        out: dict[str, dict[tuple[int, int], frozenset[tuple[int, int]]]] = {}
        for i, c in enumerate(self.chunks):
            if self.quotable[i]:
                marks = {(self.art.sentences[j].start, self.art.sentences[j].end) for j in self.sentences_of[i]}
                marks |= {(self.art.bank[j].start, self.art.bank[j].end) for j in self.bank_of[i]}
                out.setdefault(c.doc_id, {})[(c.start, c.end)] = frozenset(marks)
        return out

    def position(self, chunk: Chunk) -> int:
        return self._position[chunk.id]

    def _bank_scores(self, query: np.ndarray, adapted: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self.settings.bank or not len(self.art.bank):
            return np.zeros(len(self.chunks), dtype=np.float32), np.full(len(self.chunks), -1), np.zeros(0)
        sims = (self.tables.bank_queries if adapted else self.art.bank_vectors) @ query
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
