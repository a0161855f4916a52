"""The reviewed question bank: `corpus/questions/<doc_id>.toml`, validated against the corpus.

Each `[[answer]]` entry names the exact answering words of a document (`quote`, with an
optional 1-based `occurrence` when the words occur more than once) and the questions people
type for them. Each `[[followup]]` entry names answering words the same way and `pairs`: an
earlier message (`after`) and a follow-up (`ask`) that, asked after it, those words answer;
they teach the query adapter how a follow-up's vector looks (index/adapter.py), nothing else.
`load_bank` resolves every quote to raw-document offsets inside one indexed chunk that is not
the asker's own question and returns `Anchor` records; any problem raises BankError with one
line naming the file, the entry and the fix, so `medquote ingest` stops and the previous index stays served.
`bank_report` collects the same problems without raising, for `medquote bank`.
It does not embed or score questions; see index/.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .records import Chunk, Document, IngestError
from .reviewed import Location, dotted, file_hashes, load_reviewed

BANK_DIR = "questions"
MIN_QUESTIONS = 5
MAX_QUESTION_CHARS = 200


class BankError(IngestError):
    """A question-bank file that cannot be used. The message names the file, the entry and the fix."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    quote: str = Field(min_length=3)
    occurrence: int | None = Field(default=None, ge=1)
    questions: list[str] = Field(min_length=MIN_QUESTIONS)

    @field_validator("questions")
    @classmethod
    def _lengths(cls, qs: list[str]) -> list[str]:
        for q in qs:
            if not 3 <= len(q.strip()) <= MAX_QUESTION_CHARS:
                raise ValueError(f"question {q!r} must be 3 to {MAX_QUESTION_CHARS} characters")
        return qs


class _Pair(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    after: str = Field(min_length=3, max_length=MAX_QUESTION_CHARS)
    ask: str = Field(min_length=2, max_length=MAX_QUESTION_CHARS)


class _FollowUp(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    quote: str = Field(min_length=3)
    occurrence: int | None = Field(default=None, ge=1)
    pairs: list[_Pair] = Field(min_length=1)


class _BankFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: Literal[1]
    answer: list[_Entry] = []
    followup: list[_FollowUp] = []


@dataclass(frozen=True)
class Anchor:
    """Exact answering words of a document (raw offsets) and the questions they answer."""

    doc_id: str
    start: int
    end: int
    questions: tuple[str, ...]
    followups: tuple[tuple[str, str], ...] = ()  # (earlier message, follow-up) pairs


def bank_paths(corpus_dir: Path) -> list[Path]:
    folder = corpus_dir / BANK_DIR
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def bank_hashes(corpus_dir: Path) -> dict[str, str]:
    """sha256 of every bank file, keyed `questions/<name>`: a bank edit makes the index stale."""
    return file_hashes(bank_paths(corpus_dir), BANK_DIR)


def _entry(loc: Location) -> str:
    """pydantic's location as the file's reader counts: `answer 3.quote`, 1-based."""
    if loc[:1] in (("answer",), ("followup",)) and len(loc) > 1:
        return f"{loc[0]} {int(loc[1]) + 1}" + "".join(f".{p}" for p in loc[2:])
    return dotted(loc)


def _parse(path: Path) -> _BankFile:
    return load_reviewed(path, _BankFile, BankError, "entry", _entry)


def _resolve(path: Path, n: int, entry: _Entry | _FollowUp, doc: Document, chunks: list[Chunk]) -> Anchor:
    where = f"{path}: {'answer' if isinstance(entry, _Entry) else 'followup'} {n} (quote {entry.quote[:50]!r})"
    positions, at = [], doc.raw.find(entry.quote)
    while at >= 0:
        positions.append(at)
        at = doc.raw.find(entry.quote, at + 1)
    if not positions:
        raise BankError(f"{where}: these words are not in {Path(doc.path).name}. Copy the exact words from the document or remove the entry.")
    if entry.occurrence is None and len(positions) > 1:
        raise BankError(f"{where}: the words occur {len(positions)} times. Add `occurrence = N` to say which.")
    if entry.occurrence is not None and entry.occurrence > len(positions):
        raise BankError(f"{where}: occurrence = {entry.occurrence}, but the words occur {len(positions)} time(s). Correct it.")
    start = positions[(entry.occurrence or 1) - 1]
    end = start + len(entry.quote)
    owner = [c for c in chunks if c.start <= start and end <= c.end]
    if not owner:
        raise BankError(f"{where}: the words are not inside one quotable passage (boilerplate, or across two passages). Anchor quotable text.")
    if owner[0].kind == "question":
        raise BankError(f"{where}: the words are the asker's own question, which answers nothing. Anchor the answer instead.")
    if isinstance(entry, _Entry):
        return Anchor(doc.doc_id, start, end, tuple(q.strip() for q in entry.questions))
    return Anchor(doc.doc_id, start, end, (), tuple((p.after.strip(), p.ask.strip()) for p in entry.pairs))


def _file_anchors(path: Path, docs: dict[str, Document], chunks: dict[str, list[Chunk]], problems: list[str] | None) -> list[Anchor]:
    """A file's anchors. With `problems`, a bad entry is noted there and skipped instead of raising."""
    if path.stem not in docs:
        raise BankError(f"{path}: no document {path.stem} in the corpus. Rename the file to a document id or remove it.")
    anchors: list[Anchor] = []
    seen: dict[str, int] = {}
    seen_pairs: dict[tuple[str, str], int] = {}
    bank = _parse(path)
    entries: list[tuple[int, _Entry | _FollowUp]] = [*enumerate(bank.answer, 1), *enumerate(bank.followup, 1)]
    for n, entry in entries:
        try:
            anchor = _resolve(path, n, entry, docs[path.stem], chunks[path.stem])
            for q in anchor.questions:
                if seen.setdefault(q.casefold(), n) != n:
                    raise BankError(f"{path}: answer {n}: question {q!r} is also under answer {seen[q.casefold()]}. Keep it once.")
            for pair in anchor.followups:
                key = (pair[0].casefold(), pair[1].casefold())
                if seen_pairs.setdefault(key, n) != n or anchor.followups.count(pair) > 1:
                    raise BankError(f"{path}: followup {n}: the pair {pair!r} is also under followup {seen_pairs[key]}. Keep it once.")
        except BankError as exc:
            if problems is None:
                raise
            problems.append(str(exc))
            continue
        anchors.append(anchor)
    return anchors


def _collect(corpus_dir: Path, docs: list[Document], chunks: list[Chunk], problems: list[str] | None) -> list[Anchor]:
    doc_map = {d.doc_id: d for d in docs}
    by_doc: dict[str, list[Chunk]] = {d.doc_id: [] for d in docs}
    for c in chunks:
        by_doc[c.doc_id].append(c)
    anchors = []
    for path in bank_paths(Path(corpus_dir)):
        try:
            anchors.extend(_file_anchors(path, doc_map, by_doc, problems))
        except BankError as exc:
            if problems is None:
                raise
            problems.append(str(exc))
    return anchors


def load_bank(corpus_dir: Path, docs: list[Document], chunks: list[Chunk]) -> list[Anchor]:
    """Every anchor of every bank file; the first problem raises BankError."""
    return _collect(corpus_dir, docs, chunks, None)


def bank_report(corpus_dir: Path, docs: list[Document], chunks: list[Chunk]) -> tuple[list[Anchor], list[str]]:
    """The anchors that resolve, and one line per entry or file that does not (for `medquote bank`)."""
    problems: list[str] = []
    return _collect(corpus_dir, docs, chunks, problems), problems
