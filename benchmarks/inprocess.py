"""In-process latency: the model's own floor (encode one question) against a full answer.

For each question, in the same loop: `engine.index.embedder.encode([q])` (the floor: the same
model the engine uses, nothing else), `engine.index.search(q, engine.k)` (retrieval as the
index does it today), and `engine.ask(q)` (everything: checks, safety, retrieval, any rerank,
compose). The order of the three rotates per question and the question order alternates per
round, so no step always runs on a warmer cache; background load on a shared machine hits
all three alike, which keeps the ratio honest even when absolute times move. It only calls
public methods, so it measures whatever the pipeline is when run.
"""

from __future__ import annotations

import statistics
import time

from .common import summary


def measure(engine, qs: list[str], rounds: int = 5, warmup: int = 10) -> dict:
    encode = engine.index.embedder.encode
    steps = {
        "encode": lambda q: encode([q]),
        "search": lambda q: engine.index.search(q, engine.k),
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
    return out


def _by_q(samples: list[float], qs: list[str], rounds: int) -> list[float]:
    """The median time per question across rounds (rounds alternate question order)."""
    n = len(qs)
    per_q: list[list[float]] = [[] for _ in range(n)]
    for r in range(rounds):
        chunk = samples[r * n:(r + 1) * n]
        for i, t in enumerate(chunk if r % 2 == 0 else chunk[::-1]):
            per_q[i].append(t)
    return [statistics.median(ts) for ts in per_q]
