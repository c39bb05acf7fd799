import numpy as np
import pytest
import torch
import torch.nn.functional as F

from skipviz.core.convnets import ConvNet, PlainConvBlock, ResNetBlock, make_convnet
from skipviz.core.digits import Digits, load_digits, misclassified, train_digits
from skipviz.core.unet import count_params


def _bn(m, t):
    # batchnorm in train mode, by hand: batch statistics, biased variance
    mean = t.mean(dim=(0, 2, 3), keepdim=True)
    var = t.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    return (t - mean) / torch.sqrt(var + m.eps) * m.weight[:, None, None] + m.bias[:, None, None]


def _by_hand(net: ConvNet, x):
    """the same net written with torch.nn.functional, from the module's own weights."""

    def conv(m, t):
        return F.conv2d(t, m.weight, m.bias, stride=m.stride, padding=m.padding)

    h = F.relu(_bn(net.stem[1], conv(net.stem[0], x)))
    for b in net.blocks:
        out = F.relu(_bn(b.bn1, conv(b.conv1, h)))
        out = _bn(b.bn2, conv(b.conv2, out))
        if isinstance(b, ResNetBlock):
            shortcut = h if b.projection is None else _bn(b.projection[1],
                                                           conv(b.projection[0], h))
            out = out + shortcut
        h = F.relu(out)
    return F.linear(h.flatten(1), net.head.weight, net.head.bias)


@pytest.mark.parametrize("skip", [False, True])
@pytest.mark.parametrize("blocks", [1, 4])
def test_convnet_matches_a_functional_rewrite(blocks, skip):
    net = make_convnet(blocks, skip, width=4)
    x = torch.randn(6, 1, 8, 8)
    torch.testing.assert_close(net(x), _by_hand(net, x))


@pytest.mark.parametrize("blocks", [1, 2, 5])
def test_exactly_the_shape_changing_block_has_a_projection(blocks):
    net = make_convnet(blocks, skip=True, width=8)
    first_stage = blocks // 2
    for i, block in enumerate(net.blocks):
        assert (block.projection is not None) == (i == first_stage)
        if block.projection is not None:
            conv = block.projection[0]
            assert conv.kernel_size == (1, 1) and conv.stride == (2, 2)
    shapes = [row[2] for row in net.trace(torch.zeros(2, 1, 8, 8))]
    assert shapes[-1] == (2, 10) and shapes[-2] == (2, 16, 4, 4)


def test_plain_and_resnet_share_their_start_and_differ_by_the_projection():
    torch.manual_seed(3)
    plain = make_convnet(4, skip=False)
    torch.manual_seed(3)
    resnet = make_convnet(4, skip=True)
    shared = {n: p for n, p in plain.state_dict().items()}
    for name, value in resnet.state_dict().items():
        if "projection" not in name:
            torch.testing.assert_close(value, shared[name], rtol=0, atol=0)
    # 1x1 conv w -> 2w without bias, its batchnorm's scale and shift
    assert count_params(resnet) - count_params(plain) == 8 * 16 + 2 * 16


def test_with_f_zero_a_resnet_block_passes_a_positive_input_through():
    block = ResNetBlock(4, 4, norm="none")
    torch.nn.init.zeros_(block.conv2.weight)
    torch.nn.init.zeros_(block.conv2.bias)
    x = torch.rand(2, 4, 8, 8)
    torch.testing.assert_close(block(x), x)  # relu(0 + x) = x for x >= 0
    plain = PlainConvBlock(4, 4, norm="none")
    torch.nn.init.zeros_(plain.conv2.weight)
    torch.nn.init.zeros_(plain.conv2.bias)
    assert plain(x).abs().max() == 0  # the plain block destroys the signal


def test_he_init_has_he_std_and_default_keeps_pytorchs():
    torch.manual_seed(0)
    he = make_convnet(8, skip=False, width=32, norm="none", init="he")
    torch.manual_seed(0)
    default = make_convnet(8, skip=False, width=32, norm="none", init="default")
    w_he, w_default = he.blocks[0].conv1.weight, default.blocks[0].conv1.weight
    fan_in = w_he[0].numel()
    assert w_he.std().item() == pytest.approx(np.sqrt(2 / fan_in), rel=0.05)
    assert w_default.std().item() == pytest.approx(np.sqrt(1 / (3 * fan_in)), rel=0.05)


