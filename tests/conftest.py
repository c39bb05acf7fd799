import pytest
import torch

import skipviz as sv


@pytest.fixture(scope="session")
def spirals():
    return sv.make_dataset("spirals", n=256, seed=0)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
