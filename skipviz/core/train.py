"""training with gradient capture, divergence detection and a cancellable progress callback."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from .capture import GradientRecorder, norms
from .checks import check_choice, check_float, check_int
from .limits import MAX_LR, MAX_SEED, MAX_STEPS

OPTIMIZERS = ("adam", "sgd")
# sgd always runs with heavy-ball momentum, as ResNet was trained (He et al. 2015 used 0.9)
SGD_MOMENTUM = 0.9


class LossTrace:
    """what any record of a run that holds a .losses array can say about its length and end."""

    @property
    def steps_run(self) -> int:
        return len(self.losses)

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1]) if len(self.losses) else float("nan")


@dataclass
class TrainResult(LossTrace):
    """what one training run produced; arrays hold one row per step that ran."""

    losses: np.ndarray
    grad_norms: np.ndarray  # (steps run, depth): ||dL/dx_l||
    weight_grad_norms: np.ndarray  # (steps run, depth): ||dL/dW_l||
    diverged: bool = False
    diverged_at: int | None = None
    cancelled: bool = False
    accuracy: float = float("nan")
    elapsed: float = 0.0
    config: dict = field(default_factory=dict)
    net: torch.nn.Module | None = None
    # (steps run, depth): ||W_l - W_l(0)|| / ||W_l(0)|| after each step's update, how far
    # block l's weights have moved from their start, relative to their starting size
    weight_moved: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    # set by the batched engine inside a callback of compare(live_nets=False): the copy of
    # the latest weights into .net, made only if the callback asks for it (sync())
    pending_sync: Callable[[], None] | None = field(default=None, repr=False, compare=False)
    # set by the batched engine inside any callback of compare(): the latest weights' logits
    # at some points, read from the engine's own buffers (valid only inside that callback)
    live_logits: Callable[[torch.Tensor], torch.Tensor] | None = field(
        default=None, repr=False, compare=False)

    def sync(self) -> torch.nn.Module | None:
        """.net, holding the weights of the latest step run (a no-op when it already does)."""
        if self.pending_sync is not None:
            pull, self.pending_sync = self.pending_sync, None
            pull()
        return self.net

    @property
    def alpha(self) -> float:
        return self.config.get("alpha", float("nan"))


def check_data(X, y, out_features: int | None = None, in_features: int | None = None):
    """turn X, y into tensors (float32, int64) and refuse what cannot be trained on."""
    X = as_tensor("X", X, torch.float32)
    y = as_tensor("y", y)
    if X.ndim != 2 or X.shape[0] < 1:
        raise ValueError(f"X must have shape (n, features) with n >= 1, got {tuple(X.shape)}")
    if in_features is not None and X.shape[1] != in_features:
        raise ValueError(f"X must have {in_features} features (the input size of net), "
                         f"got {X.shape[1]}")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X, got {tuple(y.shape)}")
    if not torch.isfinite(X).all():
        raise ValueError("X must hold finite numbers only (found NaN or inf)")
    if y.dtype.is_floating_point:
        if not torch.isfinite(y).all() or (y != y.round()).any():
            raise ValueError("y must hold whole-number class labels")
    if y.is_complex():
        raise ValueError("y must hold whole-number class labels")
    y = y.long()
    if (y < 0).any() or (out_features is not None and (y >= out_features).any()):
        raise ValueError(f"y labels must be in [0, {out_features}), the net's output size")
    return X, y


def as_tensor(name: str, value, dtype=None) -> torch.Tensor:
    try:
        return torch.as_tensor(value, dtype=dtype)
    except (TypeError, ValueError, RuntimeError, OverflowError) as err:
        # None, strings, ragged lists and ints beyond float range have no tensor form
        raise ValueError(f"{name} must be an array of numbers, got {type(value).__name__}") from err


def check_net(net) -> torch.nn.Module:
    if not isinstance(net, torch.nn.Module) or not hasattr(net, "blocks"):
        raise ValueError(f"net must be a network with .blocks (from make_mlp), "
                         f"got {type(net).__name__}")
    return net


def check_train_args(steps, lr, seed, optimizer, callback_every):
    return (
        check_int("steps", steps, 1, MAX_STEPS),
        check_float("lr", lr, 0.0, MAX_LR, positive=True),
        check_int("seed", seed, 0, MAX_SEED),
        check_choice("optimizer", optimizer, OPTIMIZERS),
        check_int("callback_every", callback_every, 1, MAX_STEPS),
    )


def make_optimizer(name: str, params, lr: float) -> torch.optim.Optimizer:
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=SGD_MOMENTUM)
    return torch.optim.Adam(params, lr=lr)


def all_finite(tensors) -> bool:
    """true if no element of any tensor is nan or inf.

    norms first, the cheap test (a finite norm has finite elements); an infinite norm may
    be float32's sum of squares overflowing on finite numbers, so then look at the elements.
    """
    tensors = [t.detach() for t in tensors if t is not None]
    if not tensors:
        return True
    sizes = torch.stack(torch._foreach_norm(tensors))
    if bool(torch.isfinite(sizes).all()):
        return True
    return all(bool(torch.isfinite(t).all()) for t in tensors)


def distance_moved(weights, start) -> np.ndarray:
    """||W_l - W_l(0)|| per block, summed in float64 where float32's would overflow."""
    return norms(torch._foreach_sub([w.detach() for w in weights], start))


