"""make_mlp's norm and branch options: each block computes what its docstring says."""

import inspect
import math

import pytest
import torch
import torch.nn.functional as F

import skipviz as sv
from skipviz.core import BRANCHES, NORMS


def test_forward_shows_norm_between_layer_and_activation():
    src = inspect.getsource(sv.ResidualBlock.forward)
    fc, norm, act = (src.index(s) for s in ("self.fc(x)", "self.norm(out)", "self.act(out)"))
    assert fc < norm < act
    assert "return self.scale * out + self.alpha * identity" in src


@pytest.mark.parametrize("norm", ["batch", "layer"])
def test_block_is_act_of_normalised_layer_plus_shortcut(norm):
    torch.manual_seed(0)
    block = sv.ResidualBlock(6, "tanh", alpha=0.5, norm=norm)
    x = torch.randn(9, 6)
    z = x @ block.fc.weight.T + block.fc.bias
    if norm == "batch":  # over the batch, biased variance, as training sees it
        zn = (z - z.mean(0)) / torch.sqrt(z.var(0, unbiased=False) + 1e-5)
    else:  # over the units of each input
        zn = (z - z.mean(1, keepdim=True)) / torch.sqrt(z.var(1, unbiased=False, keepdim=True)
                                                         + 1e-5)
    assert torch.allclose(block(x), torch.tanh(zn) + 0.5 * x, atol=1e-5)


def test_norm_none_is_the_old_block():
    torch.manual_seed(0)
    block = sv.ResidualBlock(4, "relu")
    x = torch.randn(5, 4)
    assert torch.equal(block(x), torch.relu(block.fc(x)) + x)


@pytest.mark.parametrize("norm", sorted(NORMS))
@pytest.mark.parametrize("branch", sorted(BRANCHES))
def test_every_option_draws_the_same_weights(norm, branch):
    torch.manual_seed(3)
    ref = sv.make_mlp(4, width=8)
    torch.manual_seed(3)
    net = sv.make_mlp(4, width=8, norm=norm, branch=branch)
    assert torch.equal(net.stem.weight, ref.stem.weight)
    assert torch.equal(net.head.weight, ref.head.weight)
    for a, b in zip(ref.blocks, net.blocks, strict=True):
        assert torch.equal(a.fc.bias, b.fc.bias)
        expected = torch.zeros_like(a.fc.weight) if branch == "fixup" else a.fc.weight
        assert torch.equal(b.fc.weight, expected)
    assert net.norm_name == norm and net.branch == branch


@pytest.mark.parametrize("depth", [1, 4, 50])
def test_branch_scales(depth):
    expect = {"standard": (1.0, False), "scaled": (1 / math.sqrt(depth), False),
              "rezero": (0.0, True), "fixup": (1.0, True)}
    for branch, (s, learnt) in expect.items():
        net = sv.make_mlp(depth, width=4, branch=branch)
        for block in net.blocks:
            assert float(torch.as_tensor(block.scale).detach()) == pytest.approx(s)
            assert isinstance(block.scale, torch.nn.Parameter) is learnt


def test_scaled_branch_is_f_over_sqrt_depth():
    torch.manual_seed(1)
    net = sv.make_mlp(9, width=5, activation="relu", branch="scaled")
    block, x = net.blocks[0], torch.randn(7, 5)
    assert torch.allclose(block(x), torch.relu(block.fc(x)) / 3 + x)


@pytest.mark.parametrize("branch", ["rezero", "fixup"])
def test_rezero_and_fixup_start_as_the_identity_in_x(branch):
    torch.manual_seed(2)
    net = sv.make_mlp(6, width=5, activation="tanh", branch=branch)
    x = torch.randn(8, 5, requires_grad=True)
    out = x
    for block in net.blocks:
        out = block(out)
    # every block's jacobian is I, so the stack passes dL/dout to x unchanged
    g = torch.randn(8, 5)
    (dx,) = torch.autograd.grad(out, x, g)
    assert torch.allclose(dx, g)


def test_rezero_scale_learns_and_moves_the_branch():
    torch.manual_seed(0)
    X, y = sv.make_dataset("spirals", n=64, seed=0)
    net = sv.make_mlp(3, width=8, branch="rezero")
    loss = F.cross_entropy(net(X), y)
    loss.backward()
    # s = 0 hides F: its weights get no gradient, s itself does
    assert all(float(b.fc.weight.grad.abs().max()) == 0 for b in net.blocks)
    assert all(float(b.scale.grad.abs()) > 0 for b in net.blocks)
    sv.train(net, X, y, steps=5)
    assert all(float(b.scale) != 0 for b in net.blocks)


def test_fixup_branch_weights_get_a_gradient():
    torch.manual_seed(0)
    X, y = sv.make_dataset("spirals", n=64, seed=0)
    net = sv.make_mlp(3, width=8, activation="relu", branch="fixup")
    F.cross_entropy(net(X), y).backward()
    # relu'(b) is 1 for the units whose bias is positive: their weights can start to learn
    assert all(float(b.fc.weight.grad.abs().max()) > 0 for b in net.blocks)


@pytest.mark.parametrize("norm", ["batch", "layer"])
def test_norm_nets_train_and_record_gradients(norm):
    X, y = sv.make_dataset("spirals", n=64, seed=0)
    torch.manual_seed(0)
    r = sv.train(sv.make_mlp(5, width=8, norm=norm), X, y, steps=3)
    assert r.grad_norms.shape == (3, 5) and (r.grad_norms > 0).all()
    assert not r.diverged


@pytest.mark.parametrize("bad", ["Batch", "bn", "", None, 1])
def test_bad_norm_names_norm(bad):
    with pytest.raises(ValueError, match="norm must be one of 'none', 'batch', 'layer'"):
        sv.make_mlp(3, norm=bad)


@pytest.mark.parametrize("bad", ["1/sqrt(L)", "Rezero", None, 0.5])
def test_bad_branch_names_branch(bad):
    with pytest.raises(ValueError, match="branch must be one of 'standard', 'scaled'"):
        sv.make_mlp(3, branch=bad)


def test_bad_learn_scale():
    with pytest.raises(ValueError, match="learn_scale"):
        sv.ResidualBlock(4, learn_scale="yes")


def test_fixup_needs_the_bias_with_relu():
    # lesson 08's exercise: with W = 0 and b = 0 too, relu's slope at 0 is 0 and W never learns
    torch.manual_seed(0)
    X, y = sv.make_dataset("spirals", n=64, seed=0)
    net = sv.make_mlp(3, width=8, activation="relu", branch="fixup")
    with torch.no_grad():
        for block in net.blocks:
            block.fc.bias.zero_()
    F.cross_entropy(net(X), y).backward()
    assert all(float(b.fc.weight.grad.abs().max()) == 0 for b in net.blocks)
