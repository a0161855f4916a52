"""Adapts the encoder to the corpus from reviewed data: a plain, seeded torch loop.

Training data is reviewed data only (never a gold file or a safety test set). The adapted
encoder (RECIPE) learns from the question bank: each bank question is paired with the
text its anchor's chunk is embedded as (section + passage, see build.embed_text) and with the
anchor's exact answering words. all-MiniLM-L6-v2 is fine-tuned on those pairs with in-batch
negatives (multiple-negatives ranking loss: cross-entropy over scaled cosines, every other
pair's positive in the batch a negative; a positive that is the same text as the row's own is
masked, not counted as a negative). The same loop takes SetFit-style labelled pairs from the
safety exemplars (safety_pairs.py: cosine regressed to 1 for two messages of the same labels, 0
otherwise), in batches of their own shuffled among the bank's: JOINT, one model for retrieval and
safety, and the safety-only model were trained so and measured against the frozen encoder
(docs/learned-safety.md); neither is served. The lowest `frozen_layers` transformer layers and the
word embeddings stay as they were: measured in docs/learned-answers.md.
It does not decide when to train or where the result lives (models.py); it never searches.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ingest import Anchor, Chunk


@dataclass(frozen=True)
class Recipe:
    """Everything that decides the trained weights besides the data. Bump `version` on any
    change to the loop itself."""

    version: str = "bank-mnrl-1"
    seed: int = 20261204
    epochs: int = 1
    batch_size: int = 32
    learning_rate: float = 3e-5
    warmup: float = 0.1  # share of the steps with a linearly rising learning rate
    scale: float = 20.0  # cosine -> logit, as sentence-transformers' MultipleNegativesRankingLoss
    max_seq_length: int = 128  # the longest passage (600 characters + heading) fits
    frozen_layers: int = 0  # lowest transformer layers (and the embeddings) kept frozen when > 0
    threads: int = 2  # torch threads: part of the recipe, since the sum order moves the last bits

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


RECIPE = Recipe()
# The loop on bank pairs and exemplar pairs together (or exemplar pairs alone): measured, not
# served (evaluation/safety/compare_encoders.py, docs/learned-safety.md).
JOINT = Recipe(version="bank-exemplars-1")
Pair = tuple[str, str]  # (bank question, its passage or its anchor words)
Labelled = tuple[str, str, float]  # (exemplar, exemplar, 1.0 same labels / 0.0 not)
Example = Pair | Labelled


def training_pairs(anchors: Sequence[Anchor], chunks: Sequence[Chunk], embed_text: Callable[[Chunk], str]) -> list[Pair]:
    """(question, positive) for every bank question: its anchor's chunk as embedded, and the
    anchor's exact words, alternating (passage at even positions, words at odd ones). Order
    follows the bank files, so the same bank gives the same list."""
    by_doc: dict[str, list[Chunk]] = {}
    for c in chunks:
        by_doc.setdefault(c.doc_id, []).append(c)
    pairs: list[Pair] = []
    for a in anchors:
        chunk = next(c for c in by_doc[a.doc_id] if c.start <= a.start and a.end <= c.end)
        words = chunk.text[a.start - chunk.start: a.end - chunk.start]
        for q in a.questions:
            pairs.append((q, embed_text(chunk)))
            pairs.append((q, words))
    return pairs


def data_sha256(pairs: Sequence[Example]) -> str:
    """What the model learns from, as one hash: a bank edit changes it, an edit elsewhere in a
    document (outside every anchored passage) does not."""
    return hashlib.sha256(json.dumps(list(pairs), ensure_ascii=False).encode()).hexdigest()


def _batches(pairs: Sequence[Example], size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches, each of one kind (bank passages, anchor words, labelled exemplar
    pairs): a batch is padded to its longest text, so short anchors batched apart cost a
    fraction of passages; and a passage's negatives are other passages, an anchor's other anchors."""
    bank = [i for i, p in enumerate(pairs) if len(p) == 2]  # the bank's come first, two per question
    passage, short = bank[0::2], bank[1::2]  # see training_pairs
    labelled = [i for i, p in enumerate(pairs) if len(p) == 3]
    batches = []
    for kind in (passage, short, labelled):
        rng.shuffle(kind)
        batches += [kind[i: i + size] for i in range(0, len(kind), size)]
    rng.shuffle(batches)
    return batches


def _freeze(model: Any, layers: int) -> None:
    if layers <= 0:
        return
    bert = model[0].auto_model
    for p in bert.embeddings.parameters():
        p.requires_grad = False
    for layer in bert.encoder.layer[:layers]:
        for p in layer.parameters():
            p.requires_grad = False


def _bank_loss(model: Any, rows: list[Pair], scale: float) -> Any:
    import torch

    questions, positives = [r[0] for r in rows], [r[1] for r in rows]
    q = torch.nn.functional.normalize(model(model.preprocess(questions))["sentence_embedding"], dim=1)
    p = torch.nn.functional.normalize(model(model.preprocess(positives))["sentence_embedding"], dim=1)
    logits = scale * q @ p.T
    same = torch.tensor([[a == b and i != j for j, b in enumerate(positives)] for i, a in enumerate(positives)])
    logits = logits.masked_fill(same, float("-inf"))  # the same passage twice is no negative
    return torch.nn.functional.cross_entropy(logits, torch.arange(len(rows)))


def _labelled_loss(model: Any, rows: list[Labelled]) -> Any:
    """SetFit's: mean squared error between the pair's cosine and its label."""
    import torch

    a = model(model.preprocess([r[0] for r in rows]))["sentence_embedding"]
    b = model(model.preprocess([r[1] for r in rows]))["sentence_embedding"]
    cos = torch.nn.functional.cosine_similarity(a, b)
    return torch.nn.functional.mse_loss(cos, torch.tensor([r[2] for r in rows], dtype=cos.dtype))


def fine_tune(base: Path, pairs: Sequence[Example], out: Path, recipe: Recipe = RECIPE, progress: bool = False) -> None:
    """Train from the model folder `base` and save a sentence-transformers folder to `out`."""
    import torch
    from sentence_transformers import SentenceTransformer
    from tqdm.auto import tqdm

    random.seed(recipe.seed)
    np.random.seed(recipe.seed)
    torch.manual_seed(recipe.seed)
    torch.set_num_threads(recipe.threads)
    model = SentenceTransformer(str(base), device="cpu", local_files_only=True)
    model.max_seq_length = recipe.max_seq_length
    _freeze(model, recipe.frozen_layers)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=recipe.learning_rate)
    rng = random.Random(recipe.seed)
    plan = [b for _ in range(recipe.epochs) for b in _batches(pairs, recipe.batch_size, rng)]
    warm = max(1, int(len(plan) * recipe.warmup))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warm, max(0.0, (len(plan) - step) / max(1, len(plan) - warm))),
    )
    model.train()
    bar = tqdm(plan, desc=f"Training the encoder ({recipe.version})", unit="batch", disable=not progress)
    for rows in bar:
        batch = [pairs[i] for i in rows]
        labelled = len(batch[0]) == 3  # a batch is of one kind, see _batches
        loss = _labelled_loss(model, batch) if labelled else _bank_loss(model, batch, recipe.scale)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        bar.set_postfix(loss=f"{loss.item():.3f}")
    model.eval()
    model.save(str(out))
