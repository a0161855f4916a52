"""The launched app answers over HTTP through gradio_client at the documented /ask endpoint."""

from __future__ import annotations

import pytest

from answer import render, strings
from benchmarks.launcher import launched_app
from tests.helpers import shared_index_dir

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from gradio_client import Client

    with launched_app(shared_index_dir(tmp_path_factory)) as (url, proc, log):
        yield Client(url, analytics_enabled=False, verbose=False), log


def test_ask_returns_the_answer_object_with_verbatim_quotes(client, corpus):
    api, _ = client
    raws = {d.doc_id: d.raw for d in corpus[0]}
    obj = api.predict("can stress and anxiety cause my muscles to twitch?", api_name="/ask")
    assert set(obj) >= {"id", "question", "abstained", "emergency", "ranked", "quotes", "reply"}
    assert not obj["abstained"] and obj["quotes"]
    for q in obj["quotes"] + obj["ranked"]:
        assert raws[q["doc"]][q["start"]:q["end"]] == q["text"]
    assert obj["reply"].endswith(f"_{render.escape(strings.DISCLAIMER)}_")


def test_ask_gives_fixed_messages_for_bad_input(client):
    api, _ = client
    assert api.predict("", api_name="/ask")["reply"].startswith(render.escape(strings.EMPTY_INPUT))
    too_long = api.predict("twitch " * 200, api_name="/ask")
    assert too_long["reply"].startswith(render.escape(strings.TOO_LONG.format(limit=1000)))


def test_only_ask_is_documented(client):
    api, _ = client
    info = api.view_api(print_info=False, return_format="dict")
    assert list(info["named_endpoints"]) == ["/ask"]


def test_server_logs_no_question_text(client):
    api, log = client
    canary = "zebracanary4711 twitching"
    api.predict(canary, api_name="/ask")
    log.flush()
    log.seek(0)
    assert "zebracanary4711" not in log.read()


def test_ask_takes_previous_messages_and_one_argument_still_works(client):
    api, _ = client
    alone = api.predict("what does it find in ALS?", api_name="/ask")
    assert alone == api.predict("what does it find in ALS?", None, api_name="/ask")  # same as today's call
    follow = api.predict("what does it find in ALS?", ["What is an EMG?"], api_name="/ask")
    assert not follow["abstained"]
    assert any("EMG" in q["text"] or "Electromyography" in q["text"] for q in follow["quotes"])


def test_a_raw_call_with_no_arguments_is_an_empty_question_not_a_traceback(client):
    import json

    import httpx

    api, log = client
    url = api.src.rstrip("/") + "/"
    joined = httpx.post(url + "gradio_api/call/ask", json={"data": []}, timeout=60)
    assert joined.status_code == 200, joined.text
    stream = httpx.get(f"{url}gradio_api/call/ask/{joined.json()['event_id']}", timeout=120).text
    assert stream.startswith("event: complete\ndata: "), stream[:200]
    assert json.loads(stream.split("data: ", 1)[1])[0]["reply"].startswith(render.escape(strings.EMPTY_INPUT))
    log.flush()
    log.seek(0)
    assert "Traceback" not in log.read()


def test_malloc_arenas_are_capped_on_glibc():
    import platform

    import app

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt is glibc's")
    assert app.cap_malloc_arenas() is True
