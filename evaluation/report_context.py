"""What frames the HTML evaluation report: provenance and goals (the threshold sweep is calibrate.sweep).

Provenance: short sha256 fingerprints of the configuration (answer and retrieval settings), the
corpus documents with `sources.toml`, the question bank and the safety exemplars (the same
per-file hashes the index manifest stores, and that the index was checked against when it
opened), the model and its weights, the gold file, the commit and the date; so that two
reports can be compared. Goals: `goals.toml`, only those an issue or README states.
It does not render anything (html_report.py).
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from medquote.engine import Engine

GOALS_FILE = Path(__file__).with_name("goals.toml")
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Goal:
    bound: float
    at_least: bool  # "≥ bound" when true, "≤ bound" otherwise
    source: str

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value >= self.bound if self.at_least else value <= self.bound

    @property
    def text(self) -> str:
        return ("\u2265 " if self.at_least else "\u2264 ") + f"{self.bound:.2f}"


@dataclass(frozen=True)
class Provenance:
    gold: str
    gold_sha256: str
    commit: str
    date: str
    model: str
    weights_sha256: str
    chunker: str
    config: str  # fingerprints, 16 hex digits each
    corpus: str
    bank: str
    exemplars: str
    settings: str  # the full settings as pretty JSON, for a reader who wants to see what changed


def goals_for(gold_path: Path | str, path: Path = GOALS_FILE) -> dict[str, Goal]:
    """The goals for this gold file: [all], then its own table; followups2..N are follow-up
    sets too, so they take [followups]'s goals, not the standalone questions'."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    stem = re.sub(r"^followups\d+$", "followups", Path(gold_path).stem)
    chosen = {**data.get("all", {}), **data.get(stem, {})}
    return {
        name: Goal(float(g["min"] if "min" in g else g["max"]), "min" in g, g["source"]) for name, g in chosen.items()
    }


def fingerprint(entries: Mapping[str, str]) -> str:
    text = "\n".join(f"{k} {v}" for k, v in sorted(entries.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def commit() -> str:
    """The checked-out commit, with "+changes" when the work tree differs from it."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    if head.returncode != 0:
        return "unknown (not a git checkout)"
    return head.stdout.strip() + (" +changes" if dirty.stdout.strip() else "")


def provenance(engine: Engine, corpus_dir: Path, gold_path: Path | str) -> Provenance:
    from index.build import expected_manifest
    from ingest import CHUNKER_VERSION

    embedder = engine.index.embedder
    docs = expected_manifest(Path(corpus_dir), embedder).documents
    settings = {"answer": asdict(engine.settings), "retrieval": asdict(engine.index.settings)}
    settings_json = json.dumps(settings, indent=2, sort_keys=True, default=str)
    gold_bytes = Path(gold_path).read_bytes()
    return Provenance(
        gold=str(gold_path), gold_sha256=hashlib.sha256(gold_bytes).hexdigest()[:16], commit=commit(),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), model=embedder.name,
        weights_sha256=embedder.weights_sha256[:16], chunker=CHUNKER_VERSION,
        config=hashlib.sha256(settings_json.encode("utf-8")).hexdigest()[:16],
        corpus=fingerprint({k: v for k, v in docs.items() if "/" not in k}),
        bank=fingerprint({k: v for k, v in docs.items() if k.startswith("questions/")}),
        exemplars=fingerprint({k: v for k, v in docs.items() if k.startswith("exemplars/")}),
        settings=settings_json,
    )
