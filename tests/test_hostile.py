"""Hostile input (evaluation/hostile/cases.jsonl) through Engine.ask and through the launched app's /ask.

Every case must get a normal reply or a fixed message from answer/strings.py, never a stack
trace; the reply ends with the disclaimer; every quote is verbatim; no raw tag, link or image
survives into the reply Markdown; and the server keeps answering afterwards. Lone surrogates
cannot be encoded by gradio_client (it sends UTF-8), so over HTTP they go through the raw
queued route `/gradio_api/call/ask` as JSON `\\ud800` escapes. It does not test rendering in
a browser; see the browser tests.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import httpx
import pytest

from answer import Settings, render, strings
from benchmarks.launcher import launched_app
from tests.helpers import DISCLAIMER_MD, ROOT, shared_index_dir, without_renderer_tags
from web.page import typed

CASES_FILE = ROOT / "evaluation" / "hostile" / "cases.jsonl"
LIMIT = 1000  # answer.Settings().max_chars, the limit the fixed TOO_LONG message names
# Text from a hostile question that must never reach the screen (the reply never echoes it).
MARKERS = ("evil.example", "alert(", "drop table", "set-cookie", "passwd", "javascript:", "onerror", "system:")


def load_cases(path: Path = CASES_FILE) -> list[dict]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        if "input_py" in case:  # strings JSON text cannot hold as UTF-8, e.g. lone surrogates
            case["input"] = ast.literal_eval(case["input_py"])
        cases.append(case)
    return cases


CASES = load_cases()


def fixed_texts(number: str = strings.DEFAULT_EMERGENCY_NUMBER) -> set[str]:
    out = set()
    for name, value in vars(strings).items():
        values = value.values() if isinstance(value, dict) else [value]
        for value in values:
            if not (name.isupper() and isinstance(value, str)):
                continue
            try:
                out.add(value.format(number=number, limit=LIMIT))
            except (KeyError, IndexError, ValueError):
                out.add(value)
    return out


FIXED = fixed_texts()


def check_markdown(markdown: str, question: str) -> None:
    """The on-screen reply: fixed strings, verbatim quotes with citations, the disclaimer last."""
    assert markdown.endswith(DISCLAIMER_MD)
    markdown = without_renderer_tags(markdown)
    assert "<" not in markdown, "a literal '<' could open an HTML tag"
    lowered = markdown.lower()
    assert "](http" not in lowered and "javascript:" not in lowered
    assert "traceback" not in lowered
    for marker in MARKERS:
        if marker in question.lower():
            assert marker not in lowered, marker
    fixed_md = ({render.escape(s) for s in FIXED} | {f"**{render.escape(s)}**" for s in FIXED}
                | {f"_{render.escape(s)}_" for s in strings.WRITTEN_TO_ANOTHER.values()}
                | {render.escape(strings.LANGUAGE_LEAD.format(only=a, emergency=b, crisis=c, number=Settings().emergency_number))
                   for a, b, c in [*((*strings.LANGUAGE_REPLIES[k], strings.LANGUAGE_CRISIS[k]) for k in strings.LANGUAGE_REPLIES),
                                   (strings.ONLY_ENGLISH, strings.EMERGENCY_ANY_LANGUAGE, strings.CRISIS_ANY_LANGUAGE)]})
    for block in markdown.split("\n\n")[:-1]:
        quoted = block.startswith(">")
        cited = block.startswith(render.escape(strings.CITATION_LABEL) + ": ")
        assert quoted or cited or block in fixed_md, f"text on screen that is neither fixed nor quoted: {block[:80]!r}"


def check_expectation(case: dict, lead_markdown: str, quotes: list) -> None:
    if case.get("expect") == "empty":
        assert lead_markdown.startswith(render.escape(strings.EMPTY_INPUT)) and not quotes
    elif case.get("expect") == "too_long":
        assert lead_markdown.startswith(render.escape(strings.TOO_LONG.format(limit=LIMIT))) and not quotes


@pytest.fixture(scope="module")
def raws(corpus):
    return {d.doc_id: d.raw for d in corpus[0]}


def test_the_case_file_covers_the_issue():
    ids = [c["id"] for c in CASES]
    assert len(CASES) >= 40 and len(set(ids)) == len(ids)
    assert all(set(c) >= {"id", "input", "note"} for c in CASES)
    lengths = [len(c["input"]) for c in CASES]
    assert max(lengths) == 100_000 and min(lengths) == 0
    assert any("\ud800" <= ch <= "\udfff" for c in CASES for ch in c["input"])  # lone surrogates survive loading


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_engine_answers_hostile_input(fake_engine, raws, case):
    reply = fake_engine.ask(case["input"])
    assert reply.lead in FIXED | {""}
    assert set(reply.notices) <= FIXED
    for quote in reply.quotes:
        assert raws[quote.chunk.doc_id][quote.chunk.start:quote.chunk.end] == quote.chunk.text
    check_markdown(render.reply_markdown(reply), case["input"])
    check_expectation(case, render.reply_markdown(reply), reply.quotes)


# --- the launched app over HTTP (one app for the module) -----------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from gradio_client import Client

    index_dir = shared_index_dir(tmp_path_factory)
    with launched_app(index_dir) as (url, proc, log):
        yield url, Client(url, analytics_enabled=False, verbose=False), proc, log


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def raw_call(url: str, payload: dict) -> tuple[str, object]:
    """POST to the queued `/call/ask` route with ASCII-escaped JSON; return (event, data)."""
    body = json.dumps(payload, ensure_ascii=True)
    with httpx.Client(base_url=url, timeout=60) as http:
        joined = http.post("gradio_api/call/ask", content=body, headers={"content-type": "application/json"})
        if joined.status_code != 200:
            return f"http-{joined.status_code}", joined.text
        stream = http.get(f"gradio_api/call/ask/{joined.json()['event_id']}").text
    events = re.findall(r"^event: (\w+)\ndata: (.*)$", stream, flags=re.M)
    assert events, stream
    event, data = events[-1]
    return event, json.loads(data)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_app_answers_hostile_input(app, raws, case):
    url, api, proc, _ = app
    text = case["input"]
    if encodable(text):
        obj = api.predict(text, api_name="/ask")
    else:
        event, data = raw_call(url, {"data": [text]})
        assert event == "complete", (event, data)
        obj = data[0]
    assert "error" not in obj, obj
    # Nothing lost or mangled on the way in, but for lone surrogates (half an emoji, no valid
    # text): the page makes each a space before answering, since Gradio's queue encoder refuses
    # to send them back (web.page.typed).
    assert obj["question"] == typed(text)
    for q in obj["quotes"] + obj["ranked"]:
        assert raws[q["doc"]][q["start"]:q["end"]] == q["text"]
    check_markdown(obj["reply"], text)
    check_expectation(case, obj["reply"], obj["quotes"])
    assert proc.poll() is None


@pytest.mark.slow
@pytest.mark.parametrize("payload", [
    {"data": [None]}, {"data": [123]}, {"data": [["a", "list"]]}, {"data": [{"q": "x"}]},
    {"data": []}, {"data": ["two", "values"]}, {}, {"data": "not a list"},
])
def test_app_refuses_malformed_payloads_without_a_trace(app, payload):
    url, _, proc, _ = app
    event, data = raw_call(url, payload)
    text = json.dumps(data)
    assert "Traceback" not in text and 'File "' not in text
    if event == "complete":  # non-strings are treated as an empty question
        check_markdown(data[0]["reply"], "")
    else:
        assert event in ("error", "http-422"), (event, text)
    assert proc.poll() is None


@pytest.mark.slow
def test_app_keeps_serving_after_the_hostile_batch(app, raws):
    _, api, proc, log = app
    obj = api.predict("can stress and anxiety cause my muscles to twitch?", api_name="/ask")
    assert obj["quotes"] and not obj["abstained"]
    for q in obj["quotes"]:
        assert raws[q["doc"]][q["start"]:q["end"]] == q["text"]
    log.flush()
    log.seek(0)
    assert "answering failed" not in log.read()  # Engine.ask never raised inside the app
    assert proc.poll() is None
