"""What made the engine answer a not-covered question, or raise an alarm: plain sentences for
the HTML evaluation report.

An answer: the rule of the gate that let it through (medquote/gate.py, recorded on the Turn: the
best score against the threshold or follow-up threshold, the second opinion against its own, or
the follow-up gate's probability against its cut), the best passage's score parts (passage
cosine, BM25, best sentence, best bank question with its text) and that no scope rule matched. An alarm: the
ids of the safety rules that fired, the classifier's verdicts, and its probabilities against the
calibrated thresholds. Everything is read from the question's `Turn` (the answer object carries
none of it), asked for again only for the few questions that need it. It does not decide whether
a reply was right (report_rows.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .gold import GoldQuestion

if TYPE_CHECKING:
    from medquote.engine import Engine
    from medquote.turn import Turn
    from records import AnswerObject


def answer_trigger(engine: Engine, turn: Turn) -> str:
    reply, index = turn.reply, engine.index
    if not reply.ranked or turn.query is None:
        return "answered with no ranked passage"
    hit = reply.ranked[0]
    parts = [f"passage cosine less hubness {hit.dense:.3f}", f"BM25 {hit.lexical:.3f}", f"best sentence {hit.sentence:.3f}"]
    if hit.bank:
        ids = index.bank_of[index.position(hit.chunk)]
        if ids:
            sims = {j: float(index.art.bank_vectors[j] @ turn.query) for j in ids}
            best = max(ids, key=sims.__getitem__)
            parts.append(f"bank question {sims[best]:.3f} \u201c{index.art.bank[best].text}\u201d")
    return f"{gate_reason(turn, hit.score)} ({', '.join(parts)}); no scope rule matched"


# How each rule of the gate reads in a sentence: what it compared, and against what.
SECOND_OPINION = "the second opinion (the query as encoded, without the query adapter) scored {score:.3f} \u2265 {rule} {t:.2f}"
RULES = {
    "threshold": "best passage scored {score:.3f} \u2265 threshold {t:.2f}",
    "threshold set by hand": "best passage scored {score:.3f} \u2265 threshold {t:.2f} (set on the engine by hand)",
    "followup_threshold": "best passage scored {score:.3f} \u2265 followup_threshold {t:.2f}",
    "plain_threshold": SECOND_OPINION, "followup_plain_threshold": SECOND_OPINION,
    "followup_gate": "the follow-up gate's probability {score:.3f} \u2265 its cut {t:.2f}",
}


def gate_reason(turn: Turn, best: float) -> str:
    """The rule of the gate that let the turn answer, as recorded when it was answered."""
    d = turn.gate
    if d is None or d.score is None or d.threshold is None:
        return f"best passage scored {best:.3f}; the gate's rule was not recorded"
    said = RULES[d.rule].format(score=d.score, t=d.threshold, rule=d.rule)
    return said if d.rule in ("threshold", "threshold set by hand") else f"{said}; best passage {best:.3f}"


def alarm_trigger(engine: Engine, turn: Turn) -> str:
    said = ", ".join(turn.safety.reasons) or "no rule or classifier reason recorded"
    if turn.scores is None:
        return f"alarm: {said}"
    e, c, _ = turn.scores
    t = engine.classifier.thresholds
    return (f"alarm: {said} (classifier: emergency {e:.3f}, needs {t.emergency:.3f}; "
            f"crisis {c:.3f}, needs {t.crisis:.3f})")


def triggers(engine: Engine, gold: GoldQuestion, answer: AnswerObject) -> tuple[str, ...]:
    urgent = gold.emergency or gold.crisis
    wants_answer = not gold.answerable and not urgent and not answer["abstained"]
    if not wants_answer and not answer["emergency"]:
        return ()
    turn = engine.answer(gold.question, gold.previous)
    out = []
    if wants_answer:
        out.append(answer_trigger(engine, turn))
    if answer["emergency"]:
        out.append(alarm_trigger(engine, turn))
    return tuple(out)
