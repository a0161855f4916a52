"""Hardening of the launched app, checked from outside over loopback HTTP (one app for the module).

Gradio is recent enough; the server binds 127.0.0.1 when nothing says otherwise; the queue is
bounded and queued endpoints refuse the REST shortcut (api_open=False); uploads are tiny and
never served inline; no share link, monitoring, MCP or API docs; path traversal through any
file-like route never returns a file's contents; the context pages never fail on odd input.
The last tests run scripts/load_test.py small (8 x 5, and a queue of 0 for clean "busy").
It does not test page rendering; see the browser tests.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
from importlib.metadata import version
from pathlib import Path
from urllib.parse import quote, urlparse

import httpx
import pytest
from packaging.version import Version

from answer import render, strings
from benchmarks.launcher import launched_app
from tests.helpers import ROOT, shared_index_dir

pytestmark = pytest.mark.slow
QUEUE = 4  # a small bound, so flooding it takes a few requests, not hundreds
LEAD_MD = render.escape(strings.LEAD_IN)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    index_dir = shared_index_dir(tmp_path_factory)
    # Empty host settings: the app must fall back to its own default, which must be loopback.
    env = {"MEDQUOTE_HOST": "", "GRADIO_SERVER_NAME": "", "MEDQUOTE_QUEUE_SIZE": str(QUEUE)}
    with launched_app(index_dir, extra_env=env) as (url, proc, log):
        yield url, proc, log, index_dir


def get(url: str, path: str) -> tuple[int, bytes, dict]:
    """GET `path` byte for byte (http.client does not normalise `..` or re-encode `%`)."""
    parts = urlparse(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read(), {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()


def test_gradio_is_recent_enough(app):
    assert Version(version("gradio")) >= Version("6.21")
    config = httpx.get(app[0] + "config", timeout=30).json()
    assert Version(config["version"]) >= Version("6.21")  # the server runs what is installed


def test_binds_loopback_only_by_default(app):
    port = urlparse(app[0]).port
    listening = []
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if int(hex_port, 16) == port and state == "0A":  # 0A: LISTEN
                listening.append((table, address))
    assert listening == [("tcp", "0100007F")]  # 127.0.0.1 only: no 0.0.0.0, no IPv6


def test_queued_endpoints_refuse_the_rest_shortcut_and_nothing_answers_outside_the_queue(app):
    url = app[0]
    deps = httpx.get(url + "config", timeout=30).json()["dependencies"]
    names = {d["api_name"]: d.get("queue") for d in deps if d.get("api_name")}
    assert names.get("ask") is True
    for name, queued in names.items():
        for route in (f"gradio_api/run/{name}", f"gradio_api/api/{name}"):
            resp = httpx.post(url + route, json={"data": ["can stress make my muscles twitch?"]}, timeout=30)
            assert LEAD_MD not in resp.text and "Traceback" not in resp.text, (route, resp.text[:200])
            if queued:
                assert resp.status_code == 404 and "join the queue" in resp.text, (route, resp.status_code)


def test_the_queue_is_bounded_and_refuses_cleanly_when_full(app):
    url, proc, _, _ = app
    statuses, lock = [], threading.Lock()

    def join():
        r = httpx.post(url + "gradio_api/call/ask", json={"data": ["what tests diagnose ALS?"]}, timeout=60)
        with lock:
            statuses.append((r.status_code, r.text))

    threads = [threading.Thread(target=join) for _ in range(10 * QUEUE)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    full = [text for code, text in statuses if code == 503]
    accepted = [json.loads(text)["event_id"] for code, text in statuses if code == 200]
    assert len(full) + len(accepted) == len(threads)
    assert full and all("Queue is full" in text for text in full)
    for event_id in accepted:  # every accepted request is answered
        stream = httpx.get(f"{url}gradio_api/call/ask/{event_id}", timeout=120).text
        assert stream.startswith("event: complete\ndata: "), stream[:200]
        assert json.loads(stream.split("data: ", 1)[1])[0]["reply"].startswith(LEAD_MD)
    assert proc.poll() is None


def test_uploads_are_tiny_and_never_served_inline(app):
    url = app[0]
    for size in (1025, 5 * 1024 * 1024):
        resp = httpx.post(url + "gradio_api/upload", files={"files": ("x.bin", b"x" * size)}, timeout=60)
        assert resp.status_code == 413, (size, resp.status_code)
    resp = httpx.post(url + "gradio_api/upload", files={"files": ("x.html", b"<script>alert(1)</script>")}, timeout=30)
    if resp.status_code == 200:  # a tiny file is accepted; it must come back as a download, not a page
        served = httpx.get(url + "gradio_api/file=" + resp.json()[0], timeout=30)
        assert "text/html" not in served.headers.get("content-type", "")
        assert served.headers.get("content-disposition", "").startswith("attachment")


@pytest.mark.parametrize("path", [
    "/monitoring", "/monitoring/summary", "/monitoring/0123456789abcdef", "/gradio_api/monitoring",
    "/gradio_api/mcp/sse", "/gradio_api/mcp/schema", "/gradio_api/runs", "/gradio_api/vibe-code",
    "/docs", "/redoc", "/gradio_api/docs",
    "/openapi.json",
])
def test_no_monitoring_mcp_run_history_or_api_docs(app, path):
    status, body, _ = get(app[0], path)
    assert status in (403, 404), (path, status, body[:200])


def test_no_share_link_and_no_flagging(app):
    url, _, log, _ = app
    config = httpx.get(url + "config", timeout=30).json()
    assert config.get("mcp_server") is False and config.get("space_id") is None
    assert config.get("root", "").startswith("http://127.0.0.1:")
    assert not [c for c in config["components"] if "flag" in json.dumps(c.get("props", {})).lower()]
    log.flush()
    log.seek(0)
    text = log.read()
    assert "gradio.live" not in text and "public URL" not in text


def secrets(index_dir: Path, pid: int) -> dict[str, str]:
    """Files an attacker would want -> a fingerprint of their contents that no page contains."""
    build = Path(index_dir, "current").resolve()
    files = {
        "/etc/passwd": None, str(ROOT / "pyproject.toml"): None, str(ROOT / "app.py"): None,
        str(ROOT / "corpus" / "sources.toml"): None, str(ROOT / ".venv" / "pyvenv.cfg"): None,
        str(build / "manifest.json"): None, str(build / "chunks.jsonl"): None,
    }
    out = {path: Path(path).read_text(encoding="utf-8")[:40] for path in files if Path(path).is_file()}
    out[f"/proc/{pid}/environ"] = "MEDQUOTE_INDEX_DIR="
    out["/proc/self/environ"] = "MEDQUOTE_INDEX_DIR="
    return out


def attack_paths(target: str) -> list[str]:
    rel = str(Path(target).relative_to(ROOT)) if target.startswith(str(ROOT) + "/") else None
    up = "../" * 10 + target.lstrip("/")
    forms = [target, up, "//" + target.lstrip("/"), "/tmp/gradio/../../" + target.lstrip("/"), quote(target, safe=""),
             up.replace("../", "%2e%2e%2f"), up.replace("../", "%252e%252e%252f"), up.replace("/", "\\"),
             up.replace("../", "..%2f"), up.replace("../", "....//"), target + "%00.txt"]
    if rel:
        forms += [rel, f"corpus/../{rel}", f"{ROOT}/corpus/../{rel}", quote(f"{ROOT}/corpus/../{rel}", safe="")]
    return forms


PREFIXES = ["/gradio_api/file=", "/file=", "/gradio_api/file/", "/gradio_api/proxy=", "/static/", "/assets/",
            "/gradio_api/static/", "/source/", "/", "/gradio_api/", "/svelte/", "/favicon.ico/"]


def test_path_traversal_never_returns_file_contents(app):
    url, proc, _, index_dir = app
    # Positive control: a file the server may serve (a tiny upload) does come back with its contents,
    # so a fingerprint in a response body is what a leak would look like.
    canary = f"medquote-canary-{proc.pid}".encode()
    uploaded = httpx.post(url + "gradio_api/upload", files={"files": ("c.txt", canary)}, timeout=30).json()[0]
    assert canary in get(url, "/gradio_api/file=" + uploaded)[1]
    targets = secrets(index_dir, proc.pid)
    assert len(targets) >= 9
    leaks, tried = [], 0
    for target, fingerprint in targets.items():
        forms = attack_paths(target) + [str(Path(uploaded).parent) + "/../../.." + target]
        for form in forms:
            for prefix in PREFIXES:
                status, body, _ = get(url, prefix + form)
                tried += 1
                if fingerprint.encode() in body:
                    leaks.append((status, prefix + form))
    assert tried > 1000 and not leaks, leaks
    assert proc.poll() is None


@pytest.mark.parametrize("query", [
    "000_7bc7a14333f16656?start=-1&end=5", "000_7bc7a14333f16656?start=0&end=99999999",
    "000_7bc7a14333f16656?start=5&end=1", "000_7bc7a14333f16656?start=0&end=10&hl=abc",
    "000_7bc7a14333f16656?start=0&end=10&hl=0-99", "000_7bc7a14333f16656?start=%00&end=%ff",
    "..%2F..%2Fetc%2Fpasswd", "%00", "a" * 5000, "000_7bc7a14333f16656%2F..%2F..%2Fpyproject.toml",
    "<script>alert(1)</script>", "000_7bc7a14333f16656?start=0&end=10&hl=" + "1-2," * 2000,
])
def test_context_pages_never_fail_on_odd_requests(app, query):
    status, body, headers = get(app[0], "/source/" + quote(query, safe="?&=%"))
    assert status in (200, 404), (status, body[:200])
    assert b"Traceback" not in body and b"<script>alert" not in body
    # The context page sends its own strict policy; anything that falls through gets the app's.
    assert "default-src" in headers.get("content-security-policy", "")


# --- scripts/load_test.py, small -------------------------------------------------------------


def run_load(tmp_path, index_dir, *args) -> dict:
    out = tmp_path / "load.json"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "load_test.py"), "--index-dir", str(index_dir),
                           "--out", str(out), "--deadline", "600", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(out.read_text())


def test_load_script_small_run_has_no_errors_and_the_app_answers_after(app, tmp_path):
    report = run_load(tmp_path, app[3], "--clients", "8", "--questions", "5")
    load = report["load"]
    assert load["requests"] == 40 and load["errors"] == 0, load["error_kinds"]
    assert load["ok"] + load["busy"] == 40 and load["ok"] > 0
    assert report["after_check"] == "ok" and report["server_alive"]
    assert report["rss_mb"]["start"] and report["rss_mb"]["after"]


def test_load_script_counts_a_full_queue_as_busy_not_as_errors(app, tmp_path):
    report = run_load(tmp_path, app[3], "--clients", "2", "--questions", "2", "--queue-size", "0")
    assert report["load"]["busy"] == 4 and report["load"]["errors"] == 0, report["load"]
    assert report["after_check"] == "busy" and report["server_alive"]
