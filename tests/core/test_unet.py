import pytest
import torch
import torch.nn.functional as F
from torch.autograd.functional import jacobian

from skipviz.core.unet import ResidualConvBlock, TinyUNet, count_params, make_unet


def _by_hand(net: TinyUNet, x):
    """the same u-net written with torch.nn.functional, from the module's own weights."""

    def double(m, t):
        t = F.relu(F.conv2d(t, m.conv1.weight, m.conv1.bias, padding=1))
        return F.relu(F.conv2d(t, m.conv2.weight, m.conv2.bias, padding=1))

    def up(m, t):
        return F.conv_transpose2d(t, m.weight, m.bias, stride=2)

    def copy(t):
        return t if net.skips else torch.zeros_like(t)

    s1 = double(net.enc1, x)
    s2 = double(net.enc2, F.max_pool2d(s1, 2))
    z = double(net.bottom, F.max_pool2d(s2, 2))
    d2 = double(net.dec2, torch.cat([up(net.up2, z), copy(s2)], 1))
    d1 = double(net.dec1, torch.cat([up(net.up1, d2), copy(s1)], 1))
    return F.conv2d(d1, net.out.weight, net.out.bias)


@pytest.mark.parametrize("skips", [True, False])
def test_unet_matches_a_functional_rewrite(skips):
    torch.manual_seed(0)
    net = make_unet(width=4, skips=skips)
    x = torch.randn(3, 1, 16, 12)
    y = net(x)
    assert y.shape == x.shape
    torch.testing.assert_close(y, _by_hand(net, x))


def test_skips_switch_keeps_parameters_and_start():
    nets = []
    for skips in (True, False):
        torch.manual_seed(5)
        nets.append(make_unet(width=8, skips=skips))
    assert count_params(nets[0]) == count_params(nets[1]) == 29321
    for p, q in zip(nets[0].parameters(), nets[1].parameters(), strict=True):
        assert torch.equal(p, q)
    assert all(m.bias.abs().sum() == 0 for m in nets[0].modules() if isinstance(m, torch.nn.Conv2d))


def test_join_stacks_the_copy_or_zeros_of_its_shape():
    up, copied = torch.randn(2, 4, 8, 8), torch.randn(2, 3, 8, 8)
    for skips in (True, False):
        joined = make_unet(width=2, skips=skips).join(up, copied)
        assert joined.shape == (2, 7, 8, 8)
        assert torch.equal(joined[:, :4], up)
        assert torch.equal(joined[:, 4:], copied if skips else torch.zeros_like(copied))


def test_trace_shows_concatenation_adds_channels():
    net = make_unet(width=8)
    shapes = dict(net.trace(torch.zeros(2, 1, 16, 16)))
    assert shapes["enc1 (copied)"] == (2, 8, 16, 16) and shapes["up1"] == (2, 8, 16, 16)
    assert shapes["cat(up1, enc1)"] == (2, 16, 16, 16)
    assert shapes["cat(up2, enc2)"] == (2, 32, 8, 8) and shapes["bottom"] == (2, 32, 4, 4)
    assert shapes["output"] == (2, 1, 16, 16)


def test_unet_gradients_match_finite_differences():
    torch.manual_seed(2)
    net = make_unet(width=2).double()
    x = torch.randn(1, 1, 8, 8, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(net, (x,), eps=1e-6, atol=1e-5)


def test_residual_conv_block_adds_and_keeps_channels():
    torch.manual_seed(3)
    block = ResidualConvBlock(3).double()
    x = torch.randn(1, 3, 4, 4, dtype=torch.float64)
    assert block(x).shape == x.shape

    def f(t):
        return block.conv2(block.relu1(block.conv1(t)))

    # the jacobian of y = F(x) + x is the jacobian of F plus the identity
    j_block = jacobian(block, x).reshape(48, 48)
    j_f = jacobian(f, x).reshape(48, 48)
    torch.testing.assert_close(j_block, j_f + torch.eye(48, dtype=torch.float64))


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: make_unet(width=0), "width"),
        (lambda: make_unet(width=8.0), "width"),
        (lambda: make_unet(skips="yes"), "skips"),
        (lambda: make_unet(skips=1), "skips"),
        (lambda: make_unet(channels=0), "channels"),
        (lambda: make_unet()(torch.zeros(1, 1, 14, 16)), "divisible by 4"),
        (lambda: make_unet()(torch.zeros(1, 3, 16, 16)), "x must"),
        (lambda: make_unet()(torch.zeros(1, 16, 16)), "x must"),
        (lambda: make_unet().trace("image"), "x must"),
    ],
)
def test_unet_refuses(call, name):
    with pytest.raises(ValueError, match=name):
        call()
