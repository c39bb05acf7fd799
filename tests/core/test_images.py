import math

import numpy as np
import pytest
import torch

from skipviz.core.images import add_noise, make_shapes, mean_filter, psnr


def test_shapes_are_small_grey_images_in_unit_range():
    x = make_shapes(50, size=16, seed=0)
    assert x.shape == (50, 1, 16, 16) and x.dtype == torch.float32
    assert x.min() >= 0 and x.max() <= 1
    # every image holds at least one shape on a black background
    lit = (x > 0).flatten(1).float().mean(1)
    assert (lit > 0).all() and (lit < 1).all()


def test_shapes_are_reproducible_and_seeded():
    assert torch.equal(make_shapes(8, 12, seed=3), make_shapes(8, 12, seed=3))
    assert not torch.equal(make_shapes(8, 12, seed=3), make_shapes(8, 12, seed=4))


def test_one_pixel_lines_appear():
    # a full row or column of one brightness, one pixel thick, is a drawn line
    x = make_shapes(200, size=16, seed=1)[:, 0]
    rows = ((x[:, :, :1] == x) & (x > 0)).all(2).any(1)
    cols = ((x[:, :1, :] == x) & (x > 0)).all(1).any(1)
    assert (rows | cols).float().mean() > 0.3


def test_noise_is_seeded_gaussian_of_the_asked_size():
    clean = make_shapes(64, 16, seed=0)
    a, b = add_noise(clean, 0.3, seed=5), add_noise(clean, 0.3, seed=5)
    assert torch.equal(a, b)
    assert (a - clean).std().item() == pytest.approx(0.3, rel=0.05)
    assert torch.equal(add_noise(clean, 0.0), clean)


def test_psnr_matches_its_formula():
    clean = make_shapes(4, 8, seed=0)
    noisy = add_noise(clean, 0.1, seed=1)
    mse = np.mean((np.clip(noisy.numpy(), 0, 1) - clean.numpy()) ** 2)
    assert psnr(noisy, clean) == pytest.approx(10 * math.log10(1 / mse), rel=1e-5)
    assert psnr(clean, clean) == math.inf
    # halving the error amplitude gains 20 log10(2) = 6.02 dB
    half = clean + 0.5 * (noisy.clamp(0, 1) - clean)
    assert psnr(half, clean) - psnr(noisy, clean) == pytest.approx(6.0206, abs=1e-3)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: make_shapes(0), "n"),
        (lambda: make_shapes(4, size=4), "size"),
        (lambda: make_shapes(4, size=16.0), "size"),
        (lambda: make_shapes(4, seed=-1), "seed"),
        (lambda: add_noise(torch.zeros(2, 16, 16), 0.1), "clean"),
        (lambda: add_noise(torch.zeros(2, 1, 8, 8), -0.1), "noise"),
        (lambda: add_noise(torch.zeros(2, 1, 8, 8), math.nan), "noise"),
        (lambda: add_noise("images", 0.1), "clean"),
        (lambda: psnr(torch.zeros(2, 1, 8, 8), torch.zeros(2, 1, 4, 4)), "pred"),
        (lambda: psnr(torch.full((1, 1, 4, 4), math.nan), torch.zeros(1, 1, 4, 4)), "pred"),
        (lambda: psnr(torch.zeros(1, 1, 4, 4), None), "target"),
    ],
)
def test_images_refuse(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def _mean_filter_by_hand(images: np.ndarray, size: int) -> np.ndarray:
    """every pixel the mean of the window's pixels that lie inside the image, with loops."""
    n, _, h, w = images.shape
    r = size // 2
    out = np.zeros_like(images)
    for i in range(h):
        for j in range(w):
            window = images[:, 0, max(0, i - r):i + r + 1, max(0, j - r):j + r + 1]
            out[:, 0, i, j] = window.reshape(n, -1).mean(1)
    return out


@pytest.mark.parametrize("size", [1, 3, 5])
def test_mean_filter_matches_a_loop(size):
    noisy = add_noise(make_shapes(3, size=8, seed=2), 0.3, seed=2)
    np.testing.assert_allclose(mean_filter(noisy, size).numpy(),
                               _mean_filter_by_hand(noisy.numpy(), size), rtol=1e-5, atol=1e-6)


def test_mean_filter_smooths_noise_but_blurs_lines():
    clean = make_shapes(64, size=16, seed=1)
    noisy = add_noise(clean, 0.3, seed=1)
    assert psnr(mean_filter(noisy), clean) > psnr(noisy, clean) + 0.5
    # a clean image loses detail: the one-pixel lines and edges get smeared
    assert psnr(mean_filter(clean), clean) < 25


@pytest.mark.parametrize("kwargs, name", [({"size": 2}, "size"), ({"size": 0}, "size"),
                                          ({"size": 17}, "size")])
def test_mean_filter_refuses(kwargs, name):
    with pytest.raises(ValueError, match=name):
        mean_filter(make_shapes(2, size=8), **kwargs)
