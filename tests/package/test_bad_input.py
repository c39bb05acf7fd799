"""every public function refuses bad arguments with a ValueError that names the parameter."""

import math

import pytest
import torch

import skipviz as sv

X, Y = sv.make_dataset("moons", n=32)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(depth=0), "depth"),
        (dict(depth=501), "depth"),
        (dict(depth=2.5), "depth"),
        (dict(depth=True), "depth"),
        (dict(depth=3, width=0), "width"),
        (dict(depth=3, activation="swish"), "activation"),
        (dict(depth=3, skip=1.5), "skip"),
        (dict(depth=3, skip=-0.1), "skip"),
        (dict(depth=3, skip=math.nan), "skip"),
        (dict(depth=3, init_scale=0.0), "init_scale"),
        (dict(depth=3, init_scale=-1.0), "init_scale"),
        (dict(depth=3, init_scale=math.inf), "init_scale"),
        (dict(depth=3, init_scale="big"), "init_scale"),
    ],
)
def test_make_mlp_refuses(kwargs, name):
    with pytest.raises(ValueError, match=name):
        sv.make_mlp(**kwargs)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(name="mnist"), "name"),
        (dict(n=0), "n"),
        (dict(noise=-1.0), "noise"),
        (dict(seed=-3), "seed"),
    ],
)
def test_make_dataset_refuses(kwargs, name):
    with pytest.raises(ValueError, match=name):
        sv.make_dataset(**kwargs)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(steps=0), "steps"),
        (dict(lr=0.0), "lr"),
        (dict(lr=-1e-3), "lr"),
        (dict(lr=math.nan), "lr"),
        (dict(lr=math.inf), "lr"),
        (dict(optimizer="lbfgs"), "optimizer"),
    ],
)
def test_train_refuses_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        sv.train(sv.make_mlp(2), X, Y, **kwargs)


def test_train_refuses_bad_data():
    net = sv.make_mlp(2)
    bad = X.clone()
    bad[3, 1] = math.nan
    with pytest.raises(ValueError, match="X must hold finite"):
        sv.train(net, bad, Y)
    bad[3, 1] = math.inf
    with pytest.raises(ValueError, match="X must hold finite"):
        sv.train(net, bad, Y)
    with pytest.raises(ValueError, match="y must have shape"):
        sv.train(net, X, Y[:-1])
    with pytest.raises(ValueError, match="X must have shape"):
        sv.train(net, X[:, 0], Y)
    with pytest.raises(ValueError, match="y labels"):
        sv.train(net, X, Y + 5)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(depth=0), "depth"),
        (dict(depth=3, skips=(0.0, 2.0)), "skip"),
        (dict(depth=3, skips=()), "skips"),
        (dict(depth=3, steps=0), "steps"),
        (dict(depth=3, lr=-1.0), "lr"),
        (dict(depth=3, init_scale=0), "init_scale"),
        (dict(depth=3, activation="nope"), "activation"),
    ],
)
def test_compare_refuses(kwargs, name):
    with pytest.raises(ValueError, match=name):
        sv.compare(X, Y, **kwargs)


def test_theory_refuses():
    with pytest.raises(ValueError, match="gain"):
        sv.scalar_chain(math.nan, 10)
    with pytest.raises(ValueError, match="depth"):
        sv.random_chain_singular_values(0)
    with pytest.raises(ValueError, match="x must be one input vector"):
        sv.block_jacobian(sv.ResidualBlock(3), torch.zeros(2, 3))
    with pytest.raises(ValueError, match="dims"):
        sv.loss_landscape(sv.make_mlp(2), X, Y, dims=3)
