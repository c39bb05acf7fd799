import math

import numpy as np
import pytest

import skipviz as sv
from skipviz.measure.summary import describe_run, gradient_ratio, regime


def fake(grad_rows, alpha=0.0, diverged=False):
    g = np.array(grad_rows, dtype=float)
    return sv.TrainResult(losses=np.full(len(g), 0.5), grad_norms=g, weight_grad_norms=g,
                          diverged=diverged, diverged_at=len(g) - 1 if diverged else None,
                          accuracy=0.75, config={"alpha": alpha})


def test_gradient_ratio_and_regime():
    assert gradient_ratio(fake([[1e-6, 1e-2, 1.0]])) == pytest.approx(1e-6)
    assert regime(1e-6) == "vanishing" and regime(1e6) == "exploding" and regime(0.5) == "preserved"
    assert regime(math.nan) == "overflowed" and regime(10**400) == "overflowed"
    assert gradient_ratio(fake([[0.0, 1.0]])) == 0.0
    assert math.isnan(gradient_ratio(fake([[math.inf, 1.0]])))
    assert gradient_ratio(fake([[1.0, 1.0], [8.0, 2.0]]), step=1) == 4.0


def test_describe_run_says_what_the_numbers_say(spirals):
    X, y = spirals
    plain, res = sv.compare(X, y, depth=30, steps=3)
    assert "vanishing" in describe_run(plain) and "plain" in describe_run(plain)
    assert "preserved" in describe_run(res) and "residual" in describe_run(res)
    text = describe_run(fake([[math.inf, 1.0]], diverged=True))
    assert "diverged at step 0" in text


@pytest.mark.parametrize("call, name", [
    (lambda: gradient_ratio("run"), "result"),
    (lambda: gradient_ratio(fake([[1.0, 1.0]]), step=1), "step"),
    (lambda: gradient_ratio(fake([[1.0, 1.0]]), step=-1), "step"),
    (lambda: gradient_ratio(fake([[1.0, 1.0]]), step=0.0), "step"),
    (lambda: regime("big"), "ratio"),
])
def test_summary_refuses(call, name):
    with pytest.raises(ValueError, match=name):
        call()
