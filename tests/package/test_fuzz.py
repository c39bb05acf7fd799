"""fuzz every public function: bad values give a ValueError naming the parameter, nothing else.

each test draws keyword arguments where every parameter is either a small valid value or a
wild one (huge, negative, nan, inf, bool, string, None, odd objects). the call must either
return or raise a ValueError whose message names one of the parameters that were made wild.
wild ints are picked so that any which happen to be valid are small: no draw can ask for a
500-block net of width 4096 and turn the fuzzer into a memory test.
"""

import math
import os
import re
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import skipviz as sv

# ci replays the same examples every run; SKIPVIZ_FUZZ=explore draws fresh ones, and more
EXPLORE = os.environ.get("SKIPVIZ_FUZZ") == "explore"
FUZZ = settings(
    max_examples=300 if EXPLORE else 40,
    deadline=None,
    database=None,
    derandomize=not EXPLORE,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

X, Y = sv.make_dataset("moons", n=8, seed=0)
NAN, INF = math.nan, math.inf

# every wild int above 5 is out of range for every size parameter (2**31 > any max size)
WILD_INTS = st.one_of(
    st.integers(-5, 5),
    st.sampled_from([-(10**400), -(2**63), -(2**31), 2**31, 2**63, 10**400]),
    st.just(np.int64(3)),
    st.just(np.int64(-7)),
)
WILD_FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([NAN, INF, -INF, 0.0, -0.0, 5e-324, 1e-8, 0.5, 1.0, 1e3, 1e308, -1e308]),
    st.just(np.float64(NAN)),
    st.just(np.float32(0.25)),
    st.just(Fraction(1, 3)),
)
WILD_OTHER = st.sampled_from([
    None, True, False, "", "abc", "nan", "1", "tanh", "spirals", "adam", 1j, b"x",
    [], [1.0], (0.0, 1.0), {}, object(), np.array([1.0, 2.0]), torch.tensor(1.0),
    torch.tensor([NAN]),
])
WILD = st.one_of(WILD_INTS, WILD_FLOATS, WILD_OTHER, st.text(max_size=6))

# array-like wild values for X, y and x: wrong shapes, nan, inf, wrong labels, ragged lists
WILD_X = st.one_of(WILD, st.sampled_from([
    torch.zeros(8, 3), torch.zeros(8), torch.zeros(0, 2), torch.zeros(8, 2, 1),
    torch.full((8, 2), NAN), torch.full((8, 2), INF), np.zeros((8, 2)), [[0.0, 1.0]] * 8,
    [[0.0, 1.0], [1.0]], torch.zeros(8, 2, dtype=torch.complex64),
    torch.zeros(8, 2, dtype=torch.int64),
]))
WILD_Y = st.one_of(WILD, st.sampled_from([
    torch.zeros(8), torch.full((8,), 0.5), torch.full((8,), NAN), Y + 5, Y - 1, Y[:7],
    torch.zeros(8, 1, dtype=torch.int64), torch.ones(8, dtype=torch.bool), Y.numpy(), Y.tolist(),
    torch.zeros(8, dtype=torch.complex64), torch.full((8,), 2**40),
]))
WILD_VECTOR = st.one_of(WILD, st.sampled_from([
    torch.zeros(3), torch.zeros(2), torch.zeros(3, 3), torch.zeros(3, dtype=torch.float64),
    [1, 2, 3], [1.0, NAN, INF], np.ones(3), torch.zeros(0),
]))
WILD_MODULE = st.one_of(WILD, st.sampled_from([
    torch.nn.Linear(3, 3), torch.nn.Tanh(), torch.nn.ModuleList(), sv.PlainBlock(3),
]))
WILD_CALLBACK = st.one_of(WILD, st.sampled_from([
    lambda results: None, lambda results: False, lambda results: True, lambda results: "x",
]))
WILD_SKIPS = st.one_of(WILD, st.sampled_from([
    (), [0.0], (0.0, 1.0), (True, False), (0.5,), [NAN], [2.0], [-0.1], np.array([0.0, 1.0]),
    ["plain"], [None], range(2),
]))
# an error about one skip value names `skip`: that names the `skips` parameter too
ALIASES = {"skips": ("skips", "skip")}


