"""the lesson helpers (lessons 01-04) under wild arguments: a result or a ValueError naming it.

a fixed list of wild values (no random draws), tried one parameter at a time against a valid
base call, the way tests/test_fuzz.py treats the core api.
"""

import math
import re

import numpy as np
import pytest
import torch

import skipviz as sv
from skipviz.core.scales import init_scale_for_gain
from skipviz.measure.degradation import check_depths, depth_sweep, parse_depths
from skipviz.measure.identity import block_pair, identity_distance, scale_branch, through
from skipviz.measure.jacobians import chain_singular_values, mlp_chain_singular_values
from skipviz.measure.smoothness import (
    gradient_along_line,
    gradient_jitter,
    input_gradients,
    input_line,
    mean_wiggle,
    neighbour_correlation,
    total_grad_norm,
    wiggle,
)
from skipviz.measure.summary import gradient_ratio, regime

WILD = [
    None, True, -1, 0, 2**63, 10**400, math.nan, math.inf, -0.0, 1e308, "abc", "", [], [1.0],
    (0.0, 1.0), {}, object(), np.array([1.0, 2.0]), torch.tensor(1.0), torch.tensor([math.nan]),
    1j, b"x", np.float32(0.25), torch.zeros(3, 2), torch.zeros(0, 2), [[0.0, 1.0], [1.0]],
    torch.zeros(4, 2, dtype=torch.int64), torch.full((3, 2), math.inf), np.zeros((5, 2)),
]
X, Y = sv.make_dataset("moons", n=8, seed=0)


def bases():
    res = block_pair(width=2)[1]
    net = sv.make_mlp(2, width=3)
    run = sv.compare(X, Y, depth=2, width=3, steps=2)[0]
    return {
        "block_pair": (block_pair, dict(depth=1, width=2, activation="tanh", seed=0)),
        "scale_branch": (scale_branch, dict(blocks=res, scale=1.0)),
        "identity_distance": (identity_distance, dict(blocks=res, X=X)),
        "through": (through, dict(blocks=res, X=X)),
        "total_grad_norm": (total_grad_norm, dict(weight_grad_norms=np.ones((3, 2)))),
        "gradient_jitter": (gradient_jitter, dict(norms=[1.0, 2.0, 3.0])),
        "wiggle": (wiggle, dict(losses=[1.0, 2.0, 3.0])),
        "input_gradients": (input_gradients, dict(net=net, points=X)),
        "neighbour_correlation": (neighbour_correlation, dict(grads=np.ones((4, 2)), lag=1)),
        "input_line": (input_line, dict(start=(0.0, 0.0), end=(1.0, 1.0), n=4)),
        "mean_wiggle": (mean_wiggle, dict(net=net, X=X, y=Y, seeds=(0,), span=1.0, points=5)),
        "gradient_along_line": (gradient_along_line, dict(depth=2, activation="relu", gain=1.0,
                                                          width=3, seed=0, n=8)),
        "parse_depths": (parse_depths, dict(depths="2, 3")),
        "check_depths": (check_depths, dict(depths=(2, 3))),
        "depth_sweep": (depth_sweep, dict(X=X, y=Y, depths=(1,), seeds=(0,), tail=1, steps=2,
                                          width=3)),
        "chain_singular_values": (chain_singular_values, dict(net=net, x=torch.zeros(3))),
        "mlp_chain_singular_values": (mlp_chain_singular_values,
                                      dict(depth=2, width=3, gain=0.5, activation="tanh", seed=0,
                                           x=None)),
        "init_scale_for_gain": (init_scale_for_gain, dict(gain=1.0)),
        "gradient_ratio": (gradient_ratio, dict(result=run, step=0)),
        "regime": (regime, dict(ratio=1.0)),
    }


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", sorted(bases()))
def test_wild_arguments_give_a_result_or_a_named_value_error(name):
    fn, base = bases()[name]
    fn(**base)  # the base call itself is valid
    for param in base:
        for wild in WILD:
            try:
                fn(**dict(base, **{param: wild}))
            except ValueError as err:
                assert re.search(rf"\b{param}\b", str(err)), f"{name}({param}={wild!r}): {err}"
