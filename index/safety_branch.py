"""Trains the safety branch and exports it to ONNX: the build side (imports torch).

The branch is a copy of the encoder's top transformer layers (from TRUNK_LAYERS up) plus a
linear head (emergency, crisis, personal), fine-tuned on the reviewed exemplars alone
(answer/exemplars/*.toml) with a plain, seeded torch loop. The lower layers (the trunk) stay
the served encoder's own and are run once per message: the encoder's pass gives the retrieval
vector and the trunk's states, and the branch reads those (one pass for retrieval and safety;
docs/learned-safety.md measures it against the frozen heads). Training caches the trunk's
states of every exemplar and clause once, so an epoch runs the top three layers only (~50 s on
two cores for 3,730 exemplars).
The head starts from the logistic heads fitted on the frozen vectors (safety_model.fit_head):
the branch starts as exactly the served classifier and moves from there.
Loss: binary cross-entropy per class, positives weighted by the class's rarity (as the heads'
class_weight="balanced"). The result is an ONNX graph (inputs `trunk`, `attention_mask`;
output `safety`, probabilities), checked against torch and served with int8 weights
(branch_export.py).
It does not decide thresholds (evaluation/safety/calibrate_safety.py) or run the branch at
serving time (safety_model.SafetyBranch).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .branch_export import export, padded
from .embedder import TRUNK_LAYERS
from .safety_model import HEAD_RECIPE, HEADS
from .screen import Exemplar


@dataclass(frozen=True)
class BranchRecipe:
    """Everything that decides the branch's weights besides the data. Bump `version` on any
    change to the loop. Chosen by 5-fold cross-validation on the exemplars (docs/learned-safety.md)."""

    version: str = "exemplar-branch-7"
    seed: int = 20261204
    trunk_layers: int = TRUNK_LAYERS
    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 3e-5  # the copied layers
    head_learning_rate: float = 1e-3  # the linear head
    weight_decay: float = 0.01
    warmup: float = 0.1
    threads: int = 2  # part of the recipe: the sum order moves the last bits
    # Trained as served: an exemplar's probability is the highest over the message and its
    # clauses (ingest.clauses), so every clause of a quiet message learns to stay quiet, and an
    # alarm needs only its one alarming clause. False: the message alone (version 1).
    clauses: bool = True
    # Served with int8 weights (branch_export.py: ~1.7x faster, tuning AUCs within 0.0004).
    # Version 2 was the same training served in float32; version 3 had signed int8 weights, which
    # CPUs without AVX-512 VNNI run with saturating sums (branch_export._quantize).
    int8: bool = True
    # Trained in a child pinned to AVX2 kernels (branch_worker.py): the same bytes on every x86-64
    # machine. Versions up to 3 trained with whatever the CPU offered. (Version 4 was the
    # in-context experiment, docs/experiments/in-context-clauses.patch; 6 the bank-negatives one,
    # docs/experiments/bank-negatives.patch.) Version 7: MKL pinned to its COMPATIBLE mode, since
    # AVX2,STRICT still let an Intel Sapphire Rapids train other bytes (branch_child.py).
    pinned: str = "avx2+mkl-compatible"
    # AdamW's fused step: its square root is ATen's own (the same bits on an emulated EPYC Rome as
    # on this Zen 4). The default step takes MKL's vectorised one, which rounds differently on
    # different CPUs (there the first step already moved the weights apart).
    optimizer: str = "adamw-fused"

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


RECIPE = BranchRecipe()
CACHE_DIR = "safety-branches"  # in the model store (index/models.py): trained branches by branch_key
log = logging.getLogger("medquote.index")
CHECK_ROWS = 64  # exemplar texts the exported graph is checked on (branch_export.py)


def branch_key(exemplars: Sequence[Exemplar], weights_sha256: str, recipe: BranchRecipe = RECIPE) -> str:
    """sha256 of what the branch is trained from: a changed exemplar, base weights, recipe or
    starting head's recipe retrains it."""
    data = [recipe.key(), HEAD_RECIPE, weights_sha256, [(e.text, sorted(e.labels)) for e in exemplars]]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()


def cached(folder: Path, key: str) -> bytes | None:
    """A branch trained from `key` earlier on this machine (the model store's `safety-branches/`,
    shared by every index built with it), if its bytes still hash as recorded; else None."""
    onnx, record = folder / f"{key}.onnx", folder / f"{key}.sha256"
    try:
        data = onnx.read_bytes()
        return data if hashlib.sha256(data).hexdigest() == record.read_text(encoding="utf-8").strip() else None
    except (OSError, ValueError):  # ValueError: a record that is not text (UnicodeDecodeError)
        return None