@st.composite
def fuzzed(draw, base: dict, wild: dict):
    """the base keyword arguments with up to two of them made wild (strategies by name).

    one wild value at a time says exactly which parameter the error must name; two check
    that either may be named; none checks that the valid base call goes through.
    """
    chosen = draw(st.sets(st.sampled_from(list(base)), max_size=2))
    return {name: draw(wild.get(name, WILD)) if name in chosen else value
            for name, value in base.items()}


def result_or_named_error(fn, kwargs: dict, base: dict):
    """call fn(**kwargs): a result, or a ValueError that names a parameter that went wild."""
    wild = [name for name in kwargs if kwargs[name] is not base[name]]
    try:
        return fn(**kwargs)
    except ValueError as err:
        named = [n for n in wild for alias in ALIASES.get(n, (n,))
                 if re.search(rf"\b{re.escape(alias)}\b", str(err))]
        assert named, f"ValueError names none of the wild parameters {wild}: {err}"
        return None


def small_net():
    return sv.make_mlp(2, width=3)


# stands for "a fresh small net/block here": training and jacobians must not share one
FRESH = "<fresh>"


def fresh(kwargs: dict, base: dict, name: str, make):
    """swap the FRESH placeholder for a new object, in the draw and in the base alike."""
    obj = make()
    base = dict(base, **{name: obj})
    if kwargs[name] is FRESH:
        kwargs = dict(kwargs, **{name: obj})
    return kwargs, base


# -- factories and data ------------------------------------------------------------------

MLP_BASE = dict(depth=2, width=3, skip=1.0, activation="tanh", init_scale=1.0,
                in_features=2, out_features=2)


@pytest.mark.timeout(120)
@FUZZ
@given(kwargs=fuzzed(MLP_BASE, {}))
def test_make_mlp(kwargs):
    net = result_or_named_error(sv.make_mlp, kwargs, MLP_BASE)
    if net is not None:
        assert len(net.blocks) == kwargs["depth"]
        assert net(torch.zeros(1, kwargs["in_features"])).shape == (1, kwargs["out_features"])


DATA_BASE = dict(name="moons", n=8, noise=0.1, seed=0)


@pytest.mark.timeout(120)
@FUZZ
@given(kwargs=fuzzed(DATA_BASE, {}))
def test_make_dataset(kwargs):
    out = result_or_named_error(sv.make_dataset, kwargs, DATA_BASE)
    if out is not None:
        Xd, yd = out
        assert Xd.shape == (kwargs["n"], 2) and yd.shape == (kwargs["n"],)
        assert torch.isfinite(Xd).all()
        assert set(yd.tolist()) <= {0, 1}


BLOCK_BASE = dict(width=3, activation="tanh")
RES_BASE = dict(width=3, activation="tanh", alpha=1.0)


@pytest.mark.timeout(120)
@FUZZ
@given(plain=fuzzed(BLOCK_BASE, {}), res=fuzzed(RES_BASE, {}))
def test_blocks(plain, res):
    cases = ((sv.PlainBlock, plain, BLOCK_BASE), (sv.ResidualBlock, res, RES_BASE))
    for cls, kwargs, base in cases:
        block = result_or_named_error(cls, kwargs, base)
        if block is not None:
            out = block(torch.zeros(2, kwargs["width"]))
            assert out.shape == (2, kwargs["width"])


# -- training ----------------------------------------------------------------------------

TRAIN_BASE = dict(net=FRESH, X=X, y=Y, steps=2, lr=1e-2, seed=0, callback=None,
                  callback_every=1, optimizer="adam")


def check_result(r, depth: int, steps: int):
    """the contract of a finished (or diverged, or cancelled) run."""
    assert 1 <= r.steps_run <= steps
    assert r.grad_norms.shape == r.weight_grad_norms.shape == (r.steps_run, depth)
    end = r.diverged_at if r.diverged else r.steps_run
    assert np.isfinite(r.losses[:end]).all()
    assert np.isfinite(r.grad_norms[:end]).all() and np.isfinite(r.weight_grad_norms[:end]).all()
    if r.diverged:
        assert r.steps_run == r.diverged_at + 1
    elif not r.cancelled:
        assert r.steps_run == steps and 0.0 <= r.accuracy <= 1.0


