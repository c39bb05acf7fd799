"""lesson 01's figure of what a stack leaves, and its two predictions, on real numbers."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import skipviz as sv  # noqa: E402
from skipviz.lessons.residual_block import (  # noqa: E402
    ONE_BLOCK,
    TEN_BLOCKS,
    InformationView,
    one_block_prediction,
    ten_blocks_prediction,
)
from skipviz.measure.identity import information_by_depth  # noqa: E402

# the lesson's own cloud: 300 points of a noiseless spiral
cloud = pytest.fixture(scope="module")(lambda: sv.make_dataset("spirals", n=300, noise=0.0)[0])


def test_information_view_draws_the_numbers_and_names_an_exact_zero(cloud):
    fig = plt.figure()
    view = InformationView(fig.subplots(1, 3))
    info = information_by_depth(cloud, depth=12, scale=0.02)
    view.update(info, shown=10, scale=0.02)
    np.testing.assert_allclose(view.lines["refit_error"]["residual"].get_ydata(),
                               info["residual"]["refit_error"])
    np.testing.assert_array_equal(view.lines["distinct"]["plain"].get_ydata(),
                                  info["plain"]["distinct"])
    first_zero = int(info["blocks"][np.flatnonzero(info["plain"]["spread"] == 0)[0]])
    assert np.isnan(view.lines["spread"]["plain"].get_ydata()[first_zero - 1])  # a gap ...
    assert f"from block {first_zero} on" in view.zero_note.get_text()  # ... said in words
    assert list(view.cursor[0].get_xdata()) == [10, 10]
    view.update(information_by_depth(cloud, depth=5, scale=1.0), shown=2, scale=1.0)
    assert view.zero_note.get_text() == ""  # nothing is exactly 0 any more
    fig.canvas.draw()
    plt.close(fig)


@pytest.mark.parametrize("choice", ONE_BLOCK)
def test_one_block_prediction_comes_out_from_its_own_numbers(cloud, choice):
    moved = []
    p = one_block_prediction(cloud, on_run=lambda: moved.append(True))
    assert p.choose(choice) == ONE_BLOCK[1]  # shrunk but recoverable, measured
    info = information_by_depth(cloud, 1, 0.02)["plain"]
    assert f"{info['refit_error'][0]:.1e}" in p.result.value
    assert moved == [True]
    assert ("you were right" in p.result.value) == (choice == ONE_BLOCK[1])


def test_one_block_prediction_is_not_a_fixed_answer(cloud):
    # with F off (s = 0) the plain block outputs a constant: the outcome follows the numbers
    p = one_block_prediction(cloud, scale=0.0)
    assert p.choose(ONE_BLOCK[2]) == ONE_BLOCK[0]
    assert "misses by 1.00" in p.result.value


@pytest.mark.parametrize("choice", TEN_BLOCKS)
def test_ten_blocks_prediction(cloud, choice):
    p = ten_blocks_prediction(cloud)
    assert p.choose(choice) == TEN_BLOCKS[2]
    assert "distinct output" in p.result.value and "residual stack keeps all 300" in p.result.value
    assert ten_blocks_prediction(cloud, depth=2).choose(choice) == TEN_BLOCKS[0]
