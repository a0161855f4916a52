"""A trivial Gradio app: the floor for an HTTP round trip through Gradio and gradio_client.

It exposes one `gr.api` endpoint, `/ask`, that returns a small dict and does no work, served
the way `app.serve` serves the real app (as of this writing): Blocks queued with
api_open=False, max_size from MEDQUOTE_QUEUE_SIZE and default_concurrency_limit=2, mounted on
FastAPI with `gr.mount_gradio_app` (same options, less the page's theme/CSS/script) and run by
uvicorn with the access log off. So the only differences from the real app are the work inside
the endpoint, the size of its answer, and the real app's header middleware and page. Keep it
in step with app.create_app/serve. It serves on 127.0.0.1:MEDQUOTE_PORT and nothing else.

    python -m benchmarks.echo_app      # MEDQUOTE_PORT=7861 to choose the port
"""

from __future__ import annotations

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # must precede the gradio import

import gradio as gr

from medquote import config


def build() -> gr.Blocks:
    def ask(question: str) -> dict:
        """Echo the question back in a small dict."""
        return {"question": question, "abstained": True, "quotes": []}

    with gr.Blocks(title="echo", analytics_enabled=False) as demo:
        gr.Markdown("echo")
        gr.api(ask, api_name="ask")
    return demo


def main() -> None:
    import uvicorn
    from fastapi import FastAPI

    cfg = config.from_env()
    demo = build()
    demo.queue(api_open=False, max_size=cfg.queue_size, default_concurrency_limit=2)
    app = gr.mount_gradio_app(
        FastAPI(docs_url=None, redoc_url=None, openapi_url=None), demo, path="/",
        server_name=cfg.host, server_port=cfg.port, footer_links=["api"], run_history=False,
        show_error=False, max_file_size="1kb", ssr_mode=False, pwa=False, mcp_server=False,
        enable_monitoring=False,
    )
    uvicorn.run(app, host=cfg.host, port=cfg.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
