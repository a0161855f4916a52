"""Runs gold questions through an Engine and builds the evaluation report.

The report is {"metrics": {...}, "config": {...}, "questions": [answer objects]}. Verbatim and
disclaimer checks are made here against the raw corpus and the reply rendered as the chat shows
it (answer.render.chat_markdown), so a rendering bug shows up as a metric, not only in tests.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from answer import render, strings, to_answer_object
from ingest import collapse, read_corpus
from medquote.engine import Engine
from records import Reply

from .gold import GoldQuestion
from .metrics import all_metrics
from .report_error import ReportError


def verbatim_flags(reply: Reply, raws: dict[str, str]) -> list[bool]:
    """Per quote: its text is the raw slice, and the chat shows exactly that text (up to whitespace)."""
    shown = render.quoted_blocks(render.chat_markdown(reply))
    flags = []
    for i, quote in enumerate(reply.quotes):
        c = quote.chunk
        exact = raws.get(c.doc_id, "")[c.start: c.end] == c.text
        flags.append(exact and i < len(shown) and collapse(shown[i]) == collapse(c.text))
    return flags


def ends_with_disclaimer(reply_markdown: str) -> bool:
    return reply_markdown.endswith(f"_{render.escape(strings.DISCLAIMER)}_")


def run_eval(engine: Engine, golds: list[GoldQuestion], corpus_dir: Path, config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    raws = {d.doc_id: d.raw for d in read_corpus(corpus_dir)}
    replies, verbatim, disclaimed = [], [], []
    for gold in golds:
        reply = engine.answer(gold.question, gold.previous).reply
        replies.append(reply)
        verbatim.extend(verbatim_flags(reply, raws))
        disclaimed.append(ends_with_disclaimer(render.chat_markdown(reply)))
    metrics = all_metrics(replies, golds, raws, verbatim, disclaimed)
    answers = [to_answer_object(r, g.id, evaluation=True) for r, g in zip(replies, golds, strict=True)]
    base = {"settings": asdict(engine.settings), "index_chunks": len(engine.index)}
    return {"metrics": metrics, "config": {**base, **(config or {})}, "questions": answers}


def check_destination(path: Path | str, flag: str) -> None:
    """Stop before a run, not after it, when `path` cannot be written: a folder, or a file in a
    folder that does not exist or is not writable (ReportError naming the flag and the fix)."""
    path = Path(path)
    folder = path.parent
    problem = ("is a folder" if path.is_dir() else f"is in {folder}, which does not exist" if not folder.is_dir()
               else f"is in {folder}, which is not writable" if not os.access(folder, os.W_OK) else "")
    if problem:
        raise ReportError(f"Cannot write the report to {path}: it {problem}. Pass {flag} a file path in a folder that exists and is writable.")


def write_report(report: Mapping[str, Any], path: Path | str) -> None:
    try:
        Path(path).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:  # one line through the CLI's handler, as write_html's
        raise ReportError(f"Cannot write the report to {path} ({exc.strerror}). "
                          "Pass --out a file path in a folder that exists and is writable.") from None


def format_metrics(metrics: Mapping[str, object]) -> str:
    width = max(len(k) for k in metrics)
    return "\n".join(f"{k.ljust(width)}  {'n/a' if v is None else v}" for k, v in metrics.items())