@pytest.mark.timeout(120)
@FUZZ
@given(kwargs=fuzzed(TRAIN_BASE, dict(net=WILD_MODULE, X=WILD_X, y=WILD_Y,
                                      callback=WILD_CALLBACK)))
def test_train(kwargs):
    kwargs, base = fresh(kwargs, TRAIN_BASE, "net", small_net)
    r = result_or_named_error(sv.train, kwargs, base)
    if r is not None:
        check_result(r, len(kwargs["net"].blocks), kwargs["steps"])


COMPARE_BASE = dict(depth=2, skips=(0.0, 1.0), width=3, activation="tanh", init_scale=1.0,
                    steps=2, lr=1e-2, seed=0, optimizer="adam", callback=None, callback_every=1)


@pytest.mark.timeout(120)
@FUZZ
@given(kwargs=fuzzed(COMPARE_BASE, dict(skips=st.just((0.0, 1.0)), callback=st.just(None))))
def test_compare_numbers_and_names(kwargs):
    results = result_or_named_error(lambda **kw: sv.compare(X, Y, **kw), kwargs, COMPARE_BASE)
    if results is not None:
        assert [r.alpha for r in results] == [0.0, 1.0]
        for r in results:
            check_result(r, kwargs["depth"], kwargs["steps"])


COMPARE_DATA_BASE = dict(X=X, y=Y, skips=(0.0, 1.0), callback=None)


@pytest.mark.timeout(120)
@FUZZ
@given(kwargs=fuzzed(COMPARE_DATA_BASE, dict(X=WILD_X, y=WILD_Y, skips=WILD_SKIPS,
                                             callback=WILD_CALLBACK)))
# found by the explorer: a 0-d tensor or array counts as Iterable, then refuses to iterate
@example(kwargs=dict(COMPARE_DATA_BASE, skips=torch.tensor(1.0)))
@example(kwargs=dict(COMPARE_DATA_BASE, skips=np.array(0.5)))
def test_compare_data_skips_and_callback(kwargs):
    results = result_or_named_error(
        lambda **kw: sv.compare(**kw, depth=2, width=3, steps=2, callback_every=1),
        kwargs, COMPARE_DATA_BASE)
    if results is not None:
        assert 1 <= len(results)
        for r in results:
            check_result(r, 2, 2)


# -- theory ------------------------------------------------------------------------------

CHAIN_BASE = dict(gain=0.5, depth=3)
RANDOM_CHAIN_BASE = dict(depth=3, width=3, gain=0.5, seed=0)


@pytest.mark.timeout(120)
@FUZZ
@given(chain=fuzzed(CHAIN_BASE, {}), rand=fuzzed(RANDOM_CHAIN_BASE, {}))
def test_chains(chain, rand):
    out = result_or_named_error(sv.scalar_chain, chain, CHAIN_BASE)
    if out is not None:
        assert out["plain"].shape == out["residual"].shape == (chain["depth"] + 1,)
    out = result_or_named_error(sv.random_chain_singular_values, rand, RANDOM_CHAIN_BASE)
    if out is not None:
        assert out["plain"].shape == out["residual"].shape == (rand["depth"] + 1, rand["width"])


JACOBIAN_BASE = dict(block=FRESH, x=torch.zeros(3))


@pytest.mark.timeout(120)
@FUZZ
@given(kwargs=fuzzed(JACOBIAN_BASE, dict(block=WILD_MODULE, x=WILD_VECTOR)))
def test_block_jacobians(kwargs):
    kwargs, base = fresh(kwargs, JACOBIAN_BASE, "block", lambda: sv.ResidualBlock(3, alpha=0.5))
    j = result_or_named_error(sv.block_jacobian, kwargs, base)
    if j is not None:
        assert j.ndim == 2
    gap = result_or_named_error(sv.identity_gap, kwargs, base)
    if gap is not None:
        assert gap < 1e-5 or not math.isfinite(gap)
    twin = result_or_named_error(sv.plain_twin, dict(block=kwargs["block"]),
                                 dict(block=base["block"]))
    if twin is not None:
        assert twin.fc is kwargs["block"].fc


