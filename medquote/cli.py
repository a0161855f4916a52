"""The `medquote` command: ingest, ask, eval (with --compare and --calibrate), bank, serve, feedback.

The top of the import graph: it reads the configuration (config.py), wires the engine, the
evaluation and the web app together, and owns error handling: every known failure (bad corpus
file, stale or missing index, wrong model weights, bad gold file or setting) prints one clear
line naming the fix and exits with status 2 (errors.py); never a stack trace.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from answer import Settings, render, to_answer_object

from . import config
from .errors import handled

if TYPE_CHECKING:
    from .engine import Engine


def _engine(cfg: config.Config, rebuild: bool = True, threshold: float | None = None) -> Engine:
    from .engine import Engine

    settings = Settings(emergency_number=cfg.emergency_number)
    if threshold is not None:
        settings = Settings(threshold=threshold, emergency_number=cfg.emergency_number)
    return Engine.load(cfg.corpus_dir, cfg.index_dir, settings=settings, rebuild=rebuild, threads=cfg.torch_threads)


def cmd_ingest(args: argparse.Namespace, cfg: config.Config) -> int:
    from index import ModelEmbedder, build_index

    if not args.quiet:  # "Embedded N texts, reused M vectors of the previous build."
        logging.getLogger("medquote.index").setLevel(logging.INFO)
    path = build_index(cfg.corpus_dir, ModelEmbedder(), cfg.index_dir, progress=not args.quiet, reuse=not args.full)
    print(f"Index built in {path}")
    return 0


def cmd_ask(args: argparse.Namespace, cfg: config.Config) -> int:
    reply = _engine(cfg).ask(args.question, args.previous or [])
    if args.json:
        print(json.dumps(to_answer_object(reply), ensure_ascii=False, indent=2))
    else:
        print(render.plain(reply))
    return 0


def cmd_eval(args: argparse.Namespace, cfg: config.Config) -> int:
    from evaluation import format_metrics, load_gold, run_eval, write_report

    golds = load_gold(args.gold)
    if args.calibrate:
        from evaluation.calibrate import calibrate

        # With no threshold, a reply still abstains for scope rules or a crisis: those count as
        # abstaining at every threshold.
        print(calibrate(_engine(cfg, threshold=float("-inf")), golds))
        return 0
    engine, report, results = _engine(cfg), None, None
    if args.compare:
        from evaluation.compare import compare, table

        results = compare(engine, golds, cfg.corpus_dir)
        print(table(results))
        if args.out:  # the figures scripts/readme_figures.py puts in the README come from such a file
            write_report(results, args.out)
            print(f"Report written to {args.out}")
    else:
        report = run_eval(engine, golds, cfg.corpus_dir, {"gold": str(args.gold)})
        print(format_metrics(report["metrics"]))
        if args.out:
            write_report(report, args.out)
            print(f"Report written to {args.out}")
    if args.html:
        from evaluation.html_report import write_html

        write_html(engine, golds, cfg.corpus_dir, args.gold, args.html, report=report, compare=results)
        print(f"HTML report written to {args.html}")
    return 0


def cmd_bank(args: argparse.Namespace, cfg: config.Config) -> int:
    from .bankreport import report

    lines, problems = report(cfg.corpus_dir)
    print("\n".join(lines))
    if problems:
        print(f"medquote: {problems} bank entr{'y' if problems == 1 else 'ies'} to fix before `medquote ingest` will build.", file=sys.stderr)
    return 1 if problems else 0


def cmd_serve(args: argparse.Namespace, cfg: config.Config) -> int:
    import app

    app.serve(cfg, host=args.host, port=args.port)
    return 0


def cmd_feedback(args: argparse.Namespace, cfg: config.Config) -> int:
    from . import feedback

    db = args.db or cfg.feedback_db
    if db is None:
        raise feedback.FeedbackError("No feedback database: pass --db FILE or set MEDQUOTE_FEEDBACK_DB.")
    try:
        lines = feedback.export(db, cfg.corpus_dir)
        text = "".join(line + "\n" for line in lines)
        if args.out:
            args.out.write_text(text, encoding="utf-8")
            print(f"{len(lines)} lines for review written to {args.out}")
        else:
            sys.stdout.write(text)
    except OSError as exc:  # reported like every known failure, by the one handler
        raise feedback.FeedbackError(str(exc)) from None
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="medquote", description="Quote-only answers about muscle twitching and ALS.")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("ingest", help="build or refresh the index from corpus/")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.add_argument("--full", action="store_true",
                   help="embed every text again (by default texts unchanged since the current build keep their vectors)")
    s.set_defaults(func=cmd_ingest)
    s = sub.add_parser("ask", help="answer one question with quotes")
    s.add_argument("question")
    s.add_argument("--json", action="store_true", help="print the answer object")
    s.add_argument("--previous", action="append", metavar="MESSAGE",
                   help="an earlier message of the same chat (repeat, oldest first): read with a follow-up question")
    s.set_defaults(func=cmd_ask)
    s = sub.add_parser("eval", help="evaluate against a gold file")
    s.add_argument("--gold", required=True, type=Path)
    s.add_argument("--out", type=Path, help="write the full report (with --compare: every configuration's metrics) as JSON")
    s.add_argument("--compare", action="store_true", help="run bm25, dense, hybrid, hybrid+rerank without and with the question bank side by side")
    s.add_argument("--html", type=Path, metavar="REPORT.html", help="also write a self-contained HTML report: every miss, charts, goals")
    s.add_argument("--calibrate", action="store_true",
                   help="print the abstention threshold curve and the best threshold (tune on the dev split only)")
    s.set_defaults(func=cmd_eval)
    s = sub.add_parser("bank", help="list, per document, passages without bank questions and bank entries that no longer match")
    s.set_defaults(func=cmd_bank)
    s = sub.add_parser("serve", help="serve the chat (127.0.0.1:7860 unless told otherwise)")
    s.add_argument("--host", default=None)
    s.add_argument("--port", type=int, default=None)
    s.set_defaults(func=cmd_serve)
    s = sub.add_parser("feedback", help="work with stored feedback (only if MEDQUOTE_FEEDBACK_DB was set)")
    fsub = s.add_subparsers(dest="action", required=True)
    s = fsub.add_parser("export", help="turn feedback into gold-file lines for review")
    s.add_argument("--db", type=Path, help="feedback database (default: $MEDQUOTE_FEEDBACK_DB)")
    s.add_argument("--out", type=Path, help="write JSON Lines here (default: standard output)")
    s.set_defaults(func=cmd_feedback)
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="medquote: %(message)s")
    args = parser().parse_args(argv)
    func: Callable[[argparse.Namespace, config.Config], int] = args.func
    return handled(lambda: func(args, config.from_env()))


if __name__ == "__main__":
    sys.exit(main())
