import pytest
import torch

import skipviz as sv


@pytest.mark.parametrize("name", sv.DATASETS)
def test_dataset_shapes_balance_and_scale(name):
    X, y = sv.make_dataset(name, n=200, seed=3)
    assert X.shape == (200, 2) and X.dtype == torch.float32
    assert y.shape == (200,) and set(y.tolist()) == {0, 1}
    assert abs(int(y.sum()) - 100) <= 1
    assert torch.allclose(X.mean(0), torch.zeros(2), atol=1e-5)


def test_dataset_is_reproducible_and_seed_dependent():
    a, _ = sv.make_dataset("moons", seed=1)
    b, _ = sv.make_dataset("moons", seed=1)
    c, _ = sv.make_dataset("moons", seed=2)
    assert torch.equal(a, b) and not torch.equal(a, c)
