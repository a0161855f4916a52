"""web: the public chat page (Gradio Blocks) and the "show in context" pages.

Public API:
    build_blocks(engine, emergency_number, feedback=None) -> gr.Blocks
    ContextPages(documents, sources, emergency_number)   context_link(quote) -> Markdown
The server that puts them on one origin is app.py.
"""

from answer.render import context_href, context_link

from .context import ContextPages
from .page import build_blocks

__all__ = ["ContextPages", "build_blocks", "context_href", "context_link"]
