"""the batched engine behind compare() against train() on each net alone (the oracle).

train() runs the readable modules through autograd and torch.optim; compare() runs all
variants at once through skipviz.engine. every loss, every per-layer gradient norm and
the diverged/cancelled flags must agree within 1e-3 relative.

the runs are kept short on purpose: adam on a deep plain net amplifies float rounding
(a different summation order in train() itself, e.g. shuffling the rows of X, moves its
own numbers by more than 1e-3 after a few dozen steps), so longer runs would test chaos,
not the engine.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import skipviz as sv
from skipviz.core import engine
from skipviz.core.engine import (
    SGD,
    Adam,
    Record,
    StackedMLP,
    Workspace,
    forward_backward,
    parts_tensors,
)
from skipviz.core.models import ACTIVATIONS

SKIPS = (0.0, 0.5, 1.0)
RTOL = 1e-3


def alone(X, y, alpha, depth, width, activation, init_scale, **train_args):
    """what train() gives one net built the way compare() builds it."""
    torch.manual_seed(train_args.get("seed", 0))
    net = sv.make_mlp(depth, width, alpha, activation, init_scale)
    return sv.train(net, X, y, **train_args)


def assert_same_run(got, want):
    assert got.diverged == want.diverged and got.diverged_at == want.diverged_at
    assert got.steps_run == want.steps_run
    # a diverged run's last row holds the NaN/inf that stopped it: compare the rows before
    rows = want.steps_run - 1 if want.diverged else want.steps_run
    np.testing.assert_allclose(got.losses[:rows], want.losses[:rows], rtol=RTOL)
    np.testing.assert_allclose(got.grad_norms[:rows], want.grad_norms[:rows], rtol=RTOL)
    np.testing.assert_allclose(got.weight_grad_norms[:rows], want.weight_grad_norms[:rows],
                               rtol=RTOL)


@pytest.mark.parametrize(
    "depth, width, activation, optimizer, lr, steps",
    [
        (3, 16, "tanh", "adam", 1e-2, 40),
        (20, 32, "tanh", "adam", 1e-2, 10),  # the dashboard's default net
        (12, 16, "relu", "adam", 1e-2, 20),
        (40, 16, "gelu", "adam", 1e-2, 10),
        # sgd has momentum 0.9: its steps are ~10x lr once the velocity builds up
        (8, 8, "gelu", "sgd", 0.01, 40),
        (10, 16, "sigmoid", "sgd", 0.05, 40),
        (30, 16, "linear", "sgd", 0.005, 12),
    ],
)
def test_every_variant_matches_train_alone(spirals, monkeypatch, depth, width, activation,
                                           optimizer, lr, steps):
    # train() multiplies with torch's MKL: so does the engine here, so the two runs round
    # alike. with OpenBLAS the engine is as exact (as close to float64 at the first step,
    # see the autograd test), but 40 steps of sgd at lr 0.5 grow that rounding to tens of
    # percent on 1e-9 norms: chaos, not the engine. the numpy test below keeps it short.
    monkeypatch.setattr(engine, "LAYER_MATMUL", "torch")
    X, y = spirals
    init_scale = 0.5 if activation == "linear" else 1.0
    results = sv.compare(X, y, depth=depth, skips=SKIPS, width=width, activation=activation,
                         init_scale=init_scale, steps=steps, lr=lr, optimizer=optimizer)
    assert [r.alpha for r in results] == list(SKIPS)
    for alpha, got in zip(SKIPS, results, strict=True):
        want = alone(X, y, alpha, depth, width, activation, init_scale, steps=steps, lr=lr,
                     optimizer=optimizer)
        assert_same_run(got, want)
        assert got.grad_norms.shape == (steps, depth)
        assert abs(got.accuracy - want.accuracy) <= 2 / len(y)  # a point on the boundary
        # the make_mlp module holds the trained weights
        for p, q in zip(got.net.parameters(), want.net.parameters(), strict=True):
            torch.testing.assert_close(p, q, rtol=RTOL, atol=1e-5)


def test_a_diverging_variant_stops_alone(spirals):
    """linear blocks at init scale 2 with sgd: the more shortcut, the sooner it explodes."""
    X, y = spirals
    args = dict(depth=10, width=16, activation="linear", init_scale=2.0)
    results = sv.compare(X, y, skips=SKIPS, steps=30, lr=0.05, optimizer="sgd", **args)
    stops = [r.diverged_at for r in results]
    assert stops[0] is None and None not in stops[1:], stops
    for alpha, got in zip(SKIPS, results, strict=True):
        want = alone(X, y, alpha, args["depth"], args["width"], args["activation"],
                     args["init_scale"], steps=30, lr=0.05, optimizer="sgd")
        assert_same_run(got, want)
    plain, half, residual = results
    assert plain.steps_run == 30 and np.isfinite(plain.accuracy)
    for r in (half, residual):
        assert r.steps_run == r.diverged_at + 1 and np.isnan(r.accuracy)
        # it keeps the weights it had before the step that blew up, like train()
        assert all(torch.isfinite(p).all() for p in r.net.parameters())


def test_every_variant_diverging_at_once_is_no_error(spirals):
    X, y = spirals
    calls = []
    results = sv.compare(X, y, depth=100, activation="linear", init_scale=10.0, steps=50,
                         callback=lambda rs: calls.append([r.steps_run for r in rs]))
    assert all(r.diverged and r.diverged_at == 0 and r.steps_run == 1 for r in results)
    assert calls == [[1, 1]]  # the callback still sees the end


def test_callback_gets_every_partial_result_and_can_cancel(spirals):
    X, y = spirals
    seen = []

    def callback(results):
        assert len(results) == 2
        seen.append([r.steps_run for r in results])
        for r in results:
            assert r.grad_norms.shape == (r.steps_run, 6)
            # the module is usable mid-training: it holds the current weights
            sv.measure.decision_grid(r.net, X, n=8)
        return results[0].steps_run < 30

    results = sv.compare(X, y, depth=6, steps=100, callback=callback, callback_every=10)
    assert seen == [[1, 1], [10, 10], [20, 20], [30, 30]]
    assert all(r.cancelled and r.steps_run == 30 for r in results)
    for alpha, got in zip((0.0, 1.0), results, strict=True):
        assert_same_run(got, alone(X, y, alpha, 6, 32, "tanh", 1.0, steps=30))


def test_lazy_nets_hold_the_eager_weights_once_synced(spirals):
    # compare(live_nets=False) skips copying the weights into .net at each callback; sync()
    # must give the very weights an eager run has there (and a net not synced lags behind)
    X, y = spirals

    def flat(net):
        return torch.nn.utils.parameters_to_vector(net.parameters()).detach().clone()

    def record(into, lazy):
        def callback(results):
            step = results[0].steps_run
            into["seen"].append([flat(r.net) for r in results])  # before any sync
            if step % 7 == 0:
                into[step] = [flat(r.sync() if lazy else r.net) for r in results]
        return callback

    eager, lazy = {"seen": []}, {"seen": []}
    sv.compare(X, y, depth=5, steps=30, callback_every=1, seed=4, callback=record(eager, False))
    done = sv.compare(X, y, depth=5, steps=30, callback_every=1, seed=4, live_nets=False,
                      callback=record(lazy, True))
    assert sorted(k for k in eager if k != "seen") == [7, 14, 21, 28]
    for step in (7, 14, 21, 28):
        for a, b in zip(eager[step], lazy[step], strict=True):
            assert torch.equal(a, b), step
    # at step 8, before any sync, the lazy .net still held step 7's weights, not step 8's
    for v in range(2):
        assert torch.equal(lazy["seen"][7][v], lazy[7][v])
        assert not torch.equal(lazy["seen"][7][v], eager["seen"][7][v])
    # the finished results hold the final weights whatever the mode
    ends = sv.compare(X, y, depth=5, steps=30, seed=4)
    for a, b in zip(done, ends, strict=True):
        assert torch.equal(flat(a.net), flat(b.net))


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_live_logits_are_what_the_synced_net_computes(spirals, activation):
    # the dashboard draws live decision maps from the engine's own buffers (live_logits),
    # not from a copy in a module: the two must agree at every callback, and keep agreeing
    # once a diverged variant has left the stack (the others' rows move up)
    X, y = spirals
    points = torch.linspace(-2, 2, 60).view(30, 2)
    checked, worst = [], 0.0
    diverging = activation == "linear"
    args = dict(depth=10, width=16, init_scale=2.0, lr=0.05, optimizer="sgd") if diverging \
        else dict(depth=8, width=12, init_scale=1.0)

    def callback(results):
        for r in results:
            if r.diverged:
                continue
            with torch.no_grad():
                want = r.sync()(points)
            got = r.live_logits(points)
            # a net about to diverge overflows at some points: the same points in both
            torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5, equal_nan=True)
            finite = bool(torch.isfinite(want).all())
            if finite:
                nonlocal worst
                worst = max(worst, float((got - want).abs().max() / want.abs().max()))
            checked.append((r.alpha, r.steps_run, finite))

    results = sv.compare(X, y, skips=SKIPS, steps=30, activation=activation, callback=callback,
                         callback_every=3, live_nets=False, **args)
    assert all(r.live_logits is None for r in results)  # valid only inside a callback
    if diverging:  # as in test_a_diverging_variant_stops_alone: the plain net trains on alone
        assert results[0].steps_run == 30 and all(r.diverged for r in results[1:])
        assert any(a == 0.0 and n > max(r.diverged_at for r in results[1:]) + 1 and ok
                   for a, n, ok in checked)
    assert {a for a, _, ok in checked if ok} == set(SKIPS)
    assert sum(ok for *_, ok in checked) >= 0.8 * len(checked)
    print(f"{activation}: {len(checked)} checks ({sum(ok for *_, ok in checked)} finite), "
          f"largest difference {worst:.1e} of the logits")


def test_callback_runs_at_the_last_step(spirals):
    X, y = spirals
    seen = []
    sv.compare(X, y, depth=2, steps=25, callback_every=10,
               callback=lambda rs: seen.append(rs[0].steps_run))
    assert seen == [1, 10, 20, 25]


def test_results_keep_the_contract(spirals):
    X, y = spirals
    results = sv.compare(X, y, depth=4, skips=(1.0, 0.0, True), width=8, steps=5, seed=3)
    assert [r.alpha for r in results] == [1.0, 0.0, 1.0]
    for r in results:
        assert set(r.config) >= {"depth", "width", "activation", "init_scale", "alpha",
                                 "steps", "lr", "seed", "optimizer"}
        assert r.config["seed"] == 3 and r.config["depth"] == 4
        assert isinstance(r.net, sv.MLP) and r.net.alpha == r.alpha
        assert r.elapsed > 0 and not r.cancelled and not r.diverged
        with torch.no_grad():
            accuracy = (r.net(X).argmax(1) == y).float().mean().item()
        assert abs(r.accuracy - accuracy) <= 1 / len(y)
    # same seed, same start: equal alphas give equal runs
    np.testing.assert_array_equal(results[0].losses, results[2].losses)


def test_more_input_features(spirals):
    X, y = spirals
    X3 = torch.cat([X, X[:, :1] * X[:, 1:]], dim=1)
    results = sv.compare(X3, y, depth=3, steps=5)
    assert results[0].net.stem.in_features == 3
    assert_same_run(results[1], _alone_on(X3, y, 1.0, depth=3, steps=5))


def _alone_on(X, y, alpha, depth, steps):
    torch.manual_seed(0)
    net = sv.make_mlp(depth, 32, alpha, in_features=X.shape[1])
    return sv.train(net, X, y, steps=steps)


@pytest.fixture(params=["torch", "numpy"])
def matmul(request, monkeypatch):
    """both libraries the engine may multiply with (skipviz.engine.layer_matmul_library)."""
    monkeypatch.setattr(engine, "LAYER_MATMUL", request.param)
    return request.param


@pytest.mark.parametrize("activation", sorted(sv.ACTIVATIONS))
def test_one_step_gradients_match_autograd(spirals, activation, matmul):
    X, y = spirals
    nets = []
    for alpha in SKIPS:
        torch.manual_seed(1)
        nets.append(sv.make_mlp(7, 12, alpha, activation))
    stack = StackedMLP(nets)
    stats = forward_backward(stack, Workspace(stack, X, y))
    for v, net in enumerate(nets):
        loss = F.cross_entropy(net(X), y)
        grads = torch.autograd.grad(loss, list(net.parameters()))
        torch.testing.assert_close(stats[v, 0], loss.detach(), rtol=1e-5, atol=0)
        ours = parts_tensors(stack.grads, v)
        order = [net.stem.weight, net.stem.bias, *(b.fc.weight for b in net.blocks),
                 *(b.fc.bias for b in net.blocks), net.head.weight, net.head.bias]
        by_param = {id(p): g for p, g in zip(net.parameters(), grads, strict=True)}
        for got, p in zip(ours, order, strict=True):
            torch.testing.assert_close(got, by_param[id(p)], rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("name", ["adam", "sgd"])
def test_batched_optimizers_are_torch_s(name):
    """adam, and sgd with momentum 0.9, on one flat buffer: torch.optim's numbers."""
    torch.manual_seed(0)
    params = [torch.randn(3, 5), torch.randn(7), torch.randn(2, 2, 2)]
    flat = torch.cat([p.flatten() for p in params])
    reference = [p.clone().requires_grad_() for p in params]
    if name == "adam":
        opt, ours = torch.optim.Adam(reference, lr=3e-2), Adam(3e-2)
    else:
        opt, ours = torch.optim.SGD(reference, lr=3e-2, momentum=0.9), SGD(3e-2)
    for _ in range(20):
        grads = [torch.randn_like(p) for p in params]
        for p, g in zip(reference, grads, strict=True):
            p.grad = g
        opt.step()
        ours.step(flat, torch.cat([g.flatten() for g in grads]))
    want = torch.cat([p.detach().flatten() for p in reference])
    torch.testing.assert_close(flat, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kwargs, name", [
    (dict(optimizer="lbfgs"), "optimizer"),
    (dict(callback_every=0), "callback_every"),
    (dict(seed=-1), "seed"),
    (dict(width=0), "width"),
])
def test_compare_refuses(spirals, kwargs, name):
    X, y = spirals
    with pytest.raises(ValueError, match=name):
        sv.compare(X, y, depth=2, **kwargs)


