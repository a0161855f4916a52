"""The HTML evaluation report (`medquote eval --html`): every question named, misses first, the
charts drawn, nothing loaded from elsewhere, hostile text shown as text (issue 15).

Fast: the fake embedder's engine on a small gold file of every kind (tests/report_gold.py);
one slow test runs the real command with --compare.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from evaluation import ReportError, load_gold, run_eval
from evaluation.html_report import write_html
from evaluation.report_context import Goal, goals_for
from evaluation.report_rows import problems_of, segments
from ingest import collapse
from tests.helpers import ROOT
from tests.report_gold import HOSTILE_EVIDENCE, HOSTILE_PREVIOUS, HOSTILE_QUESTION, HOSTILE_TAG, write_mixed_gold

# Attributes that make a browser fetch or navigate; xmlns* only name a namespace.
URL_ATTRS = {"href", "src", "xlink:href", "srcset", "action", "formaction", "poster", "data", "background", "ping", "cite"}
HOSTILE_QUOTE = "<script>window.__pwned = 2</script> ![img](http://evil.example/quote.png) after"


class Page(HTMLParser):
    """Every start tag with its attributes, the text of each question row, of <mark>s and of <style>."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.rows: dict[str, list[str]] = {}
        self.row_classes: list[str] = []
        self.marks: list[str] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._row, self._in = None, []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "tr" and (attrs.get("id") or "").startswith("q-"):
            self._row = attrs["id"][2:]
            self.rows[self._row] = []
            self.row_classes.append(attrs.get("class", ""))
        if tag in ("mark", "style"):
            self._in.append(tag)

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None
        if tag in ("mark", "style") and self._in:
            self._in.pop()

    def handle_data(self, data):
        self.text.append(data)
        if self._row:
            self.rows[self._row].append(data)
        if "mark" in self._in:
            self.marks.append(data)
        if "style" in self._in:
            self.styles.append(data)

    def row_text(self, qid: str) -> str:
        return collapse(" ".join(self.rows[qid]))

    def named(self, tag: str) -> list[dict]:
        return [a for t, a in self.tags if t == tag]


@pytest.fixture(scope="module")
def gold_path(tmp_path_factory):
    return write_mixed_gold(tmp_path_factory.mktemp("report") / "mixed.jsonl")


@pytest.fixture(scope="module")
def golds(gold_path):
    return load_gold(gold_path)


@pytest.fixture(scope="module")
def report(fake_engine, golds, corpus_dir):
    return run_eval(fake_engine, golds, corpus_dir)


