"""The benchmark harness runs end to end in --quick mode and writes every figure it promises.

No timing is asserted: speed is reported by `python -m benchmarks.run`, never tested.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_writes_all_keys(tmp_path):
    import benchmarks

    # pysbd installs an unrelated top-level `benchmarks` package; ours must be the one imported.
    assert Path(benchmarks.__file__).resolve().parent == ROOT / "benchmarks", benchmarks.__file__
    from benchmarks import run

    out = tmp_path / "quick.json"
    returned = run.main(["--quick", "--out", str(out)])
    res = json.loads(out.read_text())
    assert res["quick"] is True and returned["goals"] == res["goals"]
    assert {"machine", "git", "inprocess", "http", "load", "memory", "cold_start_engine", "cold_start_app",
            "build_in_process", "build_ingest_process", "goals"} <= set(res)
    for key in ("cpu", "cores", "ram_gb", "python", "torch", "faiss", "gradio"):
        assert res["machine"][key], key
    for step in ("encode", "search", "ask"):
        assert res["inprocess"][step]["median_ms"] > 0 and res["inprocess"][step]["p95_ms"] > 0
    assert res["inprocess"]["ratio_ask_to_encode"] > 0
    for name in ("app_gradio_client", "echo_gradio_client", "app_sse", "echo_sse"):
        assert res["http"][name]["n"] > 0
    assert res["http"]["ratio_gradio_client"] > 0 and res["http"]["ratio_sse"] > 0
    for rows in (res["load"], res["load_echo"]):
        assert [row["clients"] for row in rows] == [1, 4]
        assert all(row["ok"] > 0 and row["errors"] == 0 and row["throughput_rps"] > 0 for row in rows)
    assert res["memory"]["app_peak_rss_mb"] > 0
    assert res["cold_start_engine"]["median_run"]["first_answer_s"] > 0
    assert res["cold_start_app"]["runs"][0]["first_answer_s"] > 0
    assert res["build_in_process"]["median_s"] > 0 and res["build_ingest_process"]["process_wall_s"] > 0
    assert {g["goal"] for g in res["goals"]} and all(isinstance(g["met"], bool) for g in res["goals"])


def test_markdown_report_names_the_machine_and_every_goal():
    from benchmarks import report

    res = {"machine": {"cpu": "X", "cores": 2, "ram_gb": 24, "python": "3.11", "torch": "t", "faiss": "f",
                       "gradio": "g", "gradio_client": "c"},
           "git": {"commit": "abc", "status": []}, "quiet": {"loadavg": ["0", "0", "0"]}, "quick": False}
    text = report.markdown(res)
    assert "X, 2 cores" in text
    for g in report.goals(res):
        assert g["goal"] in text and g["met"] is False  # nothing measured, nothing met
