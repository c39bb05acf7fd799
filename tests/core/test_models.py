import inspect

import pytest
import torch

import skipviz as sv


def test_make_mlp_shapes_and_blocks():
    net = sv.make_mlp(5, width=8)
    assert len(net.blocks) == 5
    assert all(isinstance(b, sv.ResidualBlock) for b in net.blocks)
    assert net(torch.zeros(3, 2)).shape == (3, 2)


@pytest.mark.parametrize("skip, alpha", [(True, 1.0), (False, 0.0), (0.25, 0.25)])
def test_skip_sets_alpha(skip, alpha):
    net = sv.make_mlp(3, skip=skip)
    assert all(b.alpha == alpha for b in net.blocks)


def test_same_seed_same_weights_whatever_skip():
    nets = []
    for skip in (False, 0.5, True):
        torch.manual_seed(7)
        nets.append(sv.make_mlp(6, width=16, skip=skip))
    for other in nets[1:]:
        for p, q in zip(nets[0].parameters(), other.parameters(), strict=True):
            assert torch.equal(p, q)


def test_residual_forward_is_f_plus_alpha_x():
    block = sv.ResidualBlock(4, "tanh", alpha=0.5)
    x = torch.randn(10, 4)
    expected = torch.tanh(block.fc(x)) + 0.5 * x
    assert torch.allclose(block(x), expected)


def test_forward_shows_the_shortcut():
    src = inspect.getsource(sv.ResidualBlock.forward)
    assert "identity = x" in src and "+ self.alpha * identity" in src


def test_init_scale_multiplies_block_weights():
    torch.manual_seed(1)
    a = sv.make_mlp(3, init_scale=1.0)
    torch.manual_seed(1)
    b = sv.make_mlp(3, init_scale=2.5)
    for ba, bb in zip(a.blocks, b.blocks, strict=True):
        assert torch.allclose(bb.fc.weight, 2.5 * ba.fc.weight)


@pytest.mark.parametrize("act", sorted(sv.ACTIVATIONS))
def test_every_activation_runs(act):
    assert torch.isfinite(sv.make_mlp(2, activation=act)(torch.randn(4, 2))).all()


def test_residual_block_with_zero_f_is_identity():
    block = sv.ResidualBlock(6, "linear")
    plain = sv.plain_twin(block)
    with torch.no_grad():
        block.fc.weight.zero_()
        block.fc.bias.zero_()
    x = torch.randn(5, 6)
    assert torch.equal(block(x), x)
    assert torch.equal(plain(x), torch.zeros_like(x))
