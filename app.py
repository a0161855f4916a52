"""medquote's web server: the Gradio chat (web/page.py), the "show in context" pages
(web/context.py) and the `/ask` JSON API, on one origin.

`python app.py` (or `medquote serve`) serves on 127.0.0.1:7860 unless MEDQUOTE_HOST/PORT (or a
hosting platform's GRADIO_SERVER_NAME/PORT) say otherwise. Offline and private by construction:
analytics off before Gradio is imported, system fonts only, no LaTeX, no share link, no
flagging, no run history, no saved chats; a Content-Security-Policy lets the page load nothing
from another origin; no access log (so no IP addresses or URLs are logged) and no question
text in any log. Feedback is stored only when MEDQUOTE_FEEDBACK_DB is set (medquote/feedback.py).
The queue is bounded with api_open=False. It does not answer questions itself; Engine does,
with the encoder's ONNX export on ONNX Runtime (load_engine): this process never imports torch,
transformers or sentence-transformers; a missing or stale index is built by `medquote ingest`
in a child process.
It builds and serves only: the settings come from medquote/config.py and every known failure
is reported by the one handler the `medquote` command uses too (medquote/errors.py).
"""

from __future__ import annotations

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # must precede the gradio import
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import ctypes
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from medquote import Engine, config
from medquote.feedback import FeedbackStore
from web import ContextPages, build_blocks

log = logging.getLogger("medquote.app")
WEB = Path(__file__).resolve().parent / "web"
SYSTEM_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]
# Gradio's page needs its inline bootstrap script and styles; everything else must come from here.
# No frame-ancestors: a hosting platform may show the app in its own frame.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' blob:; connect-src 'self'; "
        "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
# The ASGI interface the two middlewares below implement (starlette.types spells the same).
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def theme() -> gr.themes.Base:
    # Primary buttons one shade darker than Gradio's default: white on blue-700 is 6.7:1
    # (the default blue-500 is 3.7:1, below WCAG AA).
    return gr.themes.Base(font=SYSTEM_FONTS, font_mono=MONO_FONTS).set(
        button_primary_background_fill="*primary_700", button_primary_background_fill_hover="*primary_800",
        button_primary_background_fill_dark="*primary_700", button_primary_background_fill_hover_dark="*primary_800",
        button_primary_text_color="white", button_primary_text_color_dark="white",
    )


