"""Two app replicas behind a real nginx, configured as docs/scaling.md says: every answer of a
short browser-like load arrives, each question's join and event stream reach the same replica,
and both replicas take part. Plain round robin is the control: it loses answers, so the check
can fail. The short version of `python -m benchmarks.replicas --nginx`; no timing is asserted.

Skipped, with the install command, when nginx is not installed (`.ci/run` installs it). Only
loopback; nginx runs from a temp prefix and is always stopped.
"""

from __future__ import annotations

import json
import re
import subprocess
from contextlib import ExitStack

import httpx
import pytest

from answer import render, strings
from benchmarks import http_bench, nginx
from benchmarks.common import questions
from benchmarks.launcher import launched_app
from benchmarks.replicas import sticky_load
from benchmarks.sse_client import SSEClient
from tests.helpers import ROOT, shared_index_dir

NGINX = nginx.find_nginx()
needs_nginx = pytest.mark.skipif(NGINX is None, reason=nginx.INSTALL_HINT)
DOCUMENTED = (["127.0.0.1:7861", "127.0.0.1:7862"], "80")


def test_the_documented_nginx_configuration_is_the_one_the_benchmark_runs():
    doc = (ROOT / "docs" / "scaling.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```nginx\n(.*?)```", doc, re.S)
    assert blocks == [nginx.site_config(*DOCUMENTED)]


def test_without_nginx_on_the_search_path_none_is_found(tmp_path):
    assert nginx.find_nginx(search=str(tmp_path)) is None


@needs_nginx
def test_nginx_accepts_the_generated_configuration(tmp_path):
    for sticky in (True, False):
        conf = tmp_path / f"nginx-{sticky}.conf"
        conf.write_text(nginx.main_config(tmp_path, nginx.site_config(*DOCUMENTED[:1], "127.0.0.1:8080", sticky)))
        done = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    index_dir = shared_index_dir(tmp_path_factory)
    env = {"MEDQUOTE_TORCH_THREADS": "1"}
    with ExitStack() as stack:  # one after the other: the first builds the shared index if it is missing
        yield [stack.enter_context(launched_app(index_dir, env, timeout=600))[:2] for _ in range(2)]


@pytest.mark.slow
@needs_nginx
def test_two_replicas_behind_nginx_lose_no_answer(replicas, tmp_path):
    res = sticky_load(replicas, questions(20), clients=4, per_client=5, rounds=1, tmp=tmp_path, max_seconds=120.0)
    assert [r["target"] for r in res["runs"]] == ["direct", "nginx"]
    for run in res["runs"]:
        assert (run["ok"], run["errors"], run["not_sent_time_cap"]) == (20, 0, 0), run
    assert res["lost"] == 0
    assert res["config_root_ok"], res["config_root"]  # the browser calls the API at nginx's address
    assert res["queue_sessions"] >= 20 and res["sessions_on_two_replicas"] == 0
    ports = {url.split(":")[-1].rstrip("/") for url, _proc in replicas}
    assert {r.split(":")[-1] for r in res["requests_per_replica"]} == ports  # both replicas answered


@pytest.mark.slow
@needs_nginx
def test_a_long_chat_history_still_reaches_the_replica_that_holds_its_session(replicas, tmp_path):
    # A body over nginx's in-memory buffer would hide its session_hash and go to any replica.
    servers = [url.split("//", 1)[1].rstrip("/") for url, _proc in replicas]
    long = "twitch " * 28_000  # ~200 kB: over nginx's default 16 kB buffer; the app gives its too-long reply
    with nginx.running(servers, tmp_path / "long") as (proxy, _pids):
        client = SSEClient(proxy)
        try:
            replies = [client.predict(long)["reply"] for _ in range(6)]
        finally:
            client.close()
    assert all(r.startswith(render.escape(strings.TOO_LONG.format(limit=1000))) for r in replies)
    assert nginx.upstream_stats(tmp_path / "long" / "access.log")["sessions_on_two_replicas"] == 0


@pytest.mark.slow
@needs_nginx
def test_the_call_api_through_nginx_answers_every_question(replicas, tmp_path):
    # POST .../call/ask returns an event id; GET .../call/ask/<id> must reach the same replica.
    servers = [url.split("//", 1)[1].rstrip("/") for url, _proc in replicas]
    with nginx.running(servers, tmp_path / "call") as (proxy, _pids), httpx.Client(timeout=60) as http:
        for question in questions(6):
            event = http.post(proxy + "gradio_api/call/ask", json={"data": [question]}).raise_for_status().json()["event_id"]
            stream = http.get(proxy + f"gradio_api/call/ask/{event}").raise_for_status().text
            assert "event: complete" in stream, stream[-300:]
            data = json.loads(stream.split("event: complete\ndata:", 1)[1].split("\n", 1)[0])
            assert data[0]["question"] == question


@pytest.mark.slow
@needs_nginx
def test_round_robin_without_stickiness_loses_answers(replicas, tmp_path):
    # One client alone: round robin sends each join and its event stream to different replicas.
    servers = [url.split("//", 1)[1].rstrip("/") for url, _proc in replicas]
    with nginx.running(servers, tmp_path / "rr", sticky=False) as (proxy, _pids):
        row = http_bench.load(proxy, questions(3), clients=1, per_client=3, max_seconds=60.0)
    assert (row["ok"], row["errors"]) == (0, 3), row
    assert nginx.upstream_stats(tmp_path / "rr" / "access.log")["sessions_on_two_replicas"] == 3
