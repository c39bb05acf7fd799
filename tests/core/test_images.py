import math

import numpy as np
import pytest
import torch

from skipviz.core.images import add_noise, make_shapes, psnr


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