NET_X_BASE = dict(net=FRESH, x=torch.zeros(3))


@pytest.mark.timeout(120)
@FUZZ
@given(kwargs=fuzzed(NET_X_BASE, dict(net=WILD_MODULE, x=WILD_VECTOR)))
def test_net_jacobians(kwargs):
    kwargs, base = fresh(kwargs, NET_X_BASE, "net", small_net)
    j = result_or_named_error(sv.end_to_end_jacobian, kwargs, base)
    if j is not None:
        assert j.shape == (3, 3)
    s = result_or_named_error(sv.jacobian_singular_values, kwargs, base)
    if s is not None:
        assert s.shape == (3,)


LANDSCAPE_BASE = dict(net=FRESH, X=X, y=Y, dims=1, span=1.0, points=3, seed=0)


@pytest.mark.timeout(120)
@FUZZ
@given(kwargs=fuzzed(LANDSCAPE_BASE, dict(net=WILD_MODULE, X=WILD_X, y=WILD_Y)))
def test_loss_landscape(kwargs):
    kwargs, base = fresh(kwargs, LANDSCAPE_BASE, "net", small_net)
    out = result_or_named_error(lambda net, X, y, **kw: sv.loss_landscape(net, X, y, **kw),
                                kwargs, base)
    if out is not None:
        coords, losses = out
        assert len(coords) == kwargs["points"]
        assert losses.shape == (kwargs["points"],) * kwargs["dims"]


# -- gradient capture and colours --------------------------------------------------------

@pytest.mark.timeout(120)
@FUZZ
@given(net=WILD_MODULE, blocks=st.one_of(st.none(), WILD))
def test_gradient_recorder(net, blocks):
    base = dict(net=object(), blocks=object())
    rec = result_or_named_error(sv.GradientRecorder, dict(net=net, blocks=blocks), base)
    if rec is not None:
        with rec:
            pass
        assert rec.grad_norms.shape == (0, len(rec.blocks))


@pytest.mark.timeout(120)
@FUZZ
@given(alpha=st.one_of(st.floats(0.0, 1.0), WILD))
def test_variant_colour_and_label(alpha):
    colour = result_or_named_error(sv.variant_color, dict(alpha=alpha), dict(alpha=object()))
    if colour is not None:
        assert re.fullmatch(r"#[0-9A-F]{6}", colour)
    label = result_or_named_error(sv.variant_label, dict(alpha=alpha), dict(alpha=object()))
    if label is not None:
        assert isinstance(label, str) and label


# -- images, the u-net, the denoiser ------------------------------------------------------

IMAGES = sv.make_shapes(4, size=8, seed=0)
WILD_IMAGES = st.one_of(WILD, st.sampled_from([
    torch.zeros(2, 1, 8, 8), torch.zeros(2, 8, 8), torch.zeros(2, 3, 8, 8), torch.zeros(0, 1, 8, 8),
    torch.zeros(2, 1, 6, 6), torch.zeros(2, 1, 1, 1), torch.full((2, 1, 8, 8), NAN),
    torch.full((2, 1, 8, 8), INF), np.ones((2, 1, 8, 8)), [[[[0.5] * 8] * 8]] * 2,
]))

SHAPES_BASE = dict(n=2, size=8, seed=0)
NOISE_BASE = dict(clean=IMAGES, noise=0.3, seed=0)
PSNR_BASE = dict(pred=IMAGES, target=IMAGES)


@pytest.mark.timeout(120)
@FUZZ
@given(shapes=fuzzed(SHAPES_BASE, {}), noisy=fuzzed(NOISE_BASE, dict(clean=WILD_IMAGES)),
       scores=fuzzed(PSNR_BASE, dict(pred=WILD_IMAGES, target=WILD_IMAGES)))
def test_images(shapes, noisy, scores):
    images = result_or_named_error(sv.make_shapes, shapes, SHAPES_BASE)
    if images is not None:
        assert images.shape == (shapes["n"], 1, shapes["size"], shapes["size"])
        assert 0.0 <= images.min() and images.max() <= 1.0
    out = result_or_named_error(sv.add_noise, noisy, NOISE_BASE)
    if out is not None:
        assert torch.isfinite(out).all()
    score = result_or_named_error(sv.psnr, scores, PSNR_BASE)
    if score is not None:
        # images in [0, 1] differ by at most 1 per pixel: mse <= 1, psnr >= 0 (inf if equal)
        assert score >= 0.0


