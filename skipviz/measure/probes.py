"""probes: how big the signal is at every layer, going forward and coming back, and what
happens when one block of a trained net is broken (zeroed, or deleted as in Veit et al. 2016)."""

from __future__ import annotations

import copy

import numpy as np
import torch
import torch.nn.functional as F

from ..core.checks import check_choice, check_int
from ..core.train import accuracy, as_tensor, check_data, check_net

BREAK_MODES = ("zero", "delete")


def layer_inputs(net: torch.nn.Module, X: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
    """x_0 (the stem's output), x_1, ..., x_L (the last block's output), and the logits."""
    xs = [net.stem(X)]
    for block in net.blocks:
        xs.append(block(xs[-1]))
    return xs, net.head(xs[-1])


@torch.no_grad()
def forward_signal(net: torch.nn.Module, X) -> np.ndarray:
    """how much x_l still varies from input to input, for l = 0 .. depth: shape (depth + 1,).

    each unit's std over the batch, averaged over the units. the spread across inputs, not
    the size of x_l: a layer that maps every input to the same vector has passed on nothing,
    however large that vector is (the biases alone keep |x_l| away from zero).
    """
    net = check_net(net)
    X = _check_X(net, X)
    if X.shape[0] < 2:
        raise ValueError(f"X must hold at least 2 inputs to measure a spread, got {X.shape[0]}")
    xs, _ = layer_inputs(net, X)
    # (n, width) -> (width,) -> one number
    return np.array([x.std(dim=0).mean().item() for x in xs])


def backward_signal(net: torch.nn.Module, X, y) -> np.ndarray:
    """||dL/dx_l|| for l = 0 .. depth (L = mean cross-entropy): shape (depth + 1,).

    the parameters' .grad are left as they were: the gradient is taken with autograd.grad.
    """
    net = check_net(net)
    X, y = _check_Xy(net, X, y)
    with torch.enable_grad():
        xs, logits = layer_inputs(net, X)
        loss = F.cross_entropy(logits, y)
        grads = torch.autograd.grad(loss, xs)
    return np.array([g.norm().item() for g in grads])


def break_block(net: torch.nn.Module, block: int, mode: str = "zero") -> torch.nn.Module:
    """a copy of `net` with block `block` broken; the original is not touched.

    mode="zero" sets every weight and bias of the block to 0, so F(x) is act(0): a residual
    block becomes the identity, a plain block outputs a constant. mode="delete" removes the
    block from the stack (width -> width, so the shapes still fit for plain and residual).
    """
    net = check_net(net)
    block = check_int("block", block, 0, len(net.blocks) - 1)
    check_choice("mode", mode, BREAK_MODES)
    broken = copy.deepcopy(net)
    if mode == "zero":
        with torch.no_grad():
            for p in broken.blocks[block].parameters():
                p.zero_()
    else:
        del broken.blocks[block]
    return broken


def break_each(net: torch.nn.Module, X, y, mode: str = "zero") -> np.ndarray:
    """accuracy on (X, y) after breaking block k alone, for every k: shape (depth,)."""
    net = check_net(net)
    X, y = _check_Xy(net, X, y)
    check_choice("mode", mode, BREAK_MODES)
    return np.array([accuracy(break_block(net, k, mode), X, y) for k in range(len(net.blocks))])


def _check_X(net, X) -> torch.Tensor:
    # the training checks with dummy labels, so a bad X gets the same named errors as in train
    X = as_tensor("X", X, torch.float32)
    labels = torch.zeros(X.shape[0] if X.ndim else 0, dtype=torch.long)
    return check_data(X, labels, in_features=_in_features(net))[0]


def _check_Xy(net, X, y):
    out_features = getattr(getattr(net, "head", None), "out_features", None)
    return check_data(X, y, out_features, _in_features(net))


def _in_features(net):
    return getattr(getattr(net, "stem", None), "in_features", None)
