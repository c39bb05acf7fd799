"""small convolutional nets for 8x8 images: a plain stack of conv blocks and a resnet whose
shortcut needs a projection (a 1x1 convolution) where the shape changes."""

from __future__ import annotations

import torch
from torch import nn

from .checks import check_choice, check_int
from .limits import MAX_CONV_BLOCKS

CONV_NORMS = ("batch", "none")
CONV_INITS = ("he", "default")


def _norm(kind: str, channels: int) -> nn.Module:
    # batchnorm after every conv, as in he et al. 2015 (both their plain nets and resnets)
    return nn.BatchNorm2d(channels) if kind == "batch" else nn.Identity()


class PlainConvBlock(nn.Module):
    """two 3x3 convolutions, out = relu(bn(conv(relu(bn(conv(x)))))): no shortcut."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 norm: str = "batch"):
        super().__init__()
        in_channels = check_int("in_channels", in_channels, 1, 1024)
        out_channels = check_int("out_channels", out_channels, 1, 1024)
        stride = check_int("stride", stride, 1, 2)
        check_choice("norm", norm, CONV_NORMS)
        bias = norm == "none"  # a bias before batchnorm is cancelled by its mean
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=bias)
        self.bn1 = _norm(norm, out_channels)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=bias)
        self.bn2 = _norm(norm, out_channels)
        self.relu2 = nn.ReLU()

    def forward(self, x):
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))

        return self.relu2(out)


class ResNetBlock(PlainConvBlock):
    """the same two convolutions plus a shortcut: out = relu(F(x) + shortcut(x)).

    where the block changes the shape (stride 2, more channels) x cannot be added as it is:
    the shortcut is then a projection, a 1x1 convolution with the same stride (he et al.
    2015's option b); everywhere else it is the identity, with no parameters at all.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 norm: str = "batch"):
        super().__init__(in_channels, out_channels, stride, norm)
        self.projection = None
        if stride != 1 or in_channels != out_channels:
            self.projection = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=norm == "none"),
                _norm(norm, out_channels),
            )

    def forward(self, x):
        identity = x

        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))

        if self.projection is not None:
            identity = self.projection(x)  # (B, C_in, H, W) -> (B, C_out, H/s, W/s)

        return self.relu2(out + identity)


class ConvNet(nn.Module):
    """stem (1 -> w channels, 8x8), blocks in two stages (w at 8x8, then 2w at 4x4), head
    (flatten, linear -> 10 classes).

    the head keeps where the ink is (a 1 and a 7 differ in position more than in strokes);
    resnet's global average pool throws that away: measured here, a 1-block net trained 2
    epochs with adam reached 54-62 % with the pool, 93-94 % with the flatten (seeds 0-2).
    """

    def __init__(self, stem: nn.Module, blocks: list[nn.Module], head: nn.Module):
        super().__init__()
        self.stem = stem
        self.blocks = nn.ModuleList(blocks)
        self.head = head

    def forward(self, x):
        _check_input(x)
        x = self.stem(x)  # (B, w, 8, 8)
        for block in self.blocks:
            x = block(x)  # (B, w, 8, 8), then (B, 2w, 4, 4) from the first stage-2 block
        x = x.flatten(1)  # (B, 2w * 4 * 4)
        return self.head(x)  # (B, classes)

    @property
    def skip(self) -> bool:
        return bool(self.blocks) and isinstance(self.blocks[0], ResNetBlock)

    def trace(self, x) -> list[tuple[str, tuple[int, ...], tuple[int, ...], str]]:
        """(stage, input shape, output shape, shortcut) for the stem, every block and the head."""
        _check_input(x)
        rows = []
        with torch.no_grad():
            h = self.stem(x)
            rows.append(("stem", tuple(x.shape), tuple(h.shape), "-"))
            for i, block in enumerate(self.blocks, 1):
                out = block(h)
                projection = getattr(block, "projection", None)
                shortcut = ("none (plain)" if not isinstance(block, ResNetBlock) else
                            "identity" if projection is None else "1x1 conv projection")
                rows.append((f"block {i}", tuple(h.shape), tuple(out.shape), shortcut))
                h = out
            y = self.head(h.flatten(1))
            rows.append(("head", tuple(h.shape), tuple(y.shape), "-"))
        return rows


def make_convnet(
    blocks: int,
    skip: bool = True,
    width: int = 8,
    norm: str = "batch",
    init: str = "he",
    classes: int = 10,
) -> ConvNet:
    """a ConvNet of `blocks` blocks (2 convolutions each: 2 * blocks + 2 weight layers).

    the first blocks // 2 work at 8x8 with `width` channels; the rest at 4x4 with 2 * width,
    the first of them with stride 2 (where a resnet needs its projection). init="he" draws
    every convolution from he et al. 2015's normal (std sqrt(2 / fan_in), made for relu);
    init="default" keeps pytorch's own (kaiming_uniform with a = sqrt(5): std
    sqrt(1 / (3 fan_in)), 1/sqrt(6) of he's). the weights are drawn in the same order for
    both skips, so after one torch.manual_seed the shared layers start equal.
    """
    blocks = check_int("blocks", blocks, 1, MAX_CONV_BLOCKS)
    if not isinstance(skip, bool):
        raise ValueError(f"skip must be True or False, got {skip!r}")
    width = check_int("width", width, 1, 256)
    check_choice("norm", norm, CONV_NORMS)
    check_choice("init", init, CONV_INITS)
    classes = check_int("classes", classes, 2, 1000)

    # building draws default weights (more for a resnet: its projection); rewind the
    # generator so the draws that count start where the caller's seed put it
    start = torch.get_rng_state()
    block = ResNetBlock if skip else PlainConvBlock
    first = blocks // 2  # stage 1 at 8x8; with one block only, that block downsamples
    stem = nn.Sequential(nn.Conv2d(1, width, 3, 1, 1, bias=norm == "none"),
                         _norm(norm, width), nn.ReLU())
    layers = [block(width, width, 1, norm) for _ in range(first)]
    layers += [block(width if i == 0 else 2 * width, 2 * width, 2 if i == 0 else 1, norm)
               for i in range(blocks - first)]
    net = ConvNet(stem, layers, nn.Linear(2 * width * 4 * 4, classes))
    torch.set_rng_state(start)
    _draw_weights(net, init)
    return net


def _draw_weights(net: ConvNet, init: str) -> None:
    # draw the layers both variants share first and the projections last, so a plain net
    # and a resnet built after the same torch.manual_seed start from equal shared weights
    projections = {id(m) for b in net.blocks if getattr(b, "projection", None) is not None
                   for m in b.projection.modules()}
    layers = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    layers.sort(key=lambda m: id(m) in projections)  # stable: keeps the order within each
    for m in layers:
        if init == "he" and isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        else:
            m.reset_parameters()


def _check_input(x) -> None:
    if not isinstance(x, torch.Tensor) or x.ndim != 4 or tuple(x.shape[1:]) != (1, 8, 8):
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"x must be a tensor of shape (B, 1, 8, 8), got {shape}")