UNET_BASE = dict(width=2, skips=True, channels=1)
TINY_BASE = dict(channels=1, width=2, skips=True)
CONV_BASE = dict(channels=2)


@pytest.mark.timeout(120)
@FUZZ
@given(unet=fuzzed(UNET_BASE, {}), tiny=fuzzed(TINY_BASE, {}), conv=fuzzed(CONV_BASE, {}))
def test_unets(unet, tiny, conv):
    net = result_or_named_error(sv.make_unet, unet, UNET_BASE)
    if net is not None:
        x = torch.zeros(1, unet["channels"], 8, 8)
        assert net(x).shape == x.shape
    net = result_or_named_error(sv.TinyUNet, tiny, TINY_BASE)
    if net is not None:
        x = torch.zeros(1, tiny["channels"], 8, 8)
        assert net(x).shape == x.shape
    block = result_or_named_error(sv.ResidualConvBlock, conv, CONV_BASE)
    if block is not None:
        x = torch.zeros(1, conv["channels"], 4, 4)
        assert block(x).shape == x.shape


def small_unet():
    return sv.make_unet(width=2)


DENOISER_BASE = dict(net=FRESH, clean=IMAGES, noise=0.3, lr=5e-3, batch_size=2, seed=0)


@pytest.mark.timeout(120)
@FUZZ
@given(kwargs=fuzzed(DENOISER_BASE, dict(net=WILD_MODULE, clean=WILD_IMAGES)),
       steps=st.one_of(st.just(2), WILD), noisy=st.one_of(st.just(IMAGES), WILD_IMAGES))
def test_denoiser(kwargs, steps, noisy):
    kwargs, base = fresh(kwargs, DENOISER_BASE, "net", small_unet)
    den = result_or_named_error(lambda net, clean, **kw: sv.Denoiser(net, clean, **kw),
                                kwargs, base)
    if den is None:
        return
    losses = result_or_named_error(den.run, dict(steps=steps), dict(steps=2))
    if losses is not None:
        assert len(losses) == den.steps_run <= steps
    guess = result_or_named_error(den.denoise, dict(noisy=noisy), dict(noisy=IMAGES))
    if guess is not None:
        assert guess.shape == torch.as_tensor(noisy).shape


DENOISERS_BASE = dict(clean=IMAGES, skips=(True, False), width=2, steps=2, noise=0.3, lr=5e-3,
                      batch_size=2, seed=0)


@pytest.mark.timeout(120)
@FUZZ
@given(kwargs=fuzzed(DENOISERS_BASE, dict(clean=WILD_IMAGES, skips=WILD_SKIPS)))
def test_train_denoisers(kwargs):
    out = result_or_named_error(lambda clean, **kw: sv.train_denoisers(clean, **kw),
                                kwargs, DENOISERS_BASE)
    if out is not None:
        assert set(out) == set(kwargs["skips"])
        assert all(d.steps_run <= kwargs["steps"] for d in out.values())


# -- probes: the signal through depth, and breaking blocks --------------------------------

PROBE_BASE = dict(net=FRESH, X=X, y=Y)
BREAK_BASE = dict(net=FRESH, block=1, mode="zero")


@pytest.mark.timeout(120)
@FUZZ
@given(kwargs=fuzzed(PROBE_BASE, dict(net=WILD_MODULE, X=WILD_X, y=WILD_Y)),
       mode=st.one_of(st.just("zero"), st.just("delete"), WILD))
def test_signals_and_break_each(kwargs, mode):
    kwargs, base = fresh(kwargs, PROBE_BASE, "net", small_net)
    fwd = result_or_named_error(lambda net, X, y: sv.forward_signal(net, X), kwargs, base)
    if fwd is not None:
        assert fwd.shape == (len(kwargs["net"].blocks) + 1,)
    bwd = result_or_named_error(sv.backward_signal, kwargs, base)
    if bwd is not None:
        assert bwd.shape == (len(kwargs["net"].blocks) + 1,)
    acc = result_or_named_error(sv.break_each, dict(kwargs, mode=mode), dict(base, mode="zero"))
    if acc is not None:
        assert acc.shape == (len(kwargs["net"].blocks),)
        assert ((0.0 <= acc) & (acc <= 1.0)).all()


