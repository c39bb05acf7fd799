"""the networks: a plain block, a residual block y = F(x) + alpha * x, and an mlp of them."""

from __future__ import annotations

import torch
from torch import nn

from .checks import check_choice, check_float, check_int, check_skip
from .limits import MAX_DEPTH, MAX_WIDTH

ACTIVATIONS = {
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
    "linear": nn.Identity,
}


def make_activation(name: str) -> nn.Module:
    check_choice("activation", name, tuple(ACTIVATIONS))
    return ACTIVATIONS[name]()


class PlainBlock(nn.Module):
    """y = F(x), with F(x) = act(W x + b): one layer of an ordinary deep net."""

    def __init__(self, width: int, activation: str = "tanh"):
        super().__init__()
        width = check_int("width", width, 1, MAX_WIDTH)
        self.fc = nn.Linear(width, width)
        self.act = make_activation(activation)

    def forward(self, x):
        out = self.fc(x)
        out = self.act(out)
        return out


class ResidualBlock(nn.Module):
    """y = F(x) + alpha * x: the same layer, plus a shortcut that carries x around it."""

    def __init__(self, width: int, activation: str = "tanh", alpha: float = 1.0):
        super().__init__()
        width = check_int("width", width, 1, MAX_WIDTH)
        self.fc = nn.Linear(width, width)
        self.act = make_activation(activation)
        # alpha = 1 is a residual block, alpha = 0 is the plain block, in between is a dimmer
        self.alpha = check_float("alpha", alpha)

    def forward(self, x):
        identity = x

        out = self.fc(x)
        out = self.act(out)

        return out + self.alpha * identity


class PreActResidualBlock(nn.Module):
    """y = F(x) + x with F(x) = W act(norm(x)) + b: He et al. 2016's pre-activation order.

    "Identity mappings in deep residual networks" moves the normalisation and the activation
    in front of the weight, so nothing is applied after the sum and the shortcut stays a pure
    identity from block to block. norm is "layer" (per input, so deleting a block at test
    time meets no stale batch statistics) or "none".
    """

    def __init__(self, width: int, activation: str = "tanh", norm: str = "layer"):
        super().__init__()
        width = check_int("width", width, 1, MAX_WIDTH)
        check_choice("norm", norm, ("layer", "none"))
        self.norm = nn.LayerNorm(width) if norm == "layer" else nn.Identity()
        self.act = make_activation(activation)
        self.fc = nn.Linear(width, width)
        self.alpha = 1.0  # the shortcut's strength, read like ResidualBlock's

    def forward(self, x):
        identity = x

        out = self.norm(x)
        out = self.act(out)
        out = self.fc(out)

        return out + identity


class MLP(nn.Module):
    """stem (in -> width), `depth` blocks (width -> width), head (width -> out)."""

    def __init__(self, stem: nn.Module, blocks: list[nn.Module], head: nn.Module):
        super().__init__()
        self.stem = stem
        self.blocks = nn.ModuleList(blocks)
        self.head = head

    def forward(self, x):
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        return self.head(x)

    @property
    def alpha(self) -> float:
        return self.blocks[0].alpha if len(self.blocks) else 0.0


def make_mlp(
    depth: int,
    width: int = 32,
    skip: bool | float = True,
    activation: str = "tanh",
    init_scale: float = 1.0,
    in_features: int = 2,
    out_features: int = 2,
) -> MLP:
    """build the network every lesson uses.

    skip is a bool or the shortcut strength alpha in [0, 1]. the weights are drawn in the
    same order whatever skip is, so two nets built after one torch.manual_seed start equal.
    """
    depth = check_int("depth", depth, 1, MAX_DEPTH)
    width = check_int("width", width, 1, MAX_WIDTH)
    alpha = check_skip(skip)
    check_choice("activation", activation, tuple(ACTIVATIONS))
    init_scale = check_float("init_scale", init_scale, positive=True)
    in_features = check_int("in_features", in_features, 1, MAX_WIDTH)
    out_features = check_int("out_features", out_features, 1, MAX_WIDTH)

    # one fixed draw order (stem, blocks, head): alpha never changes which numbers land where
    stem = nn.Linear(in_features, width)
    blocks = [ResidualBlock(width, activation, alpha) for _ in range(depth)]
    head = nn.Linear(width, out_features)
    net = MLP(stem, blocks, head)
    with torch.no_grad():
        for block in net.blocks:
            # scaling only the blocks' weights lets the plain net vanish (< 1) or explode (> 1)
            block.fc.weight.mul_(init_scale)
    return net
