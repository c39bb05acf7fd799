"""the split of a block's variance growth: Var(x + F) = Var(x) + Var(F) + 2 Cov(x, F)."""

import numpy as np
import pytest
import torch

import skipviz as sv
from skipviz.measure import growth_terms
from skipviz.measure.reference import bare_run

X, y = sv.make_dataset("spirals", n=256, seed=0)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("branch", ["standard", "scaled"])
def test_the_terms_multiply_to_the_bare_loops_growth(activation, branch):
    # bare_run builds the net from plain nn.Linear layers and measures Var(x_L) / Var(x_0)
    for seed in (0, 1):
        torch.manual_seed(seed)
        terms = growth_terms(sv.make_mlp(30, activation=activation, branch=branch), X)
        bare = bare_run(X, y, depth=30, activation=activation, branch=branch, seed=seed)
        assert terms.growth == pytest.approx(bare.growth, rel=1e-4)
        assert terms.per_block ** 30 == pytest.approx(terms.growth, rel=1e-9)


def test_a_dimmed_shortcut_and_a_batchnorm_net_are_split_too():
    # alpha = 0.5: the shortcut carries a quarter of Var(x); batchnorm: the net is left as it was
    torch.manual_seed(0)
    net = sv.make_mlp(20, skip=0.5, activation="relu", norm="batch")
    before = [b.norm.running_mean.clone() for b in net.blocks]
    terms = growth_terms(net, X)
    bare = bare_run(X, y, depth=20, alpha=0.5, activation="relu", norm="batch", seed=0)
    assert np.all(terms.shortcut == 0.25)
    assert terms.growth == pytest.approx(bare.growth, rel=1e-4)
    assert all(torch.equal(a, b.norm.running_mean) for a, b in zip(before, net.blocks, strict=True))


def test_each_term_against_a_hand_computation():
    torch.manual_seed(3)
    net = sv.make_mlp(3, activation="relu")
    terms = growth_terms(net, X)
    with torch.no_grad():
        x = net.stem(torch.as_tensor(X, dtype=torch.float32))
        block = net.blocks[0]
        f = torch.relu(block.fc(x))  # the branch of block 1, written out
    x, f = x.double().numpy(), f.double().numpy()
    var_x = x.var(0).sum()
    cov = sum(np.cov(x[:, i], f[:, i], bias=True)[0, 1] for i in range(x.shape[1]))
    assert terms.branch[0] == pytest.approx(f.var(0).sum() / var_x, rel=1e-6)
    assert terms.covariance[0] == pytest.approx(2 * cov / var_x, rel=1e-5)


def test_relu_grows_by_its_covariance_tanh_by_neither():
    # the lesson's reading: relu's branch moves with its input, tanh's is bounded
    torch.manual_seed(0)
    relu = growth_terms(sv.make_mlp(50, activation="relu"), X)
    torch.manual_seed(0)
    tanh = growth_terms(sv.make_mlp(50, activation="tanh"), X)
    assert relu.covariance.mean() > relu.branch.mean() > 0.1 > tanh.branch.mean()
    assert abs(tanh.covariance.mean()) < 0.1
    # a rezero net's branch is 0 at the start: nothing grows
    torch.manual_seed(0)
    flat = growth_terms(sv.make_mlp(10, activation="relu", branch="rezero"), X)
    assert np.all(flat.branch == 0) and np.all(flat.covariance == 0) and flat.growth == 1.0
    assert np.all(flat.shortcut == 1.0)


def test_a_net_without_blocks_is_refused_in_words():
    with pytest.raises(ValueError, match="net"):
        growth_terms(torch.nn.Linear(2, 2), X)
