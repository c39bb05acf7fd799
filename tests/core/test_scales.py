"""the named init references against what pytorch and make_mlp actually draw."""

import math

import pytest
import torch

import skipviz as sv
from skipviz.core.scales import (
    CRITICAL,
    INIT_REFERENCES,
    describe_init_scale,
    gain_for_init_scale,
    init_scale_for_gain,
    init_scale_for_std,
    relative_to,
    weight_std,
)


@pytest.mark.parametrize("width", [16, 32, 256])
def test_init_scale_1_is_pytorch_s_default_and_critical_is_std_1_over_sqrt_n(width):
    torch.manual_seed(0)
    drawn = torch.cat([torch.nn.Linear(width, width).weight.flatten() for _ in range(20)])
    assert drawn.std().item() == pytest.approx(weight_std(1.0, width), rel=0.02)
    # make_mlp scales exactly the blocks' weights by init_scale
    torch.manual_seed(1)
    net = sv.make_mlp(20, width, True, "tanh", CRITICAL)
    blocks = torch.cat([b.fc.weight.flatten() for b in net.blocks])
    assert blocks.std().item() == pytest.approx(1 / math.sqrt(width), rel=0.02)
    assert init_scale_for_std(1 / math.sqrt(width), width) == pytest.approx(CRITICAL)


def test_references_and_conversions():
    assert INIT_REFERENCES["pytorch default"] == 1.0
    assert CRITICAL == pytest.approx(math.sqrt(3))
    assert INIT_REFERENCES["Kaiming (He) for relu"] == pytest.approx(
        init_scale_for_std(math.sqrt(2 / 32), 32))
    assert relative_to(CRITICAL, "critical (Xavier)") == pytest.approx(1.0)
    assert gain_for_init_scale(init_scale_for_gain(0.7)) == pytest.approx(0.7)
    assert "pytorch default" in describe_init_scale(1.0)
    assert "critical" in describe_init_scale(CRITICAL)
    assert "3.46 × critical" in describe_init_scale(6)


@pytest.mark.parametrize("call, name", [
    (lambda: relative_to(1.0, "xavier"), "reference"),
    (lambda: relative_to(-1.0, "pytorch default"), "init_scale"),
    (lambda: weight_std(1.0, 0), "width"),
    (lambda: init_scale_for_std(0.0, 32), "std"),
    (lambda: describe_init_scale(math.nan), "init_scale"),
    (lambda: gain_for_init_scale("big"), "init_scale"),
])
def test_scales_refuse_by_name(call, name):
    with pytest.raises(ValueError, match=name):
        call()
