"""Regenerates the README's measured figures from the result files, so the README cannot drift.

Each block between `<!-- figures:NAME ... -->` and `<!-- /figures:NAME -->` in README.md is
rewritten from a committed result file:
- compare-dev, compare-heldout: evaluation/figures.json "compare" (what
  `medquote eval --gold evaluation/gold/<split>.jsonl --compare --out FILE` writes), as
  evaluation.compare.table prints it;
- performance: benchmarks/results/latest.json (`python -m benchmarks.run`), as
  benchmarks.report.markdown formats it, without its machine and load header;
- scale: the largest size in benchmarks/results/scale.json (`python -m benchmarks.scale`).
It measures nothing: rerun the measurement, commit its result file, then run this.

    python -m scripts.readme_figures           # rewrite README.md
    python -m scripts.readme_figures --check   # exit 1 if README.md differs (tests/test_readme.py)
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FIGURES = ROOT / "evaluation" / "figures.json"
RESULTS = ROOT / "benchmarks" / "results"
BLOCK = re.compile(r"(<!-- figures:(?P<name>[\w-]+)[^>]*-->\n)(?P<body>.*?)(<!-- /figures:(?P=name) -->)", re.S)
PERFORMANCE_HEADER_LINES = 4  # machine, code, other processes' load, blank: the README says it in prose


def compare_table(split: str) -> str:
    from evaluation.compare import table

    return table(json.loads(FIGURES.read_text(encoding="utf-8"))["compare"][split])


def performance() -> str:
    from benchmarks.report import markdown

    res = json.loads((RESULTS / "latest.json").read_text(encoding="utf-8"))
    return "\n".join(markdown(res).split("\n")[PERFORMANCE_HEADER_LINES:])


def scale() -> str:
    res = json.loads((RESULTS / "scale.json").read_text(encoding="utf-8"))
    big = max(res["sizes"], key=lambda s: s["n"])
    approx = big["approx"]  # the IVF index served at that size
    return (f"At {big['n'] // 1_000_000}M (synthetic) chunks the index switches to IVF: encode + search is "
            f"{approx['with_encode']['ratio']:.2f}× the encode floor with recall@10 {approx['recall_at_10']:.3f} against exact search.")


BLOCKS = {
    "compare-dev": lambda: compare_table("dev"),
    "compare-heldout": lambda: compare_table("heldout"),
    "performance": performance,
    "scale": scale,
}


def render(text: str) -> str:
    """The README text with every figures block regenerated; an unknown or missing block is an error."""
    seen = []

    def fill(m: re.Match[str]) -> str:
        name = m.group("name")
        if name not in BLOCKS:
            raise SystemExit(f"README.md: unknown figures block {name!r}; known: {', '.join(BLOCKS)}")
        seen.append(name)
        return f"{m.group(1)}{BLOCKS[name]()}\n{m.group(4)}"

    out = BLOCK.sub(fill, text)
    missing = sorted(set(BLOCKS) - set(seen))
    if missing:
        raise SystemExit(f"README.md: no figures block for {', '.join(missing)}")
    return out


def main(argv: list[str]) -> int:
    current = README.read_text(encoding="utf-8")
    wanted = render(current)
    if "--check" in argv:
        if wanted != current:
            print("README.md figures differ from the result files: run `python -m scripts.readme_figures`.", file=sys.stderr)
            return 1
        return 0
    README.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
