"""The `medquote` command: ingest, ask, eval (with --compare and --calibrate), bank, serve, feedback.

Its own top-level package (run as `medquote ARGS` or `python -m cli ARGS`), above the core
`medquote` package, so that no package imports one that imports it back (issue 22).

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
from typing import TYPE_CHECKING, Any

from answer import render, to_answer_object
from medquote import config
from medquote.errors import handled

if TYPE_CHECKING:
    from medquote.engine import Engine


def _index_dir(cfg: config.Config, encoder: str) -> Path:
    from medquote.engine import index_dir_for

    return index_dir_for(cfg, encoder)


def _engine(cfg: config.Config, rebuild: bool = True, threshold: float | None = None, encoder: str | None = None) -> Engine:
    from medquote.engine import engine_for

    return engine_for(cfg, encoder, rebuild, threshold)


def cmd_ingest(args: argparse.Namespace, cfg: config.Config) -> int:
    from index import build_index
    from index.models import adapted_model
    from index.serving import exported_embedder

    if not args.quiet:  # "Embedded N texts, reused M vectors of the previous build."
        logging.getLogger("medquote.index").setLevel(logging.INFO)
    index_dir = _index_dir(cfg, args.encoder)
    model = adapted_model(cfg.corpus_dir, index_dir, cfg.model_dir, progress=not args.quiet, encoder=args.encoder)
    # The encoder exported to ONNX for the server first: a failed export stops here, and the
    # index (and export) served until now stay as they were.
    embedder = exported_embedder(model, cfg.model_dir, threads=cfg.torch_threads)
    path = build_index(cfg.corpus_dir, embedder, index_dir, progress=not args.quiet, reuse=not args.full)
    print(f"Index built in {path} with the encoder {embedder.name} (weights sha256 {embedder.weights_sha256}, "
          f"ONNX export sha256 {embedder.onnx_sha256})")
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
    from evaluation.runner import check_destination

    if (args.calibrate or args.fit) and (args.out or args.html):
        print(f"medquote: {'--calibrate' if args.calibrate else '--fit'} prints its result and writes no report; "
              "drop --out and --html, or run the evaluation without it.", file=sys.stderr)
        return 2
    # Before anything runs: a report that cannot be written is found now, not after every question.
    for flag, dest in (("--out", args.out), ("--html", args.html)):
        if dest is not None:
            check_destination(dest, flag)
    if len(args.gold) > 1 and not args.calibrate:
        print("medquote: give one --gold file (several only with --calibrate).", file=sys.stderr)
        return 2
    if args.calibrate or args.fit:  # a blind or held-out set is scored, never tuned on
        from evaluation.gold import refuse_tuning_on

        for path in args.gold:
            refuse_tuning_on(path, "--calibrate" if args.calibrate else "--fit")
    golds = [g for path in args.gold for g in load_gold(path)]
    args.gold = args.gold[0]
    if args.calibrate:
        from evaluation.calibrate import calibrate

        # With no threshold, a reply still abstains for scope rules or a crisis: those count as
        # abstaining at every threshold.
        print(calibrate(_engine(cfg, threshold=float("-inf"), encoder=args.encoder), golds))
        return 0
    if args.fit:
        return _fit(args, cfg, golds)
    engine, report, results = _engine(cfg, encoder=args.encoder), None, None
    if args.compare:
        from evaluation.compare import compare, table

        results = compare(golds, cfg.corpus_dir, base=engine, adapted=_adapted_if_trained(cfg))
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


def _adapted_if_trained(cfg: config.Config) -> Engine | None:
    """The adapted encoder's engine for --compare, only when it is already trained for this
    bank (`medquote ingest --encoder adapted` trains it; a comparison never trains)."""
    from index.models import bank_pairs, find_model

    if find_model(cfg.model_dir, bank_pairs(cfg.corpus_dir)) is None:
        print("The adapted encoder is not trained for this question bank; comparing the base encoder only. "
              "Run `medquote ingest --encoder adapted` to include it.")
        return None
    return _engine(cfg, encoder="adapted")


def _fit(args: argparse.Namespace, cfg: config.Config, golds: list[Any]) -> int:
    """Fit the score weights and threshold for the chosen encoder; write index/scoring.json."""
    from evaluation.fit import fit
    from index.models import SERVED_ENCODER
    from index.scoring import ScoringError, load_weights, save_weights

    encoder = args.encoder or SERVED_ENCODER
    weights = fit(_engine(cfg, encoder=encoder), golds, cfg.corpus_dir, args.gold)
    try:
        fits = load_weights()
    except ScoringError:
        fits = {}
    # The served base encoder keeps the landed formula under "base"; its fit is kept beside it.
    kind = "base-fitted" if encoder == "base" else encoder
    save_weights({**fits, kind: weights})
    print(json.dumps({kind: weights.__dict__}, indent=2))
    print("Weights written to index/scoring.json")
    return 0


def cmd_bank(args: argparse.Namespace, cfg: config.Config) -> int:
    from medquote.bankreport import report

    lines, problems = report(cfg.corpus_dir)
    print("\n".join(lines))
    if problems:
        print(f"medquote: {problems} bank entr{'y' if problems == 1 else 'ies'} to fix before `medquote ingest` will build.", file=sys.stderr)
    return 1 if problems else 0


def cmd_serve(args: argparse.Namespace, cfg: config.Config) -> int:
    import app  # serves with the ONNX export of the encoder: this process never imports torch

    app.serve(cfg, host=args.host, port=args.port)
    return 0


def cmd_feedback(args: argparse.Namespace, cfg: config.Config) -> int:
    from medquote import feedback

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
    s.add_argument("--encoder", choices=("base", "adapted"), default="base",
                   help="build for the served base encoder (default) or train and build the one adapted to the question bank")
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
    s.add_argument("--gold", required=True, type=Path, nargs="+", action="extend",
                   help="the gold file; with --calibrate, several are calibrated on together (dev and notcovered)")
    s.add_argument("--out", type=Path, help="write the full report (with --compare: every configuration's metrics) as JSON")
    s.add_argument("--html", type=Path, metavar="REPORT.html", help="also write a self-contained HTML report: every miss, charts, goals")
    # One run a command: each of these replaces the evaluation, so two together would run only one.
    mode = s.add_mutually_exclusive_group()
    mode.add_argument("--compare", action="store_true",
                      help="run the base and the adapted encoder, each without and with the question bank, side by side")
    mode.add_argument("--calibrate", action="store_true",
                      help="print the abstention threshold curve and the best threshold (tuning splits only)")
    mode.add_argument("--fit", action="store_true",
                      help="fit the score weights and threshold for the encoder and write index/scoring.json (tuning splits only)")
    s.add_argument("--encoder", choices=("base", "adapted", "fake"), default=None,
                   help="the served encoder (default: base, all-MiniLM-L6-v2 as shipped), the one adapted to the "
                        "question bank, or the tests' word-hashing fake")
    s.set_defaults(func=cmd_eval)
    s = sub.add_parser("bank", help="list, per document, passages without bank questions and bank entries that no longer match")
    s.set_defaults(func=cmd_bank)
    s = sub.add_parser("serve", help="serve the chat (127.0.0.1:7860 unless told otherwise)")
    s.add_argument("--host", default=None)
    s.add_argument("--port", type=_port, default=None, help="1-65535 (default: $MEDQUOTE_PORT, else 7860)")
    s.set_defaults(func=cmd_serve)
    s = sub.add_parser("feedback", help="work with stored feedback (only if MEDQUOTE_FEEDBACK_DB was set)")
    fsub = s.add_subparsers(dest="action", required=True)
    s = fsub.add_parser("export", help="turn feedback into gold-file lines for review")
    s.add_argument("--db", type=Path, help="feedback database (default: $MEDQUOTE_FEEDBACK_DB)")
    s.add_argument("--out", type=Path, help="write JSON Lines here (default: standard output)")
    s.set_defaults(func=cmd_feedback)
    return p


def _port(raw: str) -> int:
    try:
        return config.port_number(raw, "--port")
    except config.ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    # A terminal or a redirect that is not UTF-8 (Windows' default for a file) gets "?" for what
    # it cannot show, not a UnicodeEncodeError: the replies hold quotes and other languages.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    logging.basicConfig(level=logging.WARNING, format="medquote: %(message)s")
    args = parser().parse_args(argv)
    func: Callable[[argparse.Namespace, config.Config], int] = args.func
    return handled(lambda: func(args, config.from_env()))

