"""a tiny u-net (Ronneberger et al. 2015) whose skips concatenate, and, for comparison,
a convolutional residual block whose shortcut adds."""

from __future__ import annotations

import torch
from torch import nn

from .checks import check_int


class DoubleConv(nn.Module):
    """two 3x3 convolutions with relu: the unit every level of the u-net is built from."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.relu2 = nn.ReLU()

    def forward(self, x):
        out = self.relu1(self.conv1(x))
        out = self.relu2(self.conv2(out))
        return out


class ResidualConvBlock(nn.Module):
    """y = F(x) + x on feature maps (as in ResNet): the shortcut adds, so C stays C."""

    def __init__(self, channels: int):
        super().__init__()
        channels = check_int("channels", channels, 1, 1024)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        identity = x

        out = self.relu1(self.conv1(x))
        out = self.conv2(out)

        return out + identity


class TinyUNet(nn.Module):
    """encoder (full, 1/2, 1/4 resolution), decoder back up; at each level of the decoder
    the encoder's feature map of the same size is concatenated to the upsampled one.

    skips=False cuts the copies: the decoder gets zeros of the same shape in their place.
    both variants therefore have the very same layers and parameter count, and start from
    the same weights after one torch.manual_seed; only the detail that the copies carried
    around the 1/4-resolution bottleneck is missing.
    """

    def __init__(self, channels: int = 1, width: int = 8, skips: bool = True):
        super().__init__()
        channels = check_int("channels", channels, 1, 16)
        width = check_int("width", width, 1, 256)
        if not isinstance(skips, bool):
            raise ValueError(f"skips must be True or False, got {skips!r}")
        self.skips = skips
        self.pool = nn.MaxPool2d(2)
        self.enc1 = DoubleConv(channels, width)
        self.enc2 = DoubleConv(width, 2 * width)
        self.bottom = DoubleConv(2 * width, 4 * width)
        self.up2 = nn.ConvTranspose2d(4 * width, 2 * width, 2, stride=2)
        self.dec2 = DoubleConv(4 * width, 2 * width)  # 2w upsampled + 2w copied
        self.up1 = nn.ConvTranspose2d(2 * width, width, 2, stride=2)
        self.dec1 = DoubleConv(2 * width, width)  # w upsampled + w copied
        self.out = nn.Conv2d(width, channels, 1)

    def forward(self, x):
        _check_input(x, self.enc1.conv1.in_channels)
        s1 = self.enc1(x)  # (B, w, H, W)
        s2 = self.enc2(self.pool(s1))  # (B, 2w, H/2, W/2)
        z = self.bottom(self.pool(s2))  # (B, 4w, H/4, W/4)

        d2 = self.dec2(self.join(self.up2(z), s2))  # (B, 4w, H/2, W/2) -> (B, 2w, H/2, W/2)
        d1 = self.dec1(self.join(self.up1(d2), s1))  # (B, 2w, H, W) -> (B, w, H, W)

        return self.out(d1)  # (B, channels, H, W)

    def join(self, up, copied):
        """the skip connection: stack the encoder's map under the decoder's (C1 + C2 channels)."""
        if not self.skips:
            # cut the copy but keep its shape, so dec1/dec2 are the same layers either way
            copied = torch.zeros_like(copied)
        return torch.cat([up, copied], dim=1)

    def trace(self, x) -> list[tuple[str, tuple[int, ...]]]:
        """(stage, shape) for every step of forward, to print what the skips concatenate."""
        _check_input(x, self.enc1.conv1.in_channels)
        with torch.no_grad():
            s1 = self.enc1(x)
            s2 = self.enc2(self.pool(s1))
            z = self.bottom(self.pool(s2))
            u2 = self.up2(z)
            j2 = self.join(u2, s2)
            d2 = self.dec2(j2)
            u1 = self.up1(d2)
            j1 = self.join(u1, s1)
            out = self.out(self.dec1(j1))
        stages = [("input", x), ("enc1 (copied)", s1), ("enc2 (copied)", s2), ("bottom", z),
                  ("up2", u2), ("cat(up2, enc2)", j2), ("dec2", d2), ("up1", u1),
                  ("cat(up1, enc1)", j1), ("output", out)]
        return [(name, tuple(t.shape)) for name, t in stages]


def make_unet(width: int = 8, skips: bool = True, channels: int = 1) -> TinyUNet:
    """a TinyUNet with kaiming (He) initialisation and zero biases.

    kaiming init (He et al. 2015, "Delving deep into rectifiers", not the resnet paper of the
    same year and first author) draws N(0, 2 / fan_in): it keeps the signal's scale through
    the relu layers, so the net
    without skips (ten convolutions deep) still trains; the difference left between the two
    variants is the detail, not a vanishing signal.
    """
    width = check_int("width", width, 1, 256)
    channels = check_int("channels", channels, 1, 16)
    if not isinstance(skips, bool):
        raise ValueError(f"skips must be True or False, got {skips!r}")
    net = TinyUNet(channels, width, skips)
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)
    return net


def count_params(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def _check_input(x, channels: int):
    if not isinstance(x, torch.Tensor) or x.ndim != 4 or x.shape[1] != channels:
        raise ValueError(f"x must be a tensor of shape (B, {channels}, H, W), got {_shape(x)}")
    if x.shape[-1] % 4 or x.shape[-2] % 4 or min(x.shape[-2:]) < 4:
        # two poolings halve twice; the upsampled maps must line up with the copies
        raise ValueError(f"x must have height and width divisible by 4, got {tuple(x.shape[-2:])}")


def _shape(x):
    return tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