def train(
    net: torch.nn.Module,
    X,
    y,
    steps: int = 200,
    lr: float = 1e-2,
    seed: int = 0,
    callback: Callable[[TrainResult], bool | None] | None = None,
    callback_every: int = 10,
    optimizer: str = "adam",
) -> TrainResult:
    """full-batch training of `net` on (X, y) with cross-entropy, recording gradients every step.

    optimizer is "adam" (the default) or "sgd" (with momentum SGD_MOMENTUM). the run
    diverges (it stops there, no exception) when the loss, a gradient or a parameter is
    nan or inf; a norm too large for float32 on finite numbers is recorded in float64 and
    is no divergence. result.weight_moved says how far each block's weights moved.
    `callback(partial_result)` runs after the first step (so a caller can draw the step-0
    gradients at once), then every `callback_every` steps and at the end; returning False
    cancels the run.
    """
    steps, lr, seed, optimizer, callback_every = check_train_args(
        steps, lr, seed, optimizer, callback_every
    )
    check_net(net)
    if callback is not None and not callable(callback):
        raise ValueError(f"callback must be callable or None, got {type(callback).__name__}")
    out_features = getattr(getattr(net, "head", None), "out_features", None)
    in_features = getattr(getattr(net, "stem", None), "in_features", None)
    X, y = check_data(X, y, out_features, in_features)
    torch.manual_seed(seed)
    opt = make_optimizer(optimizer, net.parameters(), lr)
    params = list(net.parameters())
    weights = [block.fc.weight for block in net.blocks]
    start_weights = [w.detach().clone() for w in weights]
    start_norms = norms(start_weights)
    losses: list[float] = []
    moved: list[np.ndarray] = []
    empty = np.zeros((0, len(net.blocks)))
    result = TrainResult(np.zeros(0), empty, empty.copy(),
                         config=dict(steps=steps, lr=lr, seed=seed, optimizer=optimizer,
                                     alpha=float(getattr(net, "alpha", float("nan")))),
                         net=net, weight_moved=empty.copy())
    start = time.perf_counter()
    with GradientRecorder(net) as rec:
        for step in range(steps):
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(net(X), y)
            loss.backward()
            losses.append(loss.item())
            if not _finite_step(losses[-1], params):
                result.diverged, result.diverged_at = True, step
                # no update ran: the weights stay where the last step left them
                moved.append(moved[-1] if moved else np.zeros(len(weights)))
                break
            opt.step()
            moved.append(distance_moved(weights, start_weights))
            last = step == steps - 1
            if callback is not None and (step == 0 or (step + 1) % callback_every == 0 or last):
                _fill(result, losses, rec, moved, start_norms, start)
                if callback(result) is False:
                    result.cancelled = True
                    break
        _fill(result, losses, rec, moved, start_norms, start)
    result.accuracy = accuracy(net, X, y) if not result.diverged else float("nan")
    return result


def _finite_step(loss: float, params) -> bool:
    # diverged means the training itself went non-finite: the loss, a gradient or a weight
    if not math.isfinite(loss):
        return False
    return all_finite(p.grad for p in params) and all_finite(params)


def _fill(result: TrainResult, losses, rec: GradientRecorder, moved, start_norms, start: float):
    result.losses = np.array(losses)
    result.grad_norms = rec.grad_norms
    result.weight_grad_norms = rec.weight_grad_norms
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero-initialised block: inf/nan
        result.weight_moved = np.array(moved).reshape(len(moved), len(start_norms)) / start_norms
    result.elapsed = time.perf_counter() - start


@torch.no_grad()
def accuracy(net: torch.nn.Module, X, y) -> float:
    pred = net(torch.as_tensor(X, dtype=torch.float32)).argmax(1)
    return float((pred == torch.as_tensor(y)).float().mean())
