"""Shared fixtures. Test doubles are passed in (FakeEmbedder), never patched in."""

from __future__ import annotations

import shutil
from pathlib import Path

import hypothesis  # noqa: F401  (imported up front: see below)
import pytest

from index import FakeEmbedder, open_index
from ingest import chunk_corpus, read_metadata
from medquote import Engine
from tests.helpers import CORPUS, shared_index_dir
from tests.skipnote import pytest_terminal_summary  # noqa: F401  (a hook: pytest finds it by name)

# hypothesis above: its pytest plugin imports it lazily in the closing summary, and when no test
# module has imported it by then, Python 3.11.7's parser failed there ("AST constructor recursion
# depth mismatch") and a run of one file that had passed exited 1.


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def corpus():
    return chunk_corpus(CORPUS)


@pytest.fixture()
def tmp_corpus(tmp_path) -> Path:
    """A private copy of the corpus that a test may edit."""
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


@pytest.fixture(scope="session")
def fake_engine(tmp_path_factory) -> Engine:
    root = tmp_path_factory.mktemp("fake-index")
    return Engine(index=open_index(CORPUS, FakeEmbedder(), root), sources=read_metadata(CORPUS))


@pytest.fixture(scope="session")
def real_engine(tmp_path_factory) -> Engine:
    # The session's one real index (tests/helpers.shared_index_dir): built here or by whichever
    # slow module needs it first, never once per module (a build embeds ~6,000 texts, ~100 s).
    return Engine.load(CORPUS, shared_index_dir(tmp_path_factory))
