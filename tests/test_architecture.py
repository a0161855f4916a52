"""The structure the tools cannot see, checked directly (fast, no model).

- `import answer` (the pure policy) and `import records` load only the standard library and
  medquote's own stdlib-only modules: no torch, faiss, bm25s, gradio or sentence-transformers.
- app.py (a single-file module, outside import-linter's reach) imports neither the command
  line nor evaluation, so the CLI -> app edge stays one-way.
- every environment read is in medquote/config.py; elsewhere the environment is only set
  (for third-party libraries).
- every known failure derives from MedquoteError; unknown kinds and modes are rejected.
The layering between packages is checked by `lint-imports` (pyproject.toml, make lint).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest

from tests.helpers import ROOT

HEAVY = ("torch", "faiss", "bm25s", "gradio", "sentence_transformers")
PRODUCT = ("records", "ingest", "index", "answer", "medquote", "web", "evaluation")


def loaded_after(statement: str) -> list[str]:
    code = f"import json, sys; {statement}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("package", ["answer", "records"])
def test_the_policy_and_the_records_load_nothing_heavy(package):
    modules = loaded_after(f"import {package}")
    assert package in modules
    assert [m for m in modules if m.split(".")[0] in HEAVY] == []
    # Stricter: beyond what the interpreter loads at start-up, nothing outside the standard
    # library but answer and records themselves.
    new = {m.split(".")[0] for m in set(modules) - set(loaded_after("pass"))}
    assert new - set(sys.stdlib_module_names) - {"answer", "records"} == set()


def imported_modules(path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return names


def test_app_imports_neither_the_cli_nor_evaluation():
    names = imported_modules(ROOT / "app.py")
    assert "medquote" in {n.split(".")[0] for n in names}  # the check looks at real imports
    bad = [n for n in names if n.split(".")[0] in ("cli", "evaluation", "tests", "benchmarks", "scripts")]
    assert bad == []


def environment_reads(path) -> list[int]:
    """Lines that read os.environ / os.getenv. Setting a variable (`os.environ[k] = v`,
    `os.environ.setdefault(k, v)`) is not a read."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "getenv":
            lines.append(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr == "environ":
            parent = parents.get(node)
            sets = (isinstance(parent, ast.Subscript) and isinstance(parent.ctx, ast.Store)) or (
                isinstance(parent, ast.Attribute) and parent.attr == "setdefault"
            )
            if not sets:
                lines.append(node.lineno)
    return lines


def test_every_environment_read_is_in_config():
    files = [ROOT / "app.py", *(p for pkg in PRODUCT for p in sorted((ROOT / pkg).rglob("*.py")))]
    reads = {str(p.relative_to(ROOT)): environment_reads(p) for p in files}
    assert reads["medquote/config.py"]  # the check does find reads
    assert {f: lines for f, lines in reads.items() if lines and f != "medquote/config.py"} == {}


def test_every_known_failure_is_a_medquote_error():
    from evaluation import GoldError
    from index import IndexUnavailable, ModelError
    from ingest import BankError, IngestError
    from medquote.config import ConfigError
    from medquote.feedback import FeedbackError
    from records import MedquoteError, UnknownValue

    for error in (IngestError, BankError, IndexUnavailable, ModelError, GoldError, ConfigError, FeedbackError, UnknownValue):
        assert issubclass(error, MedquoteError), error


def test_unknown_kinds_and_modes_are_rejected():
    from index import ScoreWeights
    from records import Chunk, ChunkKind, MedquoteError, SourceMeta, Span

    with pytest.raises(MedquoteError, match="6 coefficients"):
        ScoreWeights(0.0, (1.0, 2.0), 0.5, "m", "dev")
    with pytest.raises(MedquoteError, match="answer"):
        Chunk("d", 0, 1, "s", "answer", "x")
    with pytest.raises(MedquoteError, match="blog"):
        SourceMeta("d", "t", "blog", "")
    with pytest.raises(MedquoteError, match="footer"):
        Span(0, 1, "footer")
    # A plain string read back from JSON becomes the member, and still equals the string.
    chunk = Chunk("d", 0, 1, "s", "reply", "x")
    assert chunk.kind is ChunkKind.REPLY and chunk.kind == "reply"