def test_the_record_grows_with_the_steps_run():
    """a long deep run must not hold steps x (1 + 3 depth) floats before its first step."""
    record = Record(steps=100_000, variants=2, depth=500)
    assert record.rows.numel() <= Record.FIRST * 2 * 1501  # not 100000 rows up front
    ids = torch.arange(2)
    for step in range(200):
        record.write(step, ids, torch.full((2, 1001), float(step)))
    assert 200 <= len(record.rows) <= 400  # doubled as needed, no further
    result = sv.TrainResult(np.zeros(0), np.zeros((0, 0)), np.zeros((0, 0)))
    record.fill(result, 1)
    np.testing.assert_array_equal(result.losses, np.arange(200.0))
    assert result.grad_norms.shape == result.weight_grad_norms.shape == (200, 500)
    assert result.weight_moved.shape == (200, 500)
    # never past the steps asked for
    short = Record(steps=70, variants=1, depth=1)
    for step in range(70):
        short.write(step, torch.arange(1), torch.zeros(1, 3))
    assert len(short.rows) == 70


@pytest.mark.parametrize("depth, width, activation, optimizer, lr, steps", [
    (20, 32, "tanh", "adam", 1e-2, 10),
    (12, 16, "gelu", "sgd", 0.01, 20),
])
def test_numpy_matmuls_match_train_alone(spirals, monkeypatch, depth, width, activation,
                                         optimizer, lr, steps):
    """the OpenBLAS path (what a tuned environment runs) keeps the contract too."""
    monkeypatch.setattr(engine, "LAYER_MATMUL", "numpy")
    X, y = spirals
    results = sv.compare(X, y, depth=depth, skips=SKIPS, width=width, activation=activation,
                         steps=steps, lr=lr, optimizer=optimizer)
    for alpha, got in zip(SKIPS, results, strict=True):
        assert_same_run(got, alone(X, y, alpha, depth, width, activation, 1.0, steps=steps,
                                   lr=lr, optimizer=optimizer))


def test_numpy_matmuls_only_when_the_environment_asks():
    choose = engine.layer_matmul_library
    assert choose({}) == "torch"
    assert choose({"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_NUM_THREADS": "1"}) == "torch"
    # avx-512 kernels on more than one thread would fight torch for the cores
    assert choose({"OPENBLAS_CORETYPE": "SkylakeX"}) == "torch"
    assert choose({"OPENBLAS_CORETYPE": "SkylakeX", "OPENBLAS_NUM_THREADS": "1"}) == "numpy"
