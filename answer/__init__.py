"""answer: the reply policy (pure), its records and rendering, and the fixed strings.

Public API:
    compose(question, hits, sources, settings, flags) -> Reply
    to_answer_object(reply, qid) -> AnswerObject   render.plain(reply) -> str
    Reply, Quote, AnswerObject, SafetyFlags (from records), Settings, NoFlags, strings
Stdlib only: importing it loads no model, index or web library (tests/test_architecture.py; the import-linter contracts).
"""

from records import SafetyFlags

from . import render, strings
from .policy import NoFlags, Settings, compose, input_problem
from .reply import AnswerObject, Quote, Reply, to_answer_object

__all__ = [
    "AnswerObject", "NoFlags", "Quote", "Reply", "SafetyFlags", "Settings", "compose", "input_problem", "render", "strings",
    "to_answer_object",
]