@pytest.fixture(scope="module")
def page(fake_engine, golds, corpus_dir, gold_path, report, tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "report.html"
    write_html(fake_engine, golds, corpus_dir, gold_path, out, report=report)
    return Page(out.read_text(encoding="utf-8"))


def test_the_report_names_every_question_with_misses_first(page, golds, report):
    assert set(page.rows) == {g.id for g in golds}
    for g in golds:
        assert collapse(g.question) in page.row_text(g.id)
    first_ok = page.row_classes.index("ok") if "ok" in page.row_classes else len(page.row_classes)
    assert page.row_classes[:first_ok] == ["miss"] * first_ok and "miss" not in page.row_classes[first_ok:]
    # The fake engine abstains on answerable questions: each such row is a miss and says so.
    abstained = [a["id"] for a, g in zip(report["questions"], golds) if g.answerable and a["abstained"]
                 and not (g.emergency or g.crisis)]
    assert abstained
    for qid in abstained:
        assert "abstained on an answerable question" in page.row_text(qid)


def test_the_threshold_caption_cites_a_command_that_exists(page):
    text = " ".join(" ".join(page.text).split())
    assert "as medquote eval --gold FILE ... --calibrate picks; tune on the tuning splits only)." in text
    assert "python -m evaluation.calibrate" not in text  # a module with no main


def test_the_report_draws_the_threshold_curve_and_the_rank_histogram(page, fake_engine):
    svgs = page.named("svg")
    assert [s.get("aria-label") for s in svgs] == ["Threshold curve", "Histogram of the rank of the first relevant passage"]
    text = collapse(" ".join(page.text))
    assert f"threshold in use {fake_engine.settings.threshold:.2f}" in text
    assert "rank of the first relevant passage" in text


def test_the_report_loads_nothing_from_elsewhere(page):
    assert not page.named("script") and not page.named("link") and not page.named("iframe") and not page.named("img")
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            if name in URL_ATTRS or name.endswith(":href"):
                assert (value or "").startswith(("#", "data:")), (tag, name, value)
            if name == "style" or "url(" in (value or ""):
                for target in re.findall(r"url\(\s*['\"]?([^'\")]*)", value or ""):
                    assert target.startswith(("#", "data:")), (tag, name, value)
    style = " ".join(page.styles)
    assert "@import" not in style and all(t.startswith(("#", "data:")) for t in re.findall(r"url\(\s*['\"]?([^'\")]*)", style))
    csp = [a for a in page.named("meta") if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]["content"]


def test_hostile_text_in_a_gold_file_shows_as_text(page):
    row = page.row_text("hostile")
    for hostile in (HOSTILE_QUESTION, HOSTILE_PREVIOUS, HOSTILE_TAG, HOSTILE_EVIDENCE):
        assert collapse(hostile) in row
    assert not page.named("script") and not page.named("iframe") and not page.named("img") and not page.named("b")
    assert not [a for a in page.named("a")]


def test_hostile_text_in_a_quote_shows_as_text(fake_engine, golds, corpus_dir, gold_path, report, tmp_path):
    hostile = copy.deepcopy(report)
    answer = next(a for a in hostile["questions"] if a["id"] == "hostile")
    quote = {"doc": "000_7bc7a14333f16656", "start": 100, "end": 100 + len(HOSTILE_QUOTE), "text": HOSTILE_QUOTE,
             "section": "<b>section</b>", "highlights": [[100, 100 + len("<script>")]], "addressed_to_asker": False}
    answer.update(quotes=[quote], abstained=False)
    answer["ranked"][0] = {**answer["ranked"][0], "text": HOSTILE_QUOTE}
    out = tmp_path / "hostile.html"
    write_html(fake_engine, golds, corpus_dir, gold_path, out, report=hostile)
    page = Page(out.read_text(encoding="utf-8"))
    assert collapse(HOSTILE_QUOTE) in page.row_text("hostile")
    assert "<script>" in page.marks  # the highlight is marked, and its markup is text
    assert not page.named("script") and not page.named("img") and not page.named("b")


def test_headline_metrics_stand_beside_their_goals(page, report):
    acc = report["metrics"]["accuracy@1"]
    row = [t for t in page.text if t.strip()]
    i = row.index("accuracy@1")
    assert row[i + 1] == f"{acc:.3f}" and row[i + 2] == "\u2265 0.90" and row[i + 3] == ("yes" if acc >= 0.90 else "no")
    j = row.index("median_quote_chars")
    assert not row[j + 2].startswith(("\u2265", "\u2264"))  # no goal documented: none shown


def test_goals_follow_the_gold_file(tmp_path):
    assert goals_for("evaluation/gold/dev.jsonl")["accuracy@1"] == Goal(0.90, True, "issue 10 (question bank)")
    assert goals_for("evaluation/gold/followups.jsonl")["accuracy@1"].bound == 0.85
    for later in ("followups2", "followups9", "followups12"):  # every follow-up set, not only the first
        assert (goals_for(f"{later}.jsonl")["accuracy@1"].bound, goals_for(f"{later}.jsonl")["shown_relevant_rate"].bound) == (0.85, 0.90)
    assert goals_for("followups_notcovered.jsonl")["accuracy@1"].bound == 0.90  # no table of its own
    assert goals_for("x.jsonl")["false_alarm_rate"].met(0.02) is True
    assert goals_for("x.jsonl")["false_alarm_rate"].met(0.05) is False
    assert "median_quote_chars" not in goals_for("x.jsonl")


def test_the_report_names_what_was_measured(page):
    text = collapse(" ".join(page.text))
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert head and head in text
    for name in ("configuration", "corpus (documents and sources.toml)", "question bank", "safety exemplars"):
        assert re.search(re.escape(name) + r" [0-9a-f]{16}\b", text), name


def test_compare_results_are_drawn_side_by_side(fake_engine, golds, corpus_dir, gold_path, report, tmp_path):
    results = {"bm25": {**report["metrics"], "accuracy@1": 0.1}, "hybrid+rerank+bank": report["metrics"]}
    out = tmp_path / "compare.html"
    write_html(fake_engine, golds, corpus_dir, gold_path, out, report=report, compare=results)
    page = Page(out.read_text(encoding="utf-8"))
    assert "Configurations side by side" in [s.get("aria-label") for s in page.named("svg")]
    text = [t.strip() for t in page.text if t.strip()]
    i = text.index("accuracy@1", text.index("hybrid+rerank+bank"))
    assert text[i + 1: i + 3] == ["0.100", f"{report['metrics']['accuracy@1']:.3f}"]


def test_an_unwritable_path_is_a_clear_error(fake_engine, golds, corpus_dir, gold_path, report, tmp_path):
    with pytest.raises(ReportError, match="Cannot write the HTML report to .*missing.*Pass --html a path"):
        write_html(fake_engine, golds, corpus_dir, gold_path, tmp_path / "missing" / "r.html", report=report)


def test_segments_mark_the_highlights():
    quote = {"start": 10, "text": "One. Two three. Four.", "highlights": [[15, 25]]}
    assert [(s.text, s.marked) for s in segments(quote)] == [("One. ", False), ("Two three.", True), (" Four.", False)]
    assert [(s.text, s.marked) for s in segments({**quote, "highlights": []})] == [("One. Two three. Four.", False)]


def test_problems_name_each_kind_of_miss():
    from evaluation.gold import GoldQuestion

    answerable = GoldQuestion("a", "q", True, ())
    uncovered = GoldQuestion("u", "q", False, ())
    urgent = GoldQuestion("e", "q", False, (), emergency=True)
    quiet = {"emergency": False, "crisis": False, "abstained": False}
    assert problems_of(answerable, quiet, 1, True) == ()
    assert problems_of(answerable, quiet, 3, False) == ("no shown quote is relevant", "first relevant passage at rank 3")
    assert problems_of(answerable, {**quiet, "abstained": True}, None, False) == (
        "abstained on an answerable question", "no relevant passage in the top 10")
    assert problems_of(uncovered, quiet, None, False) == ("answered a not-covered question",)
    assert problems_of(uncovered, {**quiet, "emergency": True, "abstained": True}, None, False) == ("false alarm",)
    assert problems_of(urgent, {**quiet, "abstained": True}, None, False) == ("no emergency notice",)


@pytest.mark.slow
def test_medquote_eval_compare_writes_the_html_report(tmp_path, gold_path):
    env = {**os.environ, "MEDQUOTE_INDEX_DIR": str(tmp_path / "index"), "PYTHONPATH": str(ROOT)}
    out = tmp_path / "r.html"
    done = subprocess.run([sys.executable, "-m", "cli", "eval", "--gold", str(gold_path), "--compare", "--html", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert f"HTML report written to {out}" in done.stdout
    page = Page(out.read_text(encoding="utf-8"))
    assert len(page.named("svg")) == 3 and set(page.rows) == {g.id for g in load_gold(gold_path)}


def test_an_answered_not_covered_question_says_what_triggered_it(fake_engine, golds, corpus_dir, gold_path, tmp_path):
    from dataclasses import replace

    eager = replace(fake_engine, settings=replace(fake_engine.settings, threshold=-1.0))  # answers all it can
    report = run_eval(eager, golds, corpus_dir)
    answered = [a["id"] for a, g in zip(report["questions"], golds)
                if not g.answerable and not (g.emergency or g.crisis) and not a["abstained"]]
    assert answered
    out = tmp_path / "eager.html"
    write_html(eager, golds, corpus_dir, gold_path, out, report=report)
    page = Page(out.read_text(encoding="utf-8"))
    for qid in answered:
        row = page.row_text(qid)
        assert "answered a not-covered question" in row
        assert re.search(r"best passage scored -?\d\.\d{3} \u2265 threshold -1\.00 \(set on the engine by hand\) "
                         r"\(passage cosine .*\); no scope rule matched", row)


def test_an_answer_let_through_by_the_second_opinion_says_so(fake_engine, golds):
    """The report names the gate's rule recorded on the turn, not the standalone threshold (the
    fake engine has no query adapter, so the recorded decision is set here)."""
    from dataclasses import replace

    from evaluation.triggers import answer_trigger
    from medquote.gate import Decision

    turn = fake_engine.answer(next(g for g in golds if g.answerable).question)
    assert turn.gate == Decision("threshold", turn.reply.ranked[0].score, fake_engine.settings.threshold, not turn.reply.abstained)
    said = answer_trigger(fake_engine, replace(turn, gate=Decision("plain_threshold", 0.612, 0.5714, True)))
    assert said.startswith("the second opinion (the query as encoded, without the query adapter) scored 0.612 \u2265 "
                           f"plain_threshold 0.57; best passage {turn.reply.ranked[0].score:.3f} (passage cosine ")
    gated = answer_trigger(fake_engine, replace(turn, gate=Decision("followup_gate", 0.61, 0.45, True)))
    assert gated.startswith("the follow-up gate's probability 0.610 \u2265 its cut 0.45; best passage ")


def test_a_file_without_not_covered_questions_shows_n_a_not_zero(fake_engine, golds, corpus_dir, gold_path, tmp_path):
    """The sweep's rate over an empty group is 0 (it divides by at least 1): the report said
    'abstains on 0.000 of not-covered questions' for a file that has none."""
    answerable = [g for g in golds if g.answerable]
    out = tmp_path / "answerable.html"
    write_html(fake_engine, answerable, corpus_dir, gold_path, out)
    caption = " ".join(" ".join(Page(out.read_text(encoding="utf-8")).text).split())
    assert re.search(r"abstains on n/a \(none in this file\) of not-covered questions and answers [01]\.\d{3} of answerable ones\.", caption)
    assert "No best balanced accuracy: it needs answerable and not-covered questions." in caption
    assert "abstains on not-covered" not in caption  # the chart draws no line for the empty group
