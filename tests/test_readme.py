"""The README's measured figures are generated from the committed result files
(scripts/readme_figures.py): a figure changed in one place and not the other fails here."""

from __future__ import annotations

from scripts.readme_figures import BLOCKS, README, render


def test_readme_figures_match_the_result_files():
    text = README.read_text(encoding="utf-8")
    assert all(f"<!-- figures:{name} " in text for name in BLOCKS)
    assert render(text) == text, "README.md figures differ from their result files: run `python -m scripts.readme_figures`"
