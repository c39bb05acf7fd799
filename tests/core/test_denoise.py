import math

import numpy as np
import pytest
import torch

from skipviz.core.denoise import Denoiser, train_denoisers
from skipviz.core.images import add_noise, make_shapes, psnr
from skipviz.core.unet import make_unet

CLEAN = make_shapes(64, size=8, seed=0)


def test_run_continues_where_it_stopped():
    torch.manual_seed(0)
    d = Denoiser(make_unet(width=4), CLEAN, batch_size=8)
    assert d.run(5).shape == (5,)
    assert d.run(7).shape == (12,) and d.steps_run == 12


def test_split_runs_equal_one_run():
    out = []
    for chunks in ((10,), (4, 6)):
        torch.manual_seed(1)
        d = Denoiser(make_unet(width=4), CLEAN, batch_size=8, seed=3)
        for c in chunks:
            d.run(c)
        out.append(np.array(d.losses))
    np.testing.assert_array_equal(out[0], out[1])


def test_denoising_improves_on_the_noisy_input():
    clean = make_shapes(256, size=8, seed=0)
    test = make_shapes(32, size=8, seed=1)
    noisy = add_noise(test, 0.3, seed=1)
    torch.manual_seed(0)
    d = Denoiser(make_unet(width=4), clean, noise=0.3, batch_size=16)
    d.run(150)
    assert d.losses[-1] < d.losses[0]
    out = d.denoise(noisy)
    assert out.shape == noisy.shape
    assert psnr(out, test) > psnr(noisy, test) + 1.0


def test_pair_starts_from_the_same_weights():
    d = train_denoisers(CLEAN, skips=(True, False), width=4, steps=1, batch_size=4)
    assert set(d) == {True, False}
    assert d[True].net.skips and not d[False].net.skips
    # identical start and batches: the first loss differs only through the skips
    torch.manual_seed(0)
    twin = Denoiser(make_unet(width=4, skips=False), CLEAN, batch_size=4)
    twin.run(1)
    assert twin.losses[0] == pytest.approx(d[False].losses[0], rel=1e-6)


def test_huge_learning_rate_is_reported_not_raised():
    torch.manual_seed(0)
    d = Denoiser(make_unet(width=4), CLEAN, lr=1e8, batch_size=8)
    losses = d.run(50)
    assert d.diverged and len(losses) < 50 and np.isfinite(losses).all()
    assert len(d.run(5)) == len(losses)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: Denoiser("net", CLEAN), "net"),
        (lambda: Denoiser(make_unet(), CLEAN[:, :, :6, :6]), "clean"),
        (lambda: Denoiser(make_unet(), CLEAN[:, 0]), "clean"),
        (lambda: Denoiser(make_unet(), CLEAN, noise=-1), "noise"),
        (lambda: Denoiser(make_unet(), CLEAN, lr=0), "lr"),
        (lambda: Denoiser(make_unet(), CLEAN, lr=math.inf), "lr"),
        (lambda: Denoiser(make_unet(), CLEAN, batch_size=0), "batch_size"),
        (lambda: Denoiser(make_unet(), CLEAN).run(0), "steps"),
        (lambda: Denoiser(make_unet(), CLEAN).denoise(CLEAN[0]), "noisy"),
        (lambda: train_denoisers(CLEAN, skips=()), "skips"),
        (lambda: train_denoisers(CLEAN, skips=(1, 0)), "skips"),
        (lambda: train_denoisers(CLEAN, steps=0), "steps"),
    ],
)
def test_denoise_refuses(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_progress_counts_every_step_of_every_net():
    seen = []
    d = train_denoisers(CLEAN, skips=(True, False), width=4, steps=3, batch_size=4,
                        progress=seen.append)
    assert seen == [1, 2, 3, 4, 5, 6] and all(r.steps_run == 3 for r in d.values())
    torch.manual_seed(0)
    one = Denoiser(make_unet(width=4), CLEAN, batch_size=4)
    calls = []
    one.run(4, progress=calls.append)
    assert calls == [1, 2, 3, 4]


def test_progress_stops_with_a_diverged_net():
    torch.manual_seed(0)
    d = Denoiser(make_unet(width=4), CLEAN, lr=1e8, batch_size=8)
    calls = []
    losses = d.run(50, progress=calls.append)
    assert d.diverged and calls == list(range(1, len(losses) + 1))


@pytest.mark.parametrize("call", [
    lambda: Denoiser(make_unet(width=4), CLEAN).run(2, progress="bar"),
    lambda: train_denoisers(CLEAN, width=4, steps=1, progress=3),
])
def test_progress_must_be_callable(call):
    with pytest.raises(ValueError, match="progress"):
        call()
