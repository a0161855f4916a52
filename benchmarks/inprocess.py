"""In-process latency: the model's own floor (encode one question) against a full answer.

For each question, in the same loop: `engine.index.embedder.encode([q])` (the floor: the same
model the engine uses, nothing else), `engine.index.search(q, RANKED)` (retrieval as the
index does it today), and `engine.ask(q)` (everything: checks, safety, retrieval, any rerank,
compose). The order of the three rotates per question and the question order alternates per
round, so no step always runs on a warmer cache; background load on a shared machine hits
all three alike, which keeps the ratio honest even when absolute times move. It only calls
public methods, so it measures whatever the pipeline is when run.
"""

from __future__ import annotations

import statistics
import time

from medquote.engine import RANKED

from .common import summary


def measure(engine, qs: list[str], rounds: int = 5, warmup: int = 10) -> dict:
    encode = engine.index.embedder.encode
    steps = {
        "encode": lambda q: encode([q]),
        "search": lambda q: engine.index.search(q, RANKED),
        "ask": lambda q: engine.ask(q),
    }
    for q in qs[:warmup]:
        for step in steps.values():
            step(q)
    times: dict[str, list[float]] = {name: [] for name in steps}
    names = list(steps)
    for r in range(rounds):
        order = qs if r % 2 == 0 else qs[::-1]
        for i, q in enumerate(order):
            shift = (i + r) % len(names)
            for name in names[shift:] + names[:shift]:
                t = time.perf_counter()
                steps[name](q)
                times[name].append(time.perf_counter() - t)
    out = {name: summary(ts) for name, ts in times.items()}
    out["ratio_ask_to_encode"] = round(out["ask"]["median_ms"] / out["encode"]["median_ms"], 3)
    # Per question too: robust to a slow stretch hitting one step's samples more than another's.
    pairs = zip(_by_q(times["ask"], qs, rounds), _by_q(times["encode"], qs, rounds), strict=True)
    out["paired_ratio_median"] = round(statistics.median(a / e for a, e in pairs), 3)
    out["questions"], out["rounds"] = len(qs), rounds
    out["batch"] = batched(engine, qs, rounds)
    return out


def batched(engine, qs: list[str], rounds: int, size: int = 16) -> dict:
    """ms per question: 16 questions answered by one `ask_many` against one `ask` each,
    alternating, so both meet the same background load."""
    groups = [qs[i: i + size] for i in range(0, len(qs) - size + 1, size)] or [qs]
    many, single = [], []
    for r in range(rounds):
        for g in groups:
            for name in (("many", "single") if r % 2 == 0 else ("single", "many")):
                t = time.perf_counter()
                if name == "many":
                    engine.ask_many(g)
                else:
                    for q in g:
                        engine.ask(q)
                (many if name == "many" else single).append((time.perf_counter() - t) * 1000 / len(g))
    return {"size": len(groups[0]), "ask_many_ms_per_question": round(statistics.median(many), 2),
            "ask_ms_per_question": round(statistics.median(single), 2),
            "ratio": round(statistics.median(many) / statistics.median(single), 3)}


def _by_q(samples: list[float], qs: list[str], rounds: int) -> list[float]:
    """The median time per question across rounds (rounds alternate question order)."""
    n = len(qs)
    per_q: list[list[float]] = [[] for _ in range(n)]
    for r in range(rounds):
        chunk = samples[r * n:(r + 1) * n]
        for i, t in enumerate(chunk if r % 2 == 0 else chunk[::-1]):
            per_q[i].append(t)
    return [statistics.median(ts) for ts in per_q]