def keep(folder: Path, key: str, data: bytes) -> None:
    """Store a trained branch for the next build of any index (atomic; a cache: a failure to
    write only means training again next time)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in ((f"{key}.onnx", data), (f"{key}.sha256", hashlib.sha256(data).hexdigest().encode())):
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
            os.chmod(tmp, 0o644)
            os.replace(tmp, folder / name)
    except OSError as exc:
        log.warning("Could not keep the trained safety branch in %s (%s); the next build trains it again.", folder, exc.strerror)


def additive_mask(attention_mask: Any) -> Any:
    """A BERT layer's attention mask: 0 where a token is, the dtype's lowest where padding is."""
    import torch

    return (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min


def trunk_states(bert: Any, tokenizer: Any, texts: Sequence[str], layers: int, max_length: int) -> list[Any]:
    """Each text's states after the lowest `layers` layers, unpadded (tokens x dim)."""
    import torch

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: list[Any] = [None] * len(texts)
    for start in range(0, len(order), 64):
        rows = order[start:start + 64]
        enc = tokenizer([texts[i] for i in rows], padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        with torch.inference_mode():
            h = bert.embeddings(input_ids=enc["input_ids"], token_type_ids=enc["token_type_ids"])
            mask = additive_mask(enc["attention_mask"])
            for layer in bert.encoder.layer[:layers]:
                h = layer(h, attention_mask=mask)
                h = h[0] if isinstance(h, tuple) else h
        for j, i in enumerate(rows):
            out[i] = h[j, : int(enc["attention_mask"][j].sum())].clone()
    return out


def _module(bert: Any, layers: int, head: np.ndarray) -> Any:
    import copy

    import torch

    class Branch(torch.nn.Module):  # type: ignore[misc]  # torch is taken as untyped
        """The top layers, mean pooling over the mask, L2 normalisation, the linear head."""

        def __init__(self) -> None:
            super().__init__()
            self.layers = torch.nn.ModuleList(copy.deepcopy(layer) for layer in bert.encoder.layer[layers:])
            self.head = torch.nn.Linear(head.shape[1] - 1, len(HEADS))
            with torch.no_grad():
                self.head.weight.copy_(torch.tensor(head[:, :-1]))
                self.head.bias.copy_(torch.tensor(head[:, -1]))

        def logits(self, trunk: Any, attention_mask: Any) -> Any:
            h, mask = trunk, additive_mask(attention_mask)
            for layer in self.layers:
                h = layer(h, attention_mask=mask)
                h = h[0] if isinstance(h, tuple) else h
            keep = attention_mask.to(h.dtype).unsqueeze(1)  # batch x 1 x sequence, as onnx_export pools
            mean = torch.bmm(keep, h).squeeze(1) / torch.clamp(keep.sum(dim=2), min=1e-9)
            return self.head(torch.nn.functional.normalize(mean, p=2, dim=1))

        def forward(self, trunk: Any, attention_mask: Any) -> Any:
            return torch.sigmoid(self.logits(trunk, attention_mask))

    return Branch()


def train_branch(bert: Any, tokenizer: Any, max_length: int, exemplars: Sequence[Exemplar], head: np.ndarray,
                 recipe: BranchRecipe = RECIPE, progress: bool = False) -> bytes:
    """The trained branch as ONNX bytes. `bert`: the served encoder's transformer (not changed);
    `head`: safety_model.fit_head on the frozen vectors, the head's starting point."""
    import torch
    from tqdm.auto import tqdm

    random.seed(recipe.seed)
    np.random.seed(recipe.seed)
    torch.manual_seed(recipe.seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(recipe.threads)
    try:
        texts, rows_of = _judged(exemplars, recipe.clauses)
        states = trunk_states(bert, tokenizer, texts, recipe.trunk_layers, max_length)
        branch = _module(bert, recipe.trunk_layers, head)
        y = torch.tensor([[float(h in e.labels) for h in HEADS] for e in exemplars])
        positives = y.sum(0)
        loss_of = torch.nn.BCEWithLogitsLoss(pos_weight=(len(y) - positives) / positives.clamp(min=1))
        optimizer = torch.optim.AdamW([
            {"params": branch.layers.parameters(), "lr": recipe.learning_rate},
            {"params": branch.head.parameters(), "lr": recipe.head_learning_rate},
        ], weight_decay=recipe.weight_decay, fused=recipe.optimizer == "adamw-fused")
        rng = random.Random(recipe.seed)
        lengths = [max(states[r].shape[0] for r in rows) for rows in rows_of]
        plan = [b for _ in range(recipe.epochs) for b in _batches(lengths, recipe.batch_size, rng)]
        warm = max(1, int(len(plan) * recipe.warmup))
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: min((step + 1) / warm, max(0.0, (len(plan) - step) / max(1, len(plan) - warm))))
        branch.train()
        bar = tqdm(plan, desc=f"Training the safety branch ({recipe.version})", unit="batch", disable=not progress)
        for batch in bar:
            rows = [r for i in batch for r in rows_of[i]]
            trunk, mask = padded([states[r] for r in rows])
            logits, at = branch.logits(trunk, mask), 0
            highest = []
            for i in batch:  # the highest over each exemplar's rows (a sigmoid keeps the order)
                highest.append(logits[at: at + len(rows_of[i])].max(dim=0).values)
                at += len(rows_of[i])
            loss = loss_of(torch.stack(highest), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            bar.set_postfix(loss=f"{loss.item():.3f}")
        branch.eval()
        return export(branch, [states[i] for i in range(min(CHECK_ROWS, len(states)))], recipe.int8)
    finally:
        torch.set_num_threads(threads)


def _judged(exemplars: Sequence[Exemplar], with_clauses: bool) -> tuple[list[str], list[list[int]]]:
    """The texts the classifier reads of each exemplar (the message, then its clauses, as
    Engine.judged_texts), flat, and each exemplar's rows among them."""
    from ingest import clauses

    texts: list[str] = []
    rows_of: list[list[int]] = []
    for e in exemplars:
        own = [e.text, *(clauses(e.text) if with_clauses else [])]
        rows_of.append(list(range(len(texts), len(texts) + len(own))))
        texts += own
    return texts, rows_of


def _batches(lengths: Sequence[int], size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar lengths (little padding): shuffle, sort within windows of 8
    batches by length, cut, shuffle the batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    batches: list[list[int]] = []
    for start in range(0, len(order), size * 8):
        window = sorted(order[start:start + size * 8], key=lambda i: lengths[i])
        batches += [window[i:i + size] for i in range(0, len(window), size)]
    rng.shuffle(batches)
    return batches
