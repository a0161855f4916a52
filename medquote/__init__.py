"""medquote: quote-only answers about muscle twitching and ALS.

Public API:
    Engine.load(corpus_dir, index_dir, embedder=None) -> Engine;  Engine.ask(question) -> Reply
    config.from_env() -> Config
"""

from .engine import Engine

__all__ = ["Engine"]
