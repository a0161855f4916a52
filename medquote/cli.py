"""The `medquote` command: ingest, ask, eval, serve.

Every known failure (bad corpus file, stale or missing index, wrong model weights, bad gold
file) prints one clear line naming the fix and exits with status 2; never a stack trace.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from answer import Settings, render, to_answer_object
from evaluation import GoldError
from index import IndexUnavailable, ModelError
from ingest import IngestError

from . import config

KNOWN_ERRORS = (IngestError, IndexUnavailable, ModelError, GoldError, config.ConfigError)


def _engine(cfg: config.Config, rebuild: bool = True):
    from .engine import Engine

    return Engine.load(cfg.corpus_dir, cfg.index_dir, settings=Settings(emergency_number=cfg.emergency_number), rebuild=rebuild)


def cmd_ingest(args, cfg: config.Config) -> int:
    from index import ModelEmbedder, build_index

    if not args.quiet:  # "Embedded N texts, reused M vectors of the previous build."
        logging.getLogger("medquote.index").setLevel(logging.INFO)
    path = build_index(cfg.corpus_dir, ModelEmbedder(), cfg.index_dir, progress=not args.quiet, reuse=not args.full)
    print(f"Index built in {path}")
    return 0


def cmd_ask(args, cfg: config.Config) -> int:
    reply = _engine(cfg).ask(args.question, args.previous or [])
    if args.json:
        print(json.dumps(to_answer_object(reply), ensure_ascii=False, indent=2))
    else:
        print(render.plain(reply))
    return 0


def cmd_eval(args, cfg: config.Config) -> int:
    from evaluation import format_metrics, load_gold, run_eval, write_report

    golds = load_gold(args.gold)
    if args.compare:
        from evaluation.compare import compare, table

        print(table(compare(_engine(cfg), golds, cfg.corpus_dir)))
        return 0
    report = run_eval(_engine(cfg), golds, cfg.corpus_dir, {"gold": str(args.gold)})
    print(format_metrics(report["metrics"]))
    if args.out:
        write_report(report, args.out)
        print(f"Report written to {args.out}")
    return 0


def cmd_bank(args, cfg: config.Config) -> int:
    from .bankreport import report

    lines, problems = report(cfg.corpus_dir)
    print("\n".join(lines))
    if problems:
        print(f"medquote: {problems} bank entr{'y' if problems == 1 else 'ies'} to fix before `medquote ingest` will build.", file=sys.stderr)
    return 1 if problems else 0


def cmd_serve(args, cfg: config.Config) -> int:
    import app

    app.serve(cfg, host=args.host, port=args.port)
    return 0


def cmd_feedback(args, cfg: config.Config) -> int:
    from . import feedback

    store = feedback.FeedbackStore(args.db) if args.db else feedback.from_env()
    try:
        if store is None:
            raise feedback.FeedbackError("No feedback database: pass --db FILE or set MEDQUOTE_FEEDBACK_DB.")
        lines = feedback.export(store.path, cfg.corpus_dir)
        text = "".join(line + "\n" for line in lines)
        if args.out:
            args.out.write_text(text, encoding="utf-8")
            print(f"{len(lines)} lines for review written to {args.out}")
        else:
            sys.stdout.write(text)
    except (feedback.FeedbackError, OSError) as exc:
        print(f"medquote: {exc}", file=sys.stderr)
        return 2
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
    s.add_argument("--out", type=Path, help="write the full report as JSON")
    s.add_argument("--compare", action="store_true", help="run bm25, dense, hybrid, hybrid+rerank without and with the question bank side by side")
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
    try:
        return args.func(args, config.from_env())
    except KNOWN_ERRORS as exc:
        print(f"medquote: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `medquote ask ... | head`: the reader left; nothing to report
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
