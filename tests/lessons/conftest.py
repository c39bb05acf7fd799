import matplotlib
import matplotlib.pyplot as plt
import pytest


@pytest.fixture
def widget_canvas():
    # a lesson that puts its canvas in a widget box needs ipympl's canvas: switch to it, then back
    before = matplotlib.get_backend()
    plt.switch_backend("module://ipympl.backend_nbagg")
    yield
    plt.close("all")
    plt.switch_backend(before)
