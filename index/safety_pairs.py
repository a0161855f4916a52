"""Labelled training pairs from the reviewed safety exemplars, SetFit-style, seeded.

For each exemplar, `per_exemplar` partners: half of them messages with the same labels (label
1.0: pulled together), half messages whose labels share none of its own (label 0.0: pushed
apart; a pill overdose taken on purpose, labelled emergency and crisis, is never paired with
crisis alone or emergency alone). The class of a negative partner is drawn uniformly over the
other classes, so small classes (personal against general) count as much as big ones.
Quiet messages (general, ordinary) get negatives only: pulling every ordinary question towards
every other would undo what the question bank teaches retrieval about their topics.
It does not train (train.py) or judge (safety_model.py).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from .screen import QUIET, Exemplar
from .train import Labelled

PER_EXEMPLAR = 4  # labelled pairs drawn per exemplar (half same labels, half not)


def safety_pairs(exemplars: Sequence[Exemplar], per_exemplar: int = PER_EXEMPLAR, seed: int = 20261204) -> list[Labelled]:
    rng = random.Random(seed)
    classes: dict[frozenset[str], list[str]] = {}
    for e in exemplars:
        classes.setdefault(e.labels, []).append(e.text)
    keys = sorted(classes, key=lambda k: sorted(k))
    pairs: list[Labelled] = []
    for e in exemplars:
        own = classes[e.labels]
        apart = [k for k in keys if not (k & e.labels)]
        quiet = e.labels <= set(QUIET)
        for j in range(per_exemplar):
            if j % 2 == 0 and not quiet and len(own) > 1:
                partner = rng.choice(own)
                while partner == e.text:
                    partner = rng.choice(own)
                pairs.append((e.text, partner, 1.0))
            elif apart:
                pairs.append((e.text, rng.choice(classes[rng.choice(apart)]), 0.0))
    return pairs
