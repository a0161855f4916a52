"""`medquote eval --html REPORT.html`: one self-contained page that shows why the figures are what
they are: headline metrics beside their goals, the threshold curve, the rank histogram (and,
with `--compare`, the configurations side by side), every question with misses first, and the
fingerprints that let two reports be compared.

Self-contained: inline CSS, charts as inline SVG, no script, and a Content-Security-Policy that
forbids every load; nothing is requested from any origin. Everything from the corpus or a gold
file reaches the page through Jinja2 with autoescape on, so `<script>` or a Markdown image in a
question or a quote shows as text. It does not score (metrics.py); it asks the engine again only for what the answer objects
lack (the threshold sweep, the triggers), and runs run_eval itself only when not given a report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ingest import read_corpus
from medquote.engine import Engine

from . import charts
from .calibrate import sweep
from .gold import GoldQuestion
from .metrics import Metrics
from .report_context import goals_for, provenance
from .report_error import ReportError
from .report_rows import rows as question_rows
from .runner import run_eval
from .triggers import triggers

TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class Headline:
    name: str
    value: str
    goal: str  # "" when no goal is documented for this metric
    met: bool | None
    source: str


def headlines(metrics: Metrics, gold_path: Path | str) -> list[Headline]:
    goals = goals_for(gold_path)
    out: list[Headline] = []
    for name, value in metrics.items():
        goal = goals.get(name)
        shown = "n/a" if value is None else f"{value:.3f}" if isinstance(value, float) and value <= 1 else str(value)
        out.append(Headline(name, shown, goal.text if goal else "", goal.met(value) if goal else None,
                            goal.source if goal else ""))
    return out


def context(engine: Engine, golds: Sequence[GoldQuestion], corpus_dir: Path, gold_path: Path | str,
            report: Mapping[str, Any] | None = None, compare: Mapping[str, Metrics] | None = None) -> dict[str, object]:
    """Everything the template shows. `report`: run_eval's result for the served configuration
    (run here when not given); `compare`: configuration name -> metrics, from evaluation.compare."""
    from .compare import ROWS

    golds = list(golds)
    report = report or run_eval(engine, golds, corpus_dir, {"gold": str(gold_path)})
    raws = {d.doc_id: d.raw for d in read_corpus(Path(corpus_dir))}
    by_id = {a["id"]: a for a in report["questions"]}
    rows = question_rows(report["questions"], golds, raws)
    gold_of = {g.id: g for g in golds}
    # Only an alarm or an answered not-covered question is asked again, for what triggered it.
    rows = [replace(r, triggers=triggers(engine, gold_of[r.id], by_id[r.id]))
            if r.alarm or (r.kind == "not covered" and r.answered) else r for r in rows]
    points, best = sweep(engine, golds)
    chosen = engine.settings.threshold
    assert chosen is not None  # an Engine fills in its calibrated threshold when built (Engine.__post_init__)
    at_chosen = min(points, key=lambda p: (abs(p.threshold - chosen), p.threshold))
    # The sweep's rates over an empty group are 0 (curve() divides by at least 1): shown as n/a,
    # not drawn, and no best point without both groups.
    calm = [g for g in golds if not (g.emergency or g.crisis)]
    has = {"not_covered": any(not g.answerable for g in calm), "answerable": any(g.answerable for g in calm)}
    ranks = [r.rank for r in rows if gold_of[r.id].answerable]  # the questions the ranking metrics count
    return {
        "prov": provenance(engine, Path(corpus_dir), gold_path),
        "headlines": headlines(report["metrics"], gold_path),
        "rows": rows,
        "misses": sum(r.miss for r in rows),
        "titles": {doc: meta.title for doc, meta in engine.sources.items()},
        "threshold": {"chosen": chosen, "best": best if all(has.values()) else None, "at_chosen": at_chosen, **has},
        "threshold_svg": charts.threshold_curve(points, chosen, best.threshold if all(has.values()) else None, **has),
        "rank_svg": charts.rank_histogram(ranks),
        "ranked_questions": len(ranks),
        "compare": compare,
        "compare_rows": ROWS,
        "compare_svg": charts.compare_bars(compare, ROWS) if compare else "",
    }


def render(ctx: dict[str, object]) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined
    from markupsafe import Markup

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    # The charts are our own SVG, made by charts.py from numbers; nothing else is marked safe.
    ctx = {**ctx, **{k: Markup(ctx[k]) for k in ("threshold_svg", "rank_svg", "compare_svg")}}
    return env.get_template("report.html.j2").render(**ctx)


def write_html(engine: Engine, golds: Sequence[GoldQuestion], corpus_dir: Path, gold_path: Path | str, out: Path | str,
               report: Mapping[str, Any] | None = None, compare: Mapping[str, Metrics] | None = None) -> None:
    page = render(context(engine, golds, corpus_dir, gold_path, report, compare))
    try:
        Path(out).write_text(page, encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"Cannot write the HTML report to {out} ({exc.strerror}). "
                          "Pass --html a path in a folder that exists and is writable.") from None
