"""What made the engine answer a not-covered question, or raise an alarm: plain sentences for
the HTML evaluation report.

An answer: the best passage's score against the threshold, its parts (passage cosine, BM25,
best sentence, best bank question with its text) and that no scope rule matched. An alarm: the
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
    return (f"best passage scored {hit.score:.3f} \u2265 threshold {engine.settings.threshold:.2f} "
            f"({', '.join(parts)}); no scope rule matched")


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
