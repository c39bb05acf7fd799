"""the networks: a plain block, a residual block y = s * F(x) + alpha * x, and an mlp of them.

F(x) = act(norm(W x + b)). the normalisation sits where He et al. 2015 put batchnorm, between
the layer and its activation (conv-bn-relu); the shortcut is added after the activation, so
the path from x to y is a bare identity. s scales the branch F (the ways of choosing it are in
BRANCHES); alpha scales the shortcut (the dashboard's skip strength).
"""

from __future__ import annotations

import math

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
# what sits between a block's linear layer and its activation
NORMS = {
    "none": "nothing: act(W x + b)",
    "batch": "BatchNorm1d: each unit standardised over the batch (Ioffe & Szegedy 2015)",
    "layer": "LayerNorm: each input's units standardised together (Ba et al. 2016)",
}
# how the residual branch F is scaled at the start: y = s * F(x) + alpha * x
BRANCHES = {
    "standard": "s = 1, fixed: the branch as built",
    "scaled": "s = 1/sqrt(depth), fixed: the branch scaled by 1/sqrt(L)",
    "rezero": "s learnt, starting at 0: SkipInit (De & Smith 2020) / ReZero (Bachlechner et al. "
              "2020); every block starts as the identity",
    "fixup": "W = 0 at the start, s learnt from 1: Fixup-style (Zhang et al. 2019); "
             "the branch's only layer starts at zero",
}


def make_activation(name: str) -> nn.Module:
    check_choice("activation", name, tuple(ACTIVATIONS))
    return ACTIVATIONS[name]()


def make_norm(name: str, width: int) -> nn.Module:
    """the normalisation layer `name` (one of NORMS) for `width` units."""
    check_choice("norm", name, tuple(NORMS))
    if name == "batch":
        return nn.BatchNorm1d(width)
    if name == "layer":
        return nn.LayerNorm(width)
    return nn.Identity()


class PlainBlock(nn.Module):
    """y = F(x), with F(x) = act(W x + b): one layer of an ordinary deep net.

    make_mlp's plain net is ResidualBlock with alpha = 0 (one code path, one draw order);
    that is where the norm and branch options live.
    """

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
    """y = s * F(x) + alpha * x: the same layer, plus a shortcut that carries x around it.

    F(x) = act(norm(W x + b)); norm is one of NORMS ("none" is nn.Identity). s scales the
    branch: a fixed float (`scale`), or a learnt scalar starting at `scale` when
    `learn_scale` is True (rezero: from 0). alpha scales the shortcut: 1 is a residual block,
    0 the plain block, in between a dimmer.
    """

    def __init__(
        self,
        width: int,
        activation: str = "tanh",
        alpha: float = 1.0,
        norm: str = "none",
        scale: float = 1.0,
        learn_scale: bool = False,
    ):
        super().__init__()
        width = check_int("width", width, 1, MAX_WIDTH)
        self.fc = nn.Linear(width, width)
        self.norm = make_norm(norm, width)
        self.act = make_activation(activation)
        self.alpha = check_float("alpha", alpha)
        scale = check_float("scale", scale)
        if not isinstance(learn_scale, bool):
            raise ValueError(f"learn_scale must be True or False, got {learn_scale!r}")
        # a learnt s is a parameter the optimiser moves; a fixed one is a plain number
        self.scale = nn.Parameter(torch.tensor(scale)) if learn_scale else scale

    def forward(self, x):
        identity = x

        out = self.fc(x)
        out = self.norm(out)
        out = self.act(out)

        return self.scale * out + self.alpha * identity


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

    def __init__(self, stem: nn.Module, blocks: list[nn.Module], head: nn.Module,
                 norm: str = "none", branch: str = "standard"):
        super().__init__()
        self.stem = stem
        self.blocks = nn.ModuleList(blocks)
        self.head = head
        # what make_mlp was asked for, so a result can say which net it trained
        self.norm_name, self.branch = norm, branch

    def forward(self, x):
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        return self.head(x)

    @property
    def alpha(self) -> float:
        return self.blocks[0].alpha if len(self.blocks) else 0.0


def branch_scale(branch: str, depth: int) -> tuple[float, bool]:
    """(s at the start, whether s is learnt) for one of BRANCHES in a net of `depth` blocks."""
    check_choice("branch", branch, tuple(BRANCHES))
    if branch == "scaled":
        return 1.0 / math.sqrt(depth), False
    if branch == "rezero":
        return 0.0, True
    if branch == "fixup":
        return 1.0, True
    return 1.0, False


def make_mlp(
    depth: int,
    width: int = 32,
    skip: bool | float = True,
    activation: str = "tanh",
    init_scale: float = 1.0,
    in_features: int = 2,
    out_features: int = 2,
    norm: str = "none",
    branch: str = "standard",
) -> MLP:
    """build the network every lesson uses.

    skip is a bool or the shortcut strength alpha in [0, 1]. init_scale multiplies the
    blocks' weights, against pytorch's default nn.Linear init (skipviz.core.scales).
    norm: "none" | "batch" | "layer" (NORMS), between each block's linear layer and its
    activation. branch: how y = s * F(x) + alpha * x scales F at the start (BRANCHES):
    "standard" (s = 1), "scaled" (s = 1/sqrt(depth)), "rezero" (s learnt from 0) or
    "fixup" (the block's weights start at 0, s learnt from 1; unlike Fixup proper the head
    keeps its init, so the gradient at step 0 reaches every block). branch applies to every
    block, also when alpha = 0, where F is the only path. the weights are drawn in the same
    order whatever skip, norm and branch are, so nets built after one torch.manual_seed start
    equal (up to the zeros fixup writes).
    """
    depth = check_int("depth", depth, 1, MAX_DEPTH)
    width = check_int("width", width, 1, MAX_WIDTH)
    alpha = check_skip(skip)
    check_choice("activation", activation, tuple(ACTIVATIONS))
    init_scale = check_float("init_scale", init_scale, positive=True)
    in_features = check_int("in_features", in_features, 1, MAX_WIDTH)
    out_features = check_int("out_features", out_features, 1, MAX_WIDTH)
    check_choice("norm", norm, tuple(NORMS))
    scale, learn_scale = branch_scale(branch, depth)

    # one fixed draw order (stem, blocks, head): alpha never changes which numbers land where
    stem = nn.Linear(in_features, width)
    blocks = [ResidualBlock(width, activation, alpha, norm, scale, learn_scale)
              for _ in range(depth)]
    head = nn.Linear(width, out_features)
    net = MLP(stem, blocks, head, norm, branch)
    with torch.no_grad():
        for block in net.blocks:
            # scaling only the blocks' weights lets the plain net vanish (< 1) or explode (> 1)
            block.fc.weight.mul_(init_scale)
            if branch == "fixup":
                # fixup zeroes a branch's last layer; a one-layer branch's last is its only
                block.fc.weight.zero_()
    return net
