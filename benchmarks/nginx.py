"""nginx in front of app replicas, on loopback, for the replica benchmark and its test.

`site_config` is the configuration docs/scaling.md documents (a test keeps the two equal):
sticky on Gradio's session_hash, which every request of a queued event carries, in the
`queue/join` POST body and in the `queue/data?session_hash=` query (and the heartbeat path),
so the join and the event stream of one question always reach the same replica; the call API,
whose second request names no session, sticks by client address. `ip_hash` for everything
would also stick, but it sends everyone behind one address (a NAT, a CDN, this benchmark's
loopback clients) to a single replica.

`running` starts nginx from a temp prefix (own conf, pid, logs and temp folders; no daemon,
no port below 1024) and always stops it. `upstream_stats` reads the access log it writes:
requests per replica and sessions whose requests reached more than one replica. It installs
nothing: `find_nginx` returns None when nginx is absent and the callers say how to install it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from pathlib import Path

from .launcher import free_port, stop, wait_for_page

INSTALL_HINT = "nginx is not installed. Install it with `apt-get install -y nginx` (as root), then run this again."
LOG_FORMAT = "$medquote_session $upstream_addr $status $request_method $uri"


def find_nginx(search: str | None = None) -> str | None:
    """The nginx binary on `search` (default: PATH plus /usr/sbin, where Debian puts it), or None."""
    return shutil.which("nginx", path=search if search is not None else os.environ.get("PATH", "") + ":/usr/sbin:/sbin")


def site_config(servers: list[str], listen: str, sticky: bool = True) -> str:
    """The http-level part: session maps, the upstream of replicas and the proxying server.
    `sticky=False` gives plain round robin (the benchmark's control: answers get lost)."""
    balance = "    hash $medquote_session consistent;   # one session -> one replica\n" if sticky else ""
    upstream = "".join(f"    server {s};\n" for s in servers)
    return f"""\
# Gradio's queue: POST .../queue/join (session_hash in the JSON body) starts an event that lives
# only in that replica's memory; GET .../queue/data?session_hash=... streams its answer.
map $request_uri $medquote_uri_session {{
    "~[?&]session_hash=(?<uri_session>[A-Za-z0-9_-]+)"  $uri_session;
    "~/heartbeat/(?<beat_session>[A-Za-z0-9_-]+)"       $beat_session;
    default                                             "";
}}
map $request_body $medquote_body_session {{
    "~\\"session_hash\\"\\s*:\\s*\\"(?<body_session>[A-Za-z0-9_-]+)\\""  $body_session;
    default                                                         "";
}}
# The call API (POST .../call/ask, then GET .../call/ask/<event_id>) names no session in its
# second request: stick it by client address instead.
map $uri $medquote_call_client {{
    "~^/gradio_api/call/"  $remote_addr;
    default                "";
}}
map "$medquote_call_client|$medquote_uri_session$medquote_body_session" $medquote_session {{
    "|"                      $request_id;                  # page, assets: any replica
    "~^\\|(?<session>.+)$"    $session;                     # queue: the session
    "~^(?<client>[^|]+)\\|"   $client;                      # call API: the client
}}
map $http_upgrade $medquote_connection {{
    default  upgrade;
    ""       "";                                           # keep upstream connections alive
}}
upstream medquote {{
{balance}{upstream}    keepalive 32;
}}
server {{
    listen {listen};
    # $request_body (the join's session_hash) is only set while the body is held in memory; the
    # chat resends its history with each question. Equal sizes: a body is in memory or refused.
    client_body_buffer_size 256k;
    client_max_body_size 256k;
    location / {{
        proxy_pass http://medquote;
        proxy_http_version 1.1;
        proxy_set_header Connection $medquote_connection;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Host $http_host;               # with the port: Gradio builds its root URL from it
        proxy_set_header X-Forwarded-Host $http_host;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_buffering off;       # answers arrive as server-sent events: do not buffer them
        proxy_read_timeout 300s;
    }}
}}
"""


def main_config(prefix: Path, site: str) -> str:
    """A whole nginx.conf that writes only under `prefix` and stays in the foreground."""
    temps = "".join(f"    {name}_temp_path {prefix / name};\n" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    site = "".join(f"    {line}\n" if line else "\n" for line in site.splitlines())
    return f"""\
daemon off;
worker_processes 1;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} warn;
events {{ worker_connections 1024; }}
http {{
    log_format medquote '{LOG_FORMAT}';
    access_log {prefix / 'access.log'} medquote;
{temps}{site}}}
"""


@contextmanager
def running(servers: list[str], prefix: Path, sticky: bool = True, timeout: float = 30.0):
    """Start nginx proxying to `servers` (host:port) on a free loopback port; yield its URL and
    the pids of its master and worker (for the benchmark's CPU accounting)."""
    binary = find_nginx()
    if binary is None:
        raise RuntimeError(INSTALL_HINT)
    prefix.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(main_config(prefix, site_config(servers, f"127.0.0.1:{port}", sticky)), encoding="utf-8")
    check = subprocess.run([binary, "-t", "-p", str(prefix), "-c", str(conf)], capture_output=True, text=True)
    if check.returncode:
        raise RuntimeError(f"nginx rejected {conf}:\n{check.stderr}")
    log = open(prefix / "stderr.log", "w")  # noqa: SIM115  (closed in the finally below, after nginx stops)
    proc = subprocess.Popen([binary, "-p", str(prefix), "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)
    url, t0 = f"http://127.0.0.1:{port}/", time.perf_counter()
    try:
        wait_for_page(proc, url, t0, timeout, 0.1, lambda: f"nginx exited early; see {prefix / 'error.log'}",
                      f"nginx did not answer in {timeout} s; see {prefix / 'error.log'}")
        yield url, (proc.pid, *_children(proc.pid))
    finally:
        stop(proc)  # SIGTERM: the master stops its worker and exits
        log.close()


def _children(pid: int) -> tuple[int, ...]:
    try:
        return tuple(int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
    except OSError:
        return ()


def upstream_stats(access_log: Path) -> dict:
    """Requests per replica, and sessions (of queue requests) that reached more than one replica."""
    per_replica, where = Counter(), defaultdict(set)
    for line in access_log.read_text(encoding="utf-8").splitlines():
        parts = line.split(maxsplit=4)
        if len(parts) != 5 or parts[1] == "-":
            continue
        session, upstream, _status, _method, uri = parts
        per_replica[upstream] += 1
        if "/queue/" in uri:
            where[session].add(upstream)
    return {"requests_per_replica": dict(sorted(per_replica.items())), "queue_sessions": len(where),
            "sessions_on_two_replicas": sum(1 for s in where.values() if len(s) > 1)}