class PrivacyHeaders:
    """ASGI middleware adding HEADERS to every response that does not set its own
    (a pure ASGI wrapper, so Gradio's streamed queue responses pass through untouched)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


class OptionalPrevious:
    """ASGI middleware: a call of /ask with only the question (`{"data": [q]}`, the call made
    before `previous` existed) gets `previous = null` added, since Gradio requires every input in
    a raw call (gradio_client fills defaults itself). It looks only at `POST
    /gradio_api/call/ask` and at `POST /gradio_api/queue/join` for /ask's function index."""

    CALL, JOIN = "/gradio_api/call/ask", "/gradio_api/queue/join"

    def __init__(self, app: ASGIApp, fn_index: int):
        self.app, self.fn_index = app, fn_index

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "").rstrip("/")
        if scope["type"] != "http" or scope["method"] != "POST" or path not in (self.CALL, self.JOIN):
            return await self.app(scope, receive, send)
        body, more = b"", True
        while more:  # Gradio reads the whole body of this route too
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        try:
            payload = json.loads(body)
            ours = path == self.CALL or (isinstance(payload, dict) and payload.get("fn_index") == self.fn_index)
            data = payload.get("data") if isinstance(payload, dict) else None
            if ours and isinstance(data, list) and len(data) < 2:
                # [] is an empty question (its fixed reply), not a stack trace in Gradio's batching.
                body = json.dumps({**payload, "data": [data[0] if data else "", None]}).encode()
        except ValueError:
            pass  # not JSON: Gradio answers it as before
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
        scope = {**scope, "headers": [*headers, (b"content-length", str(len(body)).encode())]}
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def create_app(engine: Engine, cfg: config.Config, feedback: FeedbackStore | None = None) -> FastAPI:
    from ingest import read_corpus

    demo = build_blocks(engine, cfg.emergency_number, feedback)
    # Gradio keeps ~45 KB per browser session, 10,000 sessions by default (~430 MB); the chat
    # keeps nothing per session that matters, so a smaller cap bounds memory (docs/performance.md).
    demo.state_session_capacity = 1000
    demo.queue(api_open=False, max_size=cfg.queue_size, default_concurrency_limit=2)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(PrivacyHeaders)
    ask_index = next(i for i, fn in demo.fns.items() if getattr(fn, "api_name", None) == "ask")
    app.add_middleware(OptionalPrevious, fn_index=ask_index)
    documents = {d.doc_id: d.raw for d in read_corpus(cfg.corpus_dir)}
    pages = ContextPages(documents, engine.sources, cfg.emergency_number, engine.index.context_spans())
    app.add_route("/source/{doc_id}", pages.endpoint, methods=["GET"], include_in_schema=False)
    # Gradio's deep links write a session's last inputs (its chat) to a file and serve them back;
    # with batching they can be another person's (a batch is run with its first event's session).
    app.add_route("/gradio_api/deep_link", not_found, methods=["GET"], include_in_schema=False)
    script = (WEB / "assets.js").read_text(encoding="utf-8")
    return gr.mount_gradio_app(
        app, demo, path="/", server_name=cfg.host, server_port=cfg.port, footer_links=["api"],
        run_history=False, show_error=False, max_file_size="1kb", ssr_mode=False, pwa=False,
        mcp_server=False, enable_monitoring=False, theme=theme(), app_kwargs={"openapi_url": None},
        css=(WEB / "assets.css").read_text(encoding="utf-8"), head=f"<script>{script}</script>",
    )


async def not_found(request: Request) -> PlainTextResponse:
    return PlainTextResponse("Not Found", status_code=404)


M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)


def cap_malloc_arenas(arenas: int = 2) -> bool:
    """Cap glibc's malloc arenas, as MALLOC_ARENA_MAX=2 would. glibc gives threads that allocate
    at the same time heaps of their own and seldom returns their memory: after a 16-client load
    Gradio's worker threads held ~100 MB more (peak RSS 921 -> 822 MB with the cap, the same
    answers/s; docs/performance.md). False where the C library is not glibc: nothing to cap."""
    try:
        return bool(ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False


def load_engine(cfg: config.Config) -> Engine:
    """The served engine: the encoder's ONNX export on ONNX Runtime, so the server never imports
    torch, transformers or sentence-transformers (a missing or stale index is built by
    `medquote ingest` in a child process first). MEDQUOTE_TORCH_THREADS sets its threads."""
    from answer import Settings

    # The emergency notice must name the same number as the page's emergency line.
    settings = Settings(emergency_number=cfg.emergency_number)
    return Engine.load(cfg.corpus_dir, cfg.index_dir, settings=settings, threads=cfg.torch_threads,
                       model_dir=cfg.model_dir, runtime="onnx")


def serve(cfg: config.Config | None = None, host: str | None = None, port: int | None = None, engine: Engine | None = None) -> None:
    import dataclasses

    import uvicorn

    cap_malloc_arenas()  # before any worker thread exists
    cfg = cfg or config.from_env()
    cfg = dataclasses.replace(cfg, host=host or cfg.host, port=cfg.port if port is None else config.port_number(str(port), "--port"))
    engine = engine or load_engine(cfg)
    app = create_app(engine, cfg, FeedbackStore(cfg.feedback_db) if cfg.feedback_db else None)
    # access_log off: request lines carry client addresses, which we do not keep.
    uvicorn.run(app, host=cfg.host, port=cfg.port, log_level="warning", access_log=False)


def main() -> int:
    """`python app.py`: serve until stopped."""
    serve()
    return 0


if __name__ == "__main__":
    import sys

    from medquote.errors import handled

    logging.basicConfig(level=logging.WARNING, format="medquote: %(message)s")
    sys.exit(handled(main))  # one line naming the fix, never a traceback
