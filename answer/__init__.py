"""answer: the reply policy (pure), its records and rendering, and the fixed strings.

Public API:
    compose(question, hits, sources, settings, flags) -> Reply
    to_answer_object(reply, qid) -> dict          render.plain(reply) -> str
    Reply, Quote, Settings, NoFlags, strings
"""

from . import render, strings
from .policy import NoFlags, Settings, compose, input_problem
from .reply import Quote, Reply, to_answer_object

__all__ = ["NoFlags", "Quote", "Reply", "Settings", "compose", "input_problem", "render", "strings", "to_answer_object"]
