"""A minimal client for a Gradio queue endpoint, as a browser speaks to it: one POST to
`queue/join`, then read the `queue/data` event stream until `process_completed`.

Why it exists: gradio_client waits for results in a loop that sleeps 50 ms between looks
(gradio_client/utils.py, stream_sse_v1plus), and opens a new connection per request, so its
latencies come in ~50 ms steps and hide the server's own time. The benchmark reports
gradio_client figures (what an API user sees) and these (what the server costs) side by side.
It keeps one keep-alive connection per client, talks only to the given loopback URL, and is
not a general client: one positional input, one output, no files, no streaming outputs.
"""

from __future__ import annotations

import json
import uuid

import httpx


class SSEClient:
    def __init__(self, url: str, api_name: str = "ask", timeout: float = 60.0):
        self._http = httpx.Client(timeout=timeout)
        config = self._http.get(url.rstrip("/") + "/config").raise_for_status().json()
        prefix = config.get("api_prefix", "/gradio_api").strip("/")
        self._base = f"{url.rstrip('/')}/{prefix}/"
        ids = [d.get("id", i) for i, d in enumerate(config["dependencies"]) if d.get("api_name") == api_name]
        if not ids:
            raise ValueError(f"no endpoint named {api_name!r} at {url}")
        self._fn_index = ids[0]

    def predict(self, value):
        session = uuid.uuid4().hex
        join = self._http.post(self._base + "queue/join", json={
            "data": [value], "fn_index": self._fn_index, "session_hash": session,
            "event_data": None, "trigger_id": None,
        })
        join.raise_for_status()
        event_id = join.json()["event_id"]
        with self._http.stream("GET", self._base + "queue/data", params={"session_hash": session}) as resp:
            resp.raise_for_status()
            buffer = ""
            for chunk in resp.iter_text():
                buffer += chunk
                while "\n\n" in buffer:
                    line, buffer = buffer.split("\n\n", 1)
                    if not line.startswith("data:"):
                        continue
                    msg = json.loads(line[5:])
                    if msg.get("event_id") != event_id or msg.get("msg") != "process_completed":
                        continue
                    if not msg.get("success", False):
                        raise RuntimeError(f"endpoint failed: {msg.get('output')}")
                    return msg["output"]["data"][0]
        raise RuntimeError("event stream closed before the answer came")

    def close(self) -> None:
        self._http.close()
