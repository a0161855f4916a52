"""Turns a benchmark result (run.py's JSON) into goal verdicts and a Markdown report.

Goals are issue 6's (in-process answer within 1.3x of the encode floor, /ask within 1.3x of
the echo app) and issue 12's: /ask answers/s at 16 concurrent clients at least 0.6x the echo
app's in the same run (aim 0.8), cold start <= 6 s, `medquote ingest` <= 10 s, server peak RSS
<= 700 MB; and issue 23's (serving without torch), each against the echo app in the same run:
answers/s at 16 clients >= 0.7x, cold start spawn -> first /ask <= the echo app's + 2 s, server
peak RSS after the load <= the echo app's + 250 MB. It only formats numbers it is given; it
measures nothing.
"""

from __future__ import annotations

import statistics


def _get(res: dict, *path):
    for key in path:
        if res is None:
            return None
        res = res[key] if isinstance(res, dict) and key in res else None
    return res


def throughput_ratio(res: dict, clients: int = 16) -> float | None:
    """/ask answers/s over the echo app's at `clients` concurrent clients, same run."""
    app = {r["clients"]: r["throughput_rps"] for r in res.get("load", [])}
    echo = {r["clients"]: r["throughput_rps"] for r in res.get("load_echo", [])}
    if not app.get(clients) or not echo.get(clients):
        return None
    return round(app[clients] / echo[clients], 3)


def goals(res: dict) -> list[dict]:
    app_runs = [r["first_answer_s"] for r in _get(res, "cold_start_app", "runs") or []]
    at_least = [("/ask answers/s / echo app's, 16 clients (ratio; aim 0.8)", throughput_ratio(res), 0.6)]
    rows = [
        ("answer / encode floor, in-process (median ratio)", _get(res, "inprocess", "ratio_ask_to_encode"), 1.3),
        ("/ask / echo app, gradio_client (median ratio)", _get(res, "http", "ratio_gradio_client"), 1.3),
        ("/ask / echo app, plain event stream (median ratio)", _get(res, "http", "ratio_sse"), 1.3),
        ("cold start: new process -> first answer (s)", _get(res, "cold_start_engine", "median_run", "first_answer_s"), 6.0),
        ("cold start: app spawn -> first /ask answer (s)", statistics.median(app_runs) if app_runs else None, 6.0),
        ("build, 5 documents, model loaded (s)", _get(res, "build_in_process", "median_s"), 10.0),
        ("build, `medquote ingest` process (s)", _get(res, "build_ingest_process", "process_wall_s"), 10.0),
        ("server peak RSS, VmHWM (MB)", _get(res, "memory", "app_peak_rss_mb"), 700.0),
    ]
    echo_runs = [r["first_answer_s"] for r in _get(res, "cold_start_echo", "runs") or []]
    app_cold = statistics.median(app_runs) if app_runs else None
    echo_cold = statistics.median(echo_runs) if echo_runs else None
    peak, echo_peak = _get(res, "memory", "app_peak_rss_mb"), _get(res, "memory", "echo_peak_rss_mb")
    at_least.append(("issue 23: /ask answers/s / echo app's, 16 clients (ratio)", throughput_ratio(res), 0.7))
    rows += [
        ("issue 23: app cold start - echo app's, spawn -> first /ask (s)",
         round(app_cold - echo_cold, 2) if app_cold is not None and echo_cold is not None else None, 2.0),
        ("issue 23: server peak RSS - echo app's (MB)", round(peak - echo_peak, 1) if peak and echo_peak else None, 250.0),
    ]
    return ([{"goal": name, "value": value, "limit": limit, "met": value is not None and value >= limit}
             for name, value, limit in at_least]
            + [{"goal": name, "value": value, "limit": limit, "met": value is not None and value <= limit}
               for name, value, limit in rows])


def _ms(s: dict | None) -> str:
    return f"{s['median_ms']:.1f} | {s['p95_ms']:.1f}" if s and s.get("median_ms") is not None else "- | -"


def markdown(res: dict) -> str:
    m, inp, http = res["machine"], res.get("inprocess", {}), res.get("http", {})
    out = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM; Python {m['python']}, torch {m['torch']}, "
        f"faiss {m['faiss']}, gradio {m['gradio']}, gradio_client {m['gradio_client']}.",
        f"Code: `{res['git']['commit']}`, {len(res['git']['status'])} uncommitted paths; pipeline "
        f"{res.get('pipeline', {}).get('chunks')} chunks, k={res.get('pipeline', {}).get('k')}"
        + (" (QUICK MODE: tiny counts, not a measurement)" if res.get("quick") else "") + ".",
        f"Other processes' CPU share during sections: in-process {inp.get('others_cpu_share')}, "
        f"HTTP {http.get('others_cpu_share')}; load average at start {res['quiet']['loadavg']}, at end {res.get('loadavg_end')}.",
        "",
        "| latency (one question at a time) | median ms | p95 ms |",
        "|---|---|---|",
        f"| encode only (the floor) | {_ms(inp.get('encode'))} |",
        f"| index.search (encode + retrieve) | {_ms(inp.get('search'))} |",
        f"| engine.ask (full answer, in-process) | {_ms(inp.get('ask'))} |",
        f"| /ask via gradio_client | {_ms(http.get('app_gradio_client'))} |",
        f"| echo app via gradio_client | {_ms(http.get('echo_gradio_client'))} |",
        f"| /ask via plain event stream | {_ms(http.get('app_sse'))} |",
        f"| echo app via plain event stream | {_ms(http.get('echo_sse'))} |",
        "",
        "| concurrent clients | /ask answered (errors) | /ask req/s | /ask median ms | /ask p95 ms | load client CPU share "
        "| echo req/s | echo median ms | echo p95 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    echo = {row["clients"]: row for row in res.get("load_echo", [])}
    for row in res.get("load", []):
        e = echo.get(row["clients"])
        out.append(f"| {row['clients']} | {row['ok']} ({row['errors']}) | {row['throughput_rps']} | {_ms(row)} | "
                   f"{row.get('client_cpu_share')} | {e['throughput_rps'] if e else '-'} | {_ms(e)} |")
    batch = inp.get("batch") or {}
    if batch:
        out += ["", f"In-process, {batch['size']} questions in one `ask_many`: {batch['ask_many_ms_per_question']} ms a "
                f"question, against {batch['ask_ms_per_question']} ms one `ask` at a time (ratio {batch['ratio']})."]
    cold = _get(res, "cold_start_engine", "median_run") or {}
    out += [
        "",
        f"Cold start split (median run): imports {cold.get('import_s')} s, Engine.load {cold.get('load_s')} s, "
        f"first ask {cold.get('first_ask_s')} s. App: " + ", ".join(
            f"page up {r['page_up_s']} s / first /ask {r['first_answer_s']} s" for r in _get(res, "cold_start_app", "runs") or [])
        + ". Echo app (Gradio alone): " + ", ".join(
            f"first answer {r['first_answer_s']} s" for r in _get(res, "cold_start_echo", "runs") or [])
        + f". Echo app peak RSS {_get(res, 'memory', 'echo_peak_rss_mb')} MB; app RSS after start "
        f"{_get(res, 'memory', 'app_rss_after_start_mb')} MB.",
        "",
        "| goal | measured | limit | met |",
        "|---|---|---|---|",
    ]
    for g in res.get("goals", goals(res)):
        at_least = g["goal"].endswith("(ratio)") or "(ratio; aim" in g["goal"]
        out.append(f"| {g['goal']} | {g['value']} | {'>= ' if at_least else ''}{g['limit']} | {'yes' if g['met'] else 'NO'} |")
    return "\n".join(out)
