"""How many top layers the safety branch should fine-tune: 5-fold cross-validation on the exemplars.

For each fold (stratified by label set, seeded) the logistic heads on the frozen encoder's vectors
(safety_model.fit_head, the classifier served before the branch) and a branch over the top
(6 - k) layers for each k asked (safety_branch.train_branch with that many trunk layers) are
trained on four fifths of the exemplars and judge the fifth. Printed per class: ROC AUC and the
recall at the threshold where 2 % of the held-out messages without that label are flagged.
Reviewed data only (no test set is read). Each branch takes about three minutes a fold on two cores.

    python -m scripts.safety_branch_cv [--trunks 5,4,3,2]
"""

from __future__ import annotations

import argparse
import random
from dataclasses import replace

import numpy as np


def folds_of(labels: list[frozenset[str]], k: int = 5, seed: int = 1) -> np.ndarray:
    rng, out = random.Random(seed), np.zeros(len(labels), dtype=int)
    groups: dict[frozenset[str], list[int]] = {}
    for i, lab in enumerate(labels):
        groups.setdefault(lab, []).append(i)
    for _, rows in sorted(groups.items(), key=lambda kv: sorted(kv[0])):
        rng.shuffle(rows)
        for j, i in enumerate(rows):
            out[i] = j % k
    return out


def figures(y: np.ndarray, p: np.ndarray) -> str:
    from sklearn.metrics import roc_auc_score

    from index.safety_model import HEADS

    out = []
    for c, head in enumerate(HEADS):
        negative = np.sort(p[y[:, c] == 0, c])[::-1]
        cut = negative[int(0.02 * len(negative))]
        out.append(f"{head} AUC {roc_auc_score(y[:, c], p[:, c]):.4f} recall@2% {np.mean(p[y[:, c] == 1, c] > cut):.3f}")
    return "; ".join(out)


def main(argv: list[str] | None = None) -> int:
    from index import ModelEmbedder
    from index.safety_branch import RECIPE, train_branch, trunk_states
    from index.safety_model import HEADS, SafetyBranch, fit_head, probabilities
    from index.screen import load_exemplars

    ap = argparse.ArgumentParser(prog="python -m scripts.safety_branch_cv")
    ap.add_argument("--trunks", default="5,4,3,2", help="trunk layers kept frozen (the branch fine-tunes the rest of 6)")
    args = ap.parse_args(argv)
    embedder = ModelEmbedder()
    bert, (tokenizer, length) = embedder.transformer(), embedder.tokenizer_and_length()
    exemplars = load_exemplars()
    texts = [e.text for e in exemplars]
    vectors = embedder.encode(texts, batch_size=64)
    y = np.array([[h in e.labels for h in HEADS] for e in exemplars], dtype=float)
    folds = folds_of([e.labels for e in exemplars])
    trunks = [int(k) for k in args.trunks.split(",")]
    found = {name: np.zeros_like(y) for name in ["heads", *(f"branch over {6 - k} layers" for k in trunks)]}
    for f in range(5):
        train, held = np.where(folds != f)[0], np.where(folds == f)[0]
        head = fit_head([exemplars[i] for i in train], vectors[train])
        found["heads"][held] = probabilities(head, vectors[held])
        for k in trunks:
            onnx = train_branch(bert, tokenizer, length, [exemplars[i] for i in train], head, replace(RECIPE, trunk_layers=k))
            states = trunk_states(bert, tokenizer, [texts[i] for i in held], k, length)
            groups = []
            for start in range(0, len(held), 64):
                rows = list(range(start, min(start + 64, len(held))))
                width = max(states[r].shape[0] for r in rows)
                trunk = np.zeros((len(rows), width, states[0].shape[1]), dtype=np.float32)
                mask = np.zeros((len(rows), width), dtype=np.int64)
                for j, r in enumerate(rows):
                    trunk[j, : states[r].shape[0]] = states[r].numpy()
                    mask[j, : states[r].shape[0]] = 1
                groups.append((rows, trunk, mask))
            found[f"branch over {6 - k} layers"][held] = SafetyBranch(onnx, "cv").probabilities(groups, len(held))
            print(f"fold {f}, trunk {k}: done", flush=True)
    for name, p in found.items():
        print(f"{name}: {figures(y, p)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
