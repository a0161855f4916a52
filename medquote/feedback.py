"""Feedback on evidence: an optional local SQLite store, and its export to gold-file lines.

Off unless the operator sets MEDQUOTE_FEEDBACK_DB=/path/feedback.sqlite. Each vote stores only
the day (YYYY-MM-DD, UTC), the question, the ids of the quoted chunks (`doc:start-end`) and the
verdict: no IP address, cookie, browser detail, session or finer time. `export` turns the votes
into gold-file lines for a person to review:
  {"id", "question", "answerable", "relevant": [{"doc", "contains"}], "tags": ["feedback", verdict]}
`relevant` lists the passages the user was shown (for "helpful" the ones they found useful, for
"not_helpful" and "wrong_passage" the ones they disputed), so a reviewer must check every line
before it goes into a gold file. `contains` is the start of the chunk as it stands in the corpus.
Votes are append-only: with no session kept, a withdrawn or changed vote cannot be matched to
the earlier one, so a change of mind shows as a second vote.
It does not read the network, decide anything or serve pages.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from records import MedquoteError

from . import config

VERDICTS = ("helpful", "not_helpful", "wrong_passage")
CHUNK_ID = re.compile(r"^(?P<doc>[^:\s]+):(?P<start>\d+)-(?P<end>\d+)$")
MAX_QUESTION = 2000
CONTAINS_CHARS = 120
SCHEMA = """CREATE TABLE IF NOT EXISTS votes (
    id INTEGER PRIMARY KEY,
    day TEXT NOT NULL,
    question TEXT NOT NULL,
    chunks TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('helpful', 'not_helpful', 'wrong_passage'))
)"""


class FeedbackError(MedquoteError):
    """A feedback store or export problem. The message names the file and the fix."""


@dataclass(frozen=True)
class Vote:
    day: str
    question: str
    chunks: tuple[str, ...]
    verdict: str


def today() -> str:
    return datetime.now(UTC).date().isoformat()


class FeedbackStore:
    def __init__(self, path: Path | str):
        self.path = Path(path)

    def _connect(self, create: bool) -> sqlite3.Connection:
        # One short connection per call: the chat calls this from worker threads. Reading opens
        # the file read-only, so exporting from a wrong file never adds a table to it.
        try:
            if not create:
                return sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
            conn = sqlite3.connect(self.path, timeout=5)
            conn.execute(SCHEMA)
        except sqlite3.Error as exc:
            raise FeedbackError(f"Cannot open feedback database {self.path}: {exc}") from None
        return conn

    def record(self, question: str, chunk_ids: Iterable[str], verdict: str, day: str | None = None) -> None:
        if verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {verdict!r}")
        if not isinstance(question, str) or not question.strip() or len(question) > MAX_QUESTION:
            raise ValueError("question must be a non-empty string of reasonable length")
        ids = tuple(chunk_ids)
        if not all(isinstance(i, str) and CHUNK_ID.match(i) for i in ids):
            raise ValueError("chunk ids must look like doc:start-end")
        with closing(self._connect(create=True)) as conn, conn:
            conn.execute(
                "INSERT INTO votes (day, question, chunks, verdict) VALUES (?, ?, ?, ?)",
                (day or today(), question, json.dumps(ids), verdict),
            )

    def votes(self) -> list[Vote]:
        if not self.path.is_file():
            raise FeedbackError(f"Feedback database {self.path} does not exist. Check --db or MEDQUOTE_FEEDBACK_DB.")
        try:
            with closing(self._connect(create=False)) as conn:
                rows = conn.execute("SELECT day, question, chunks, verdict FROM votes ORDER BY id").fetchall()
            votes = [Vote(d, q, tuple(json.loads(c)), v) for d, q, c, v in rows]
            if not all(isinstance(x, str) for v in votes for x in (v.day, v.question, v.verdict, *v.chunks)):
                raise ValueError("a vote holds something other than text")
            return votes
        except (sqlite3.Error, ValueError, TypeError) as exc:
            raise FeedbackError(f"{self.path} is not a medquote feedback database: {exc}") from None


def from_env(env: Mapping[str, str] | None = None) -> FeedbackStore | None:
    """The store the operator configured (config.feedback_db), or None: feedback is off by default."""
    path = config.feedback_db(env)
    return FeedbackStore(path) if path else None


def contains_text(chunk_text: str) -> str:
    """The chunk's first sentence on its first line, cut to ~120 characters at a word boundary:
    always a verbatim substring of the chunk, inside one line (as gold files require)."""
    from ingest import sentences  # the sentence splitter the chunker uses (pysbd, loaded on first need)

    line = next((ln.strip() for ln in chunk_text.split("\n") if ln.strip()), "")
    found = sentences(line) if line else []
    text = found[0] if found else line
    if len(text) > CONTAINS_CHARS:
        cut = text[:CONTAINS_CHARS]
        text = cut[: cut.rfind(" ")] if " " in cut else cut
    return text.strip()


def gold_lines(votes: list[Vote], raws: dict[str, str]) -> list[dict[str, Any]]:
    """One line per distinct (question, verdict, passages); chunks no longer in the corpus are dropped."""
    lines, seen = [], set()
    for vote in votes:
        relevant = []
        for m in filter(None, map(CHUNK_ID.match, vote.chunks)):
            raw, start, end = raws.get(m["doc"], ""), int(m["start"]), int(m["end"])
            if 0 <= start < end <= len(raw) and raw[start:end].strip():
                relevant.append({"doc": m["doc"], "contains": contains_text(raw[start:end])})
        key = json.dumps([vote.question, vote.verdict, relevant], sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        lines.append({
            "id": "fb-" + hashlib.sha256(key.encode()).hexdigest()[:12],
            "question": vote.question, "answerable": bool(relevant), "relevant": relevant,
            "tags": ["feedback", vote.verdict],
        })
    return lines


def export(db: Path | str, corpus_dir: Path | str) -> list[str]:
    """The JSON Lines text of the export, one string per line."""
    from ingest import IngestError, read_corpus

    try:
        raws = {d.doc_id: d.raw for d in read_corpus(corpus_dir)}
    except IngestError as exc:
        raise FeedbackError(str(exc)) from None
    return [json.dumps(line, ensure_ascii=False) for line in gold_lines(FeedbackStore(db).votes(), raws)]
