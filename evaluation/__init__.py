"""evaluation: gold questions, relevance and metrics, and the runner behind `medquote eval`.

Public API: load_gold(path), run_eval(engine, golds, corpus_dir), write_report(report, path),
format_metrics(metrics), GoldQuestion, GoldError, ReportError; the HTML report is in
html_report.py (imported on use: it needs Jinja2 and matplotlib).
"""

from .gold import GoldError, GoldQuestion, load_gold
from .report_error import ReportError
from .runner import format_metrics, run_eval, write_report

__all__ = ["GoldError", "GoldQuestion", "ReportError", "format_metrics", "load_gold", "run_eval", "write_report"]
