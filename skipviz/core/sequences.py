"""toy sequence tasks on short digit strings (made on the fly from a seed) and a seeded
training of the tiny transformer on them, with per-block gradient capture."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from .capture import GradientRecorder
from .checks import check_choice, check_float, check_int
from .limits import MAX_SEED, MAX_STEPS
from .train import LossTrace
from .transformer import TinyTransformer, make_transformer

TASKS = ("sort", "reverse", "copy")
VOCAB, LENGTH = 10, 8  # digits 0-9, eight of them
TEST_SIZE = 512


def make_sequences(task: str, n: int, generator: torch.Generator) -> tuple[torch.Tensor,
                                                                              torch.Tensor]:
    """n random digit strings (n, 8) and the answer the task wants at every position."""
    check_choice("task", task, TASKS)
    n = check_int("n", n, 1, 1_000_000)
    x = torch.randint(VOCAB, (n, LENGTH), generator=generator)
    if task == "sort":
        y = x.sort(dim=1).values
    elif task == "reverse":
        y = x.flip(1)
    else:
        y = x.clone()
    return x, y


@dataclass
class SequenceRun(LossTrace):
    """one trained transformer: the loss per step, per-block ||dL/dx|| per step, test scores."""

    net: TinyTransformer
    losses: np.ndarray  # (steps,)
    grad_norms: np.ndarray  # (steps, layers): ||dL/dx|| at each block's input
    token_accuracy: float  # share of the test positions answered right
    sequence_accuracy: float  # share of the test strings answered right at every position
    diverged: bool = False
    elapsed: float = 0.0
    config: dict = field(default_factory=dict)


def train_sequences(
    layers: int,
    placement: str,
    *,
    task: str = "sort",
    steps: int = 300,
    lr: float = 3e-3,
    warmup: int = 0,
    batch_size: int = 64,
    d_model: int = 32,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> SequenceRun:
    """adam on fresh batches every step; warmup > 0 ramps the lr up linearly over that many.

    the net, the batches and the test set all come from `seed`, so a pre-ln and a post-ln
    run with one seed start from the same weights and see the same strings.
    """
    task = check_choice("task", task, TASKS)
    steps = check_int("steps", steps, 1, MAX_STEPS)
    lr = check_float("lr", lr, 1e-6, 1.0)
    warmup = check_int("warmup", warmup, 0, MAX_STEPS)
    batch_size = check_int("batch_size", batch_size, 1, 4096)
    seed = check_int("seed", seed, 0, MAX_SEED)
    torch.manual_seed(seed)
    net = make_transformer(layers, placement, d_model=d_model, vocab=VOCAB, length=LENGTH)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    losses: list[float] = []
    diverged = False
    start = time.perf_counter()
    with GradientRecorder(net) as rec:
        for step in range(steps):
            for group in opt.param_groups:
                # linear warm-up, then the full lr (warmup = 0: the full lr from step 1)
                group["lr"] = lr * min(1.0, (step + 1) / warmup) if warmup else lr
            x, y = make_sequences(task, batch_size, gen)
            loss = F.cross_entropy(net(x).reshape(-1, VOCAB), y.reshape(-1))
            if not math.isfinite(loss.item()):
                diverged = True  # training itself went non-finite: stop, say so
                break
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if progress is not None:
                progress(step + 1, steps)
    token, sequence = evaluate(net, task, seed)
    config = dict(layers=layers, placement=placement, task=task, steps=steps, lr=lr,
                  warmup=warmup, batch_size=batch_size, d_model=d_model, seed=seed)
    return SequenceRun(net, np.array(losses), rec.grad_norms[: len(losses)], token, sequence,
                       diverged, time.perf_counter() - start, config)


def held_out(task: str, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """the held-out strings of a seed: drawn from their own generator, never trained on
    (a string can repeat one seen in training by chance: 10^8 strings, 512 held out)."""
    return make_sequences(task, TEST_SIZE, torch.Generator().manual_seed(MAX_SEED - seed))


def evaluate(net: TinyTransformer, task: str, seed: int) -> tuple[float, float]:
    """token and whole-string accuracy on the seed's test strings."""
    x, y = held_out(task, seed)
    with torch.no_grad():
        right = net(x).argmax(-1) == y
    return float(right.float().mean()), float(right.all(dim=1).float().mean())
