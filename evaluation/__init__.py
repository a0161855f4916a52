"""evaluation: gold questions, relevance and metrics, and the runner behind `medquote eval`.

Public API: load_gold(path), run_eval(engine, golds, corpus_dir), write_report(report, path),
format_metrics(metrics), GoldQuestion, GoldError.
"""

from .gold import GoldError, GoldQuestion, load_gold
from .runner import format_metrics, run_eval, write_report

__all__ = ["GoldError", "GoldQuestion", "format_metrics", "load_gold", "run_eval", "write_report"]
