import pytest
import torch

import skipviz as sv

# the entry point sets the thread count (importing skipviz does not): tiny models run fastest,
# and bit for bit the same, on one thread
torch.set_num_threads(1)


@pytest.fixture(scope="session")
def spirals():
    return sv.make_dataset("spirals", n=256, seed=0)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
