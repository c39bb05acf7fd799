import numpy as np
import torch

import skipviz as sv


def test_train_result_shapes(spirals):
    X, y = spirals
    net = sv.make_mlp(5)
    r = sv.train(net, X, y, steps=20)
    assert r.losses.shape == (20,)
    assert r.grad_norms.shape == (20, 5) and r.weight_grad_norms.shape == (20, 5)
    assert not r.diverged and r.diverged_at is None
    assert np.isfinite(r.grad_norms).all()
    assert r.losses[-1] < r.losses[0]
    assert 0.0 <= r.accuracy <= 1.0


def test_train_is_reproducible(spirals):
    X, y = spirals
    runs = []
    for _ in range(2):
        torch.manual_seed(4)
        runs.append(sv.train(sv.make_mlp(6), X, y, steps=15, seed=4))
    np.testing.assert_array_equal(runs[0].losses, runs[1].losses)
    np.testing.assert_array_equal(runs[0].grad_norms, runs[1].grad_norms)


def test_callback_sees_progress_and_can_cancel(spirals):
    X, y = spirals
    seen = []

    def callback(partial):
        seen.append(partial.steps_run)
        return partial.steps_run < 30

    r = sv.train(sv.make_mlp(3), X, y, steps=100, callback=callback, callback_every=10)
    assert seen == [1, 10, 20, 30]
    assert r.cancelled and r.steps_run == 30 and r.grad_norms.shape == (30, 3)


def test_exploding_run_is_reported_as_diverged(spirals):
    X, y = spirals
    torch.manual_seed(0)
    net = sv.make_mlp(100, skip=False, activation="linear", init_scale=10.0)
    r = sv.train(net, X, y, steps=50)
    assert r.diverged and r.diverged_at == 0
    assert r.steps_run == 1


def test_degradation_deeper_plain_worse_deeper_residual_not(spirals):
    """He et al. 2015 in small: plain depth 24 ends with a higher loss than depth 2;
    the residual net at depth 24 does at least as well as at depth 2."""
    X, y = spirals
    final = {}
    for depth in (2, 24):
        for r in sv.compare(X, y, depth=depth, steps=300, lr=1e-2, seed=0):
            final[depth, r.alpha] = r.final_loss
    assert final[24, 0.0] > 2 * final[2, 0.0]
    assert final[24, 1.0] <= final[2, 1.0] * 1.05


def test_compare_starts_equal_and_uses_same_data(spirals):
    X, y = spirals
    results = sv.compare(X, y, depth=4, skips=(0.0, 1.0), steps=5)
    assert [r.alpha for r in results] == [0.0, 1.0]
    # step 0 runs before any update, so a net of the same start differs only through the skip
    torch.manual_seed(0)
    twin = sv.train(sv.make_mlp(4, skip=False), X, y, steps=5)
    np.testing.assert_allclose(results[0].losses, twin.losses, rtol=1e-6)
