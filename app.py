"""medquote's web chat: a thin Gradio layer over Engine.ask, plus the `/ask` JSON API.

`python app.py` (or `medquote serve`) serves on 127.0.0.1:7860 unless MEDQUOTE_HOST/PORT (or a
hosting platform's GRADIO_SERVER_NAME/PORT) say otherwise. Offline by construction: analytics
off before Gradio is imported, system fonts only, no LaTeX, no share link, no flagging, no run
history; the queue is bounded with api_open=False. All words on the page come from
answer.strings or are verbatim quotes. No question text is logged.
"""

from __future__ import annotations

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # must precede the gradio import
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import logging

import gradio as gr

from answer import render, strings, to_answer_object
from medquote import config

log = logging.getLogger("medquote.app")
SYSTEM_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]


def theme() -> gr.themes.Base:
    return gr.themes.Base(font=SYSTEM_FONTS, font_mono=MONO_FONTS)


def sources_markdown(engine) -> str:
    rows = [
        f"- {render.escape(m.title)} ({render.escape(strings.DOC_KIND_LABELS.get(m.kind, m.kind))}, "
        f"{render.escape(m.date or strings.NO_DATE)})"
        for m in sorted(engine.sources.values(), key=lambda m: m.doc_id)
    ]
    return f"**{render.escape(strings.SOURCES_HEADING)}**\n\n" + "\n".join(rows)


def build_app(engine, cfg: config.Config) -> gr.Blocks:
    number = cfg.emergency_number

    def safe_ask(question):
        try:
            return engine.ask(question if isinstance(question, str) else "")
        except Exception:  # never show a stack trace; never log the question itself
            log.exception("answering failed")
            return None

    def chat(message: str, history: list) -> str:
        reply = safe_ask(message)
        return reply.markdown if reply else render.escape(strings.INTERNAL_ERROR)

    def ask(question: str) -> dict:
        """Answer one question with verbatim quotes. Returns the answer object as JSON."""
        reply = safe_ask(question)
        if reply is None:
            return {"error": strings.INTERNAL_ERROR}
        return to_answer_object(reply)

    with gr.Blocks(title=strings.APP_TITLE, analytics_enabled=False, fill_height=True) as demo:
        gr.Markdown(f"# {render.escape(strings.APP_TITLE)}\n\n{render.escape(strings.APP_INTRO)}")
        gr.Markdown(f"**{render.escape(strings.EMERGENCY_LINE.format(number=number))}**", elem_id="emergency-line")
        gr.Markdown(f"_{render.escape(strings.DISCLAIMER)}_", elem_id="disclaimer")
        chatbot = gr.Chatbot(
            label=strings.APP_TITLE, latex_delimiters=[], sanitize_html=True, render_markdown=True,
            feedback_options=None, buttons=["copy"], allow_tags=False, height=480,
        )
        gr.ChatInterface(
            chat, chatbot=chatbot, examples=list(strings.EXAMPLE_QUESTIONS), flagging_mode="never",
            save_history=False, api_name="chat", api_visibility="undocumented", autofocus=False,
            textbox=gr.Textbox(placeholder=strings.INPUT_PLACEHOLDER, show_label=False, max_lines=6),
        )
        with gr.Accordion(strings.SOURCES_HEADING, open=False):
            gr.Markdown(sources_markdown(engine))
        gr.api(ask, api_name="ask")
    return demo


def serve(cfg: config.Config | None = None, host: str | None = None, port: int | None = None, engine=None):
    from medquote import Engine

    cfg = cfg or config.from_env()
    engine = engine or Engine.load(cfg.corpus_dir, cfg.index_dir)
    demo = build_app(engine, cfg)
    demo.queue(api_open=False, max_size=cfg.queue_size, default_concurrency_limit=2)
    demo.launch(
        server_name=host or cfg.host, server_port=port or cfg.port, share=False, show_error=False,
        theme=theme(), footer_links=["api"], run_history=False, enable_monitoring=False,
        max_file_size="1kb", mcp_server=False, pwa=False, ssr_mode=False, quiet=True,
    )


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="medquote: %(message)s")
    serve()
