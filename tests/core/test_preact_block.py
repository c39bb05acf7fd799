import pytest
import torch
from torch.autograd.functional import jacobian

from skipviz.core import PreActResidualBlock


@pytest.mark.parametrize("norm", ["layer", "none"])
def test_preact_block_is_identity_plus_weight_after_norm_and_act(norm):
    torch.manual_seed(0)
    block = PreActResidualBlock(6, activation="relu", norm=norm).double()
    x = torch.randn(5, 6, dtype=torch.float64)
    # the same block by hand: normalise each input, activate, then the weight, then + x
    h = torch.nn.functional.layer_norm(x, (6,), block.norm.weight, block.norm.bias) \
        if norm == "layer" else x
    expected = torch.relu(h) @ block.fc.weight.T + block.fc.bias + x
    torch.testing.assert_close(block(x), expected)
    assert block.alpha == 1.0


def test_preact_jacobian_is_branch_jacobian_plus_identity():
    torch.manual_seed(1)
    block = PreActResidualBlock(4, activation="tanh").double()
    x = torch.randn(4, dtype=torch.float64)

    def branch(t):
        return block.fc(block.act(block.norm(t)))

    torch.testing.assert_close(jacobian(block, x),
                               jacobian(branch, x) + torch.eye(4, dtype=torch.float64))


@pytest.mark.parametrize("kwargs, name", [({"width": 0}, "width"), ({"norm": "batch"}, "norm"),
                                          ({"activation": "swish"}, "activation")])
def test_preact_block_refuses(kwargs, name):
    args = {"width": 4, **kwargs}
    with pytest.raises(ValueError, match=name):
        PreActResidualBlock(**args)
