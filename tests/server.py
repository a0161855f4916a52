"""Moved to benchmarks/launcher.py (the launcher) and tests/helpers.py (shared_index_dir).

Kept only so that imports written before the move keep working; import from those modules.
"""

from benchmarks.launcher import ROOT, free_port, launched, launched_app, stop
from tests.helpers import shared_index_dir

__all__ = ["ROOT", "free_port", "launched", "launched_app", "shared_index_dir", "stop"]
