"""Quality regression: the held-out figures may not drop more than 0.03 below the committed ones."""

from __future__ import annotations

import json

import pytest

from evaluation import load_gold, run_eval
from tests.helpers import ROOT

pytestmark = pytest.mark.slow
TOLERANCE = 0.03
FIGURES = json.loads((ROOT / "evaluation" / "figures.json").read_text())


@pytest.mark.parametrize("split", ["heldout", "dev"])
def test_quality_does_not_regress(real_engine, corpus_dir, split):
    report = run_eval(real_engine, load_gold(ROOT / "evaluation" / "gold" / f"{split}.jsonl"), corpus_dir)
    metrics = report["metrics"]
    for name in ("accuracy@1", "mrr@10"):
        assert metrics[name] >= FIGURES[split][name] - TOLERANCE, (split, name, metrics[name])
    assert metrics["verbatim_rate"] == 1.0 and metrics["disclaimer_rate"] == 1.0
    assert metrics["median_quote_chars"] <= 600