@pytest.mark.parametrize("bad, message", [
    (dict(blocks=0), "blocks must be in [1, 32]"),
    (dict(blocks=2.5), "blocks must be a whole number"),
    (dict(skip="yes"), "skip must be True or False"),
    (dict(norm="layer"), "norm must be one of"),
    (dict(init="xavier"), "init must be one of"),
])
def test_make_convnet_refuses_bad_arguments(bad, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        make_convnet(**{"blocks": 2, **bad})


def test_forward_refuses_images_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"x must be a tensor of shape \(B, 1, 8, 8\)"):
        make_convnet(2)(torch.zeros(2, 1, 16, 16))


@pytest.fixture(scope="module")
def digits():
    return load_digits(seed=0)


def test_the_digits_split_is_stratified_standardised_and_seeded(digits):
    assert digits.X_train.shape == (1347, 1, 8, 8) and digits.X_test.shape == (450, 1, 8, 8)
    counts = np.bincount(digits.y_test.numpy(), minlength=10)
    assert counts.min() >= 44 and counts.max() <= 46
    assert abs(digits.X_train.mean().item()) < 1e-4
    assert digits.X_train.std().item() == pytest.approx(1.0, rel=1e-3)
    assert digits.raw_test.max() == 16 and digits.raw_test.min() == 0
    again = load_digits(seed=0)
    assert torch.equal(again.X_test, digits.X_test)
    assert not torch.equal(load_digits(seed=1).y_test, digits.y_test)


def test_training_records_the_gradients_autograd_gives_and_is_reproducible(digits):
    run = train_digits(digits, 3, True, epochs=1, seed=2)
    assert run.grad_norms.shape == (run.steps_run, 3) and run.steps_run == 22
    # the first minibatch from the same start, block inputs' gradients by autograd
    torch.manual_seed(2)
    net = make_convnet(3, True)
    first = torch.randperm(1347, generator=torch.Generator().manual_seed(2))[:64]
    h, inputs = net.stem(digits.X_train[first]), []
    for block in net.blocks:
        inputs.append(h)
        h = block(h)
    loss = F.cross_entropy(net.head(h.flatten(1)), digits.y_train[first])
    expected = [g.norm().item() for g in torch.autograd.grad(loss, inputs)]
    np.testing.assert_allclose(run.grad_norms[0], expected, rtol=1e-5)
    assert run.losses[0] == pytest.approx(loss.item(), rel=1e-6)
    again = train_digits(digits, 3, True, epochs=1, seed=2)
    np.testing.assert_array_equal(run.losses, again.losses)
    # accuracies agree with the predictions and the labels
    assert run.test_accuracy == pytest.approx(
        float((run.predictions == digits.y_test.numpy()).mean()))
    wrong = misclassified(run, digits, None)
    assert len(wrong) == round((1 - run.test_accuracy) * 450)
    assert all(run.predictions[i] != digits.y_test[i] for i in wrong)
    assert len(misclassified(run, digits, 3)) == min(3, len(wrong))


def test_training_learns_the_digits(digits):
    run = train_digits(digits, 1, True, epochs=2, seed=0)
    assert not run.diverged
    assert run.test_accuracy > 0.8  # chance is 0.1
    assert run.losses[-5:].mean() < run.losses[:5].mean() / 2


def test_a_too_large_learning_rate_is_reported_as_diverged(digits):
    run = train_digits(digits, 4, False, norm="none", optimizer="sgd", lr=5.0, epochs=1)
    assert run.diverged and run.steps_run < 22
    assert np.isfinite(run.losses).all()  # the non-finite loss is not recorded


@pytest.mark.parametrize("bad, message", [
    (dict(optimizer="rmsprop"), "optimizer must be one of"),
    (dict(lr=0.0), "lr must be in"),
    (dict(epochs=0), "epochs must be in"),
    (dict(batch_size=0), "batch_size must be in"),
    (dict(seed=-1), "seed must be in"),
])
def test_train_digits_refuses_bad_arguments(digits, bad, message):
    with pytest.raises(ValueError, match=message):
        train_digits(digits, 1, True, **bad)


def test_train_digits_wants_digits_and_load_digits_a_sane_split():
    with pytest.raises(ValueError, match="data must be a Digits"):
        train_digits((torch.zeros(1), torch.zeros(1)), 1, True)
    with pytest.raises(ValueError, match="test_fraction must be in"):
        load_digits(test_fraction=1.0)
    assert isinstance(load_digits(test_fraction=0.5), Digits)
