"""The HTML evaluation report's charts, drawn by matplotlib as SVG text to inline in the page.

Three charts: the threshold curve (abstain on not-covered vs answer on answerable, with the
threshold in use and this file's best marked), the rank of the first relevant passage per
answerable question, and, with `--compare`, the configurations side by side. Text stays text
(svg.fonttype "none": no glyph paths, no font files); every id in a chart carries its own salt
so that several charts can share one page; the XML prolog and the RDF metadata block (which
names outside addresses) are cut. Only matplotlib's object API is used (no pyplot state).
It does not decide what the numbers are (calibrate.py's sweep, report_rows.py).
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .calibrate import Point
from .metrics import Metrics

if TYPE_CHECKING:  # matplotlib is imported on use: only the HTML report draws
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

ABSTAIN, ANSWER, MARK = "#b35806", "#1f5fa6", "#333333"  # colour-blind-safe pair, dark marker
NOT_FOUND = "none"


def _svg(fig: Figure, salt: str, label: str) -> str:
    import matplotlib

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        out = io.StringIO()
        fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = out.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    # Inline SVG in HTML: a role and a name for screen readers; the page's CSS sizes it.
    return text.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=96)
    return fig, fig.add_subplot()


def threshold_curve(points: Sequence[Point], chosen: float, best: float | None, not_covered: bool = True, answerable: bool = True) -> str:
    """`best` None, `not_covered` or `answerable` False: that part has no question on this file
    and is not drawn (a flat line at 0 would read as a measured rate)."""
    fig, ax = _figure(6.4, 3.4)
    xs = [p.threshold for p in points]
    if not_covered:
        ax.step(xs, [p.abstain_unanswerable for p in points], where="post", color=ABSTAIN, label="abstains on not-covered")
    if answerable:
        ax.step(xs, [p.answer_answerable for p in points], where="post", color=ANSWER, linestyle="--",
                label="answers answerable")
    ax.axvline(chosen, color=MARK, linewidth=1.5, label=f"threshold in use {chosen:.2f}")
    if best is not None and abs(best - chosen) > 1e-9:
        ax.axvline(best, color=MARK, linewidth=1, linestyle=":", label=f"best on this file {best:.2f}")
    ax.set_xlabel("threshold on the adapted score alone (no second opinion, no follow-up gate)")
    ax.set_ylabel("share of questions")
    ax.set_ylim(-0.03, 1.03)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    return _svg(fig, "threshold", "Threshold curve")


def rank_histogram(ranks: Sequence[int | None], depth: int = 10) -> str:
    """`ranks`: first relevant rank per answerable question, None when not in the top `depth`."""
    counts = Counter(NOT_FOUND if r is None else r for r in ranks)
    labels = [str(i) for i in range(1, depth + 1)] + [NOT_FOUND]
    values = [counts.get(i, 0) for i in range(1, depth + 1)] + [counts.get(NOT_FOUND, 0)]
    fig, ax = _figure(6.4, 3.0)
    bars = ax.bar(labels, values, color=[ANSWER] * depth + [ABSTAIN])
    ax.bar_label(bars, labels=[str(v) if v else "" for v in values], fontsize=8)
    ax.set_xlabel("rank of the first relevant passage (\u201cnone\u201d: not in the top 10)")
    ax.set_ylabel("questions")
    ax.grid(axis="y", alpha=0.3)
    return _svg(fig, "ranks", "Histogram of the rank of the first relevant passage")


def compare_bars(results: Mapping[str, Metrics], rows: Sequence[str]) -> str:
    """One group of horizontal bars per metric, one bar per configuration (n/a drawn as 0)."""
    names = list(results)
    fig, ax = _figure(7.2, 0.5 + 0.28 * len(rows) * len(names))
    height = 0.8 / max(len(names), 1)
    colours = ["#9e9e9e", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#b35806", "#542788", "#1b7837"]
    for j, name in enumerate(names):
        ys = [i + j * height for i in range(len(rows))]
        values = [results[name].get(r) or 0.0 for r in rows]
        ax.barh(ys, values, height=height, color=colours[j % len(colours)], label=name)
    ax.set_yticks([i + 0.4 - height / 2 for i in range(len(rows))], list(rows))
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    return _svg(fig, "compare", "Configurations side by side")
