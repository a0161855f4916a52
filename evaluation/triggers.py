"""What made the engine answer a not-covered question, or raise an alarm: plain sentences for
the HTML evaluation report.

An answer: the best passage's score against the threshold, its parts (passage cosine, BM25,
best sentence, best bank question with its text) and that no scope rule matched. An alarm: the
ids of the safety rules that fired, the classifier's verdicts, and its probabilities against the
calibrated thresholds. The engine is asked again (the answer object carries none of this); only for
the few questions that need it. It does not decide whether a reply was right (report_rows.py).
"""

from __future__ import annotations

from .gold import GoldQuestion


def answer_trigger(engine, gold: GoldQuestion) -> str:
    from medquote.engine import clean
    from medquote.followup import context_for

    reply = engine.ask(gold.question, gold.previous)
    if not reply.ranked:
        return "answered with no ranked passage"
    hit, index = reply.ranked[0], engine.index
    parts = [f"passage cosine less hubness {hit.dense:.3f}", f"BM25 {hit.lexical:.3f}", f"best sentence {hit.sentence:.3f}"]
    if hit.bank:
        text = clean(gold.question)
        query = engine.encode(text, clean(context_for(text, list(gold.previous))))[1]
        ids = index.bank_of[index.position(hit.chunk)]
        if ids:
            sims = {j: float(index.art.bank_vectors[j] @ query) for j in ids}
            best = max(ids, key=sims.__getitem__)
            parts.append(f"bank question {sims[best]:.3f} \u201c{index.art.bank[best].text}\u201d")
    return (f"best passage scored {hit.score:.3f} \u2265 threshold {engine.settings.threshold:.2f} "
            f"({', '.join(parts)}); no scope rule matched")


def alarm_trigger(engine, gold: GoldQuestion) -> str:
    from medquote.engine import clean

    text = clean(gold.question)
    flags = engine.screen_message(text)
    said = ", ".join(flags.reasons) or "no rule or classifier reason recorded"
    if engine.classifier is None:
        return f"alarm: {said}"
    e, c, _ = engine.classifier.scores(engine.encode(text)[0])
    t = engine.classifier.thresholds
    return (f"alarm: {said} (classifier: emergency {e:.3f}, needs {t.emergency:.3f}; "
            f"crisis {c:.3f}, needs {t.crisis:.3f})")


def triggers(engine, gold: GoldQuestion, answer: dict) -> tuple[str, ...]:
    out = []
    urgent = gold.emergency or gold.crisis
    if not gold.answerable and not urgent and not answer["abstained"]:
        out.append(answer_trigger(engine, gold))
    if answer["emergency"]:
        out.append(alarm_trigger(engine, gold))
    return tuple(out)