@pytest.mark.timeout(120)
@FUZZ
@given(kwargs=fuzzed(BREAK_BASE, dict(net=WILD_MODULE)))
def test_break_block(kwargs):
    kwargs, base = fresh(kwargs, BREAK_BASE, "net", small_net)
    broken = result_or_named_error(sv.break_block, kwargs, base)
    if broken is not None:
        assert broken is not kwargs["net"]
        expected = len(kwargs["net"].blocks) - (kwargs["mode"] == "delete")
        assert len(broken.blocks) == expected


# -- edge values that ARE allowed ---------------------------------------------------------

def edge_id(kwargs: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in kwargs.items())


EDGES = [
    dict(depth=1),
    dict(depth=500, width=2),
    dict(depth=3, init_scale=1e-6),
    dict(depth=3, init_scale=1e3),
    dict(depth=3, lr=1e-8),
    dict(depth=3, lr=1e3),
    dict(depth=3, lr=1e3, optimizer="sgd"),
    dict(depth=3, lr=1e10),
    dict(depth=3, lr=1e10, optimizer="sgd"),
    dict(depth=30, lr=1e3, optimizer="sgd", activation="linear"),
    dict(depth=30, init_scale=1e3, activation="relu"),
]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kwargs", EDGES, ids=edge_id)
@pytest.mark.parametrize("skip", [0.0, 1.0])
def test_allowed_edges_train(kwargs, skip):
    kwargs = dict(dict(width=4, steps=3), **kwargs)
    net = sv.make_mlp(kwargs.pop("depth"), kwargs.pop("width"), skip,
                      kwargs.pop("activation", "tanh"), kwargs.pop("init_scale", 1.0))
    r = sv.train(net, X, Y, **kwargs)
    check_result(r, len(net.blocks), kwargs["steps"])


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kwargs", EDGES, ids=edge_id)
def test_allowed_edges_compare(kwargs):
    kwargs = dict(dict(width=4, steps=3), **kwargs)
    results = sv.compare(X, Y, skips=(0.0, 0.5, 1.0), **kwargs)
    assert [r.alpha for r in results] == [0.0, 0.5, 1.0]
    for r in results:
        check_result(r, kwargs["depth"], kwargs["steps"])


def test_exploding_nets_are_reported_not_raised():
    # relu with 1000x weights over 30 blocks overflows float32 in the first forward pass
    results = sv.compare(X, Y, depth=30, width=4, init_scale=1e3, activation="relu", steps=3)
    assert all(r.diverged and r.diverged_at == 0 for r in results)
    assert all(math.isnan(r.accuracy) for r in results)


def test_public_names_are_all_fuzzed():
    # a new public function must join the fuzzing above (or be listed as data here)
    fuzzed_names = {
        "make_mlp", "make_dataset", "PlainBlock", "ResidualBlock", "train", "compare",
        "scalar_chain", "random_chain_singular_values", "block_jacobian", "identity_gap",
        "plain_twin", "end_to_end_jacobian", "jacobian_singular_values", "loss_landscape",
        "GradientRecorder", "variant_color", "variant_label",
        "make_shapes", "add_noise", "psnr", "make_unet", "TinyUNet", "ResidualConvBlock",
        "Denoiser", "train_denoisers", "forward_signal", "backward_signal", "break_block",
        "break_each",
    }
    # data, and MLP: a container whose three arguments are modules, not values to fuzz
    not_fuzzed = {"ACTIVATIONS", "DATASETS", "PLAIN_COLOR", "RESIDUAL_COLOR", "TrainResult",
                  "MLP", "BREAK_MODES"}
    missing = set(sv.__all__) - fuzzed_names - not_fuzzed
    assert not missing, f"public names without a fuzz test in tests/test_fuzz.py: {sorted(missing)}"
