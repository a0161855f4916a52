"""Runs gold questions through an Engine and builds the evaluation report.

The report is {"metrics": {...}, "config": {...}, "questions": [answer objects]}. Verbatim and
disclaimer checks are made here against the raw corpus and the reply rendered as the chat shows
it (answer.render.chat_markdown), so a rendering bug shows up as a metric, not only in tests.
"""

from __future__ import annotations

import json
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
    answers = [to_answer_object(r, g.id) for r, g in zip(replies, golds, strict=True)]
    base = {"settings": asdict(engine.settings), "index_chunks": len(engine.index)}
    return {"metrics": metrics, "config": {**base, **(config or {})}, "questions": answers}


def write_report(report: Mapping[str, Any], path: Path | str) -> None:
    Path(path).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def format_metrics(metrics: Mapping[str, object]) -> str:
    width = max(len(k) for k in metrics)
    return "\n".join(f"{k.ljust(width)}  {'n/a' if v is None else v}" for k, v in metrics.items())
