"""scikit-learn's 8x8 handwritten digits (1,797 images shipped inside the package, nothing
downloaded) and a short, seeded minibatch training of a ConvNet on them."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from .capture import GradientRecorder
from .checks import check_choice, check_float, check_int
from .convnets import ConvNet, make_convnet
from .limits import MAX_EPOCHS, MAX_SEED
from .train import LossTrace

DIGIT_OPTIMIZERS = ("adam", "sgd")
# adam at 3e-3 trains these nets in 2 epochs; sgd with momentum 0.9 is resnet's optimiser
# (he et al. used lr 0.1 on cifar; 0.05 here keeps the deepest plain nets from diverging)
DEFAULT_LR = {"sgd": 0.05, "adam": 3e-3}


@dataclass
class Digits:
    """a seeded train/test split; images are (n, 1, 8, 8) float, standardised with the
    training set's mean and std; `raw_test` keeps the original 0-16 ink levels for display."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    raw_test: np.ndarray


def load_digits(test_fraction: float = 0.25, seed: int = 0) -> Digits:
    """split sklearn.datasets.load_digits() at random (seeded), stratified by class."""
    from sklearn.datasets import load_digits as sklearn_digits  # slow import: only when used

    test_fraction = check_float("test_fraction", test_fraction, 0.05, 0.95)
    seed = check_int("seed", seed, 0, MAX_SEED)
    data = sklearn_digits()
    images, labels = data.images.astype(np.float32), data.target.astype(np.int64)
    rng = np.random.default_rng(seed)
    test = np.zeros(len(labels), dtype=bool)
    for c in range(10):
        # the same share of every class in the test set
        members = rng.permutation(np.flatnonzero(labels == c))
        test[members[: round(test_fraction * len(members))]] = True
    train_idx = rng.permutation(np.flatnonzero(~test))
    test_idx = np.flatnonzero(test)
    mean, std = images[train_idx].mean(), images[train_idx].std()

    def tensor(idx):
        return torch.from_numpy((images[idx] - mean) / std).unsqueeze(1)  # (n, 1, 8, 8)

    return Digits(tensor(train_idx), torch.from_numpy(labels[train_idx]),
                  tensor(test_idx), torch.from_numpy(labels[test_idx]), images[test_idx])


@dataclass
class DigitRun(LossTrace):
    """one trained ConvNet: losses per step, per-block ||dL/dx|| per step, accuracies."""

    net: ConvNet
    losses: np.ndarray  # (steps,)
    grad_norms: np.ndarray  # (steps, blocks): ||dL/dx|| at each block's input
    train_accuracy: float
    test_accuracy: float
    predictions: np.ndarray  # (n_test,) predicted class of each test image
    diverged: bool = False
    elapsed: float = 0.0
    config: dict = field(default_factory=dict)


def train_digits(
    data: Digits,
    blocks: int,
    skip: bool,
    *,
    width: int = 8,
    norm: str = "batch",
    init: str = "he",
    optimizer: str = "adam",
    lr: float | None = None,
    epochs: int = 2,
    batch_size: int = 64,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> DigitRun:
    """train make_convnet(blocks, skip, ...) on data.X_train with cross-entropy.

    the net and the order of the minibatches both come from `seed`, so a plain net and a
    resnet with the same seed see the same batches from equal shared weights. "sgd" is sgd
    with momentum 0.9 (what resnet used). progress(done, total) is called after each step.
    """
    if not isinstance(data, Digits):
        raise ValueError(f"data must be a Digits (from load_digits), got {type(data).__name__}")
    check_choice("optimizer", optimizer, DIGIT_OPTIMIZERS)
    lr = DEFAULT_LR[optimizer] if lr is None else check_float("lr", lr, 1e-6, 10.0)
    epochs = check_int("epochs", epochs, 1, MAX_EPOCHS)
    batch_size = check_int("batch_size", batch_size, 1, 4096)
    seed = check_int("seed", seed, 0, MAX_SEED)
    torch.manual_seed(seed)
    net = make_convnet(blocks, skip, width, norm, init)
    if optimizer == "sgd":
        opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)
    else:
        opt = torch.optim.Adam(net.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    n = len(data.y_train)
    per_epoch = math.ceil(n / batch_size)
    total = epochs * per_epoch
    losses: list[float] = []
    diverged = False
    start = time.perf_counter()
    net.train()
    with GradientRecorder(net) as rec:
        for _ in range(epochs):
            order = torch.randperm(n, generator=gen)
            for i in range(0, n, batch_size):
                idx = order[i : i + batch_size]
                loss = F.cross_entropy(net(data.X_train[idx]), data.y_train[idx])
                if not math.isfinite(loss.item()):
                    diverged = True  # training itself went non-finite: stop, say so
                    break
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                losses.append(loss.item())
                if progress is not None:
                    progress(len(losses), total)
            if diverged:
                break
    grad_norms = rec.grad_norms[: len(losses)]
    train_acc, _ = evaluate(net, data.X_train, data.y_train)
    test_acc, predictions = evaluate(net, data.X_test, data.y_test)
    config = dict(blocks=blocks, skip=skip, width=width, norm=norm, init=init,
                  optimizer=optimizer, lr=lr, epochs=epochs, batch_size=batch_size, seed=seed)
    return DigitRun(net, np.array(losses), grad_norms, train_acc, test_acc, predictions,
                    diverged, time.perf_counter() - start, config)


def evaluate(net: ConvNet, X: torch.Tensor, y: torch.Tensor) -> tuple[float, np.ndarray]:
    """accuracy and predicted classes, batchnorm in eval mode (its running statistics)."""
    was_training = net.training
    net.eval()
    with torch.no_grad():
        predicted = net(X).argmax(1)
    net.train(was_training)
    return float((predicted == y).float().mean()), predicted.numpy()


def misclassified(run: DigitRun, data: Digits, k: int | None = 8) -> np.ndarray:
    """indices of the first k test images the run got wrong (all of them if k is None)."""
    wrong = np.flatnonzero(run.predictions != data.y_test.numpy())
    return wrong if k is None else wrong[: check_int("k", k, 0, len(data.y_test))]
