"""the side-by-side trainer: every variant of a comparison in one batched computation.

compare() trains V networks that differ only in the shortcut strength alpha. they share
their shapes, so block l's weights of all variants stack into one (V, width, width) tensor
and one batched matmul runs layer l of every variant at once: torch's (MKL), or numpy's
(OpenBLAS) when the environment gives OpenBLAS its AVX-512 kernels (layer_matmul_library).

the backward is written out by hand. for a block out = act(z) + alpha * x, z = x W^T + b:

    dz    = dL/dout * act'(z)
    dL/dx = dz W + alpha * dL/dout
    dL/dW = dz^T x          dL/db = dz summed over the batch

the first two run layer by layer, top down; every CHUNK layers, dL/dW, dL/db and
||dL/dx_l|| of those layers and all variants come from one batched matmul, one sum and
one reduction, and ||dL/dW_l|| of every layer from one more at the end: no hooks, no
autograd graph, no per-layer .item(). the make_mlp
modules stay what learners read: they get the weights at every callback and at the end.
tests/test_engine.py checks every number against train() on each net alone.
"""

from __future__ import annotations

import functools
import math
import os
import time
from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from .models import ACTIVATIONS, MLP
from .train import SGD_MOMENTUM, TrainResult

aten = torch.ops.aten


# ---------------------------------------------------------------- activations


@dataclass(frozen=True)
class Activation:
    forward: Callable  # (z, z's numpy view) -> y, in place unless saves_input
    backward: Callable  # (dL/dy, saved) -> dL/dz, written over saved (y, or z)
    saves_input: bool = False


def _tanh(z, array):
    # torch.tanh is a scalar loop in this torch build (70 us for a 512 x 32 x 2 block, more
    # than the block's matmul); numpy's tanh is vectorised (AVX-512 where the cpu has it),
    # within 1e-7 of torch's, and 13x faster. same memory: the array is a view of z
    np.tanh(array, out=array)
    return z


def _gelu(z, _):
    return F.gelu(z)  # a new tensor: the backward needs z itself


# the backward kernels are those autograd runs for these modules, given an output buffer
ACTIVATION_RULES = {
    "tanh": Activation(_tanh, lambda g, y: aten.tanh_backward.grad_input(g, y, grad_input=y)),
    "sigmoid": Activation(lambda z, _: torch.sigmoid_(z),
                          lambda g, y: aten.sigmoid_backward.grad_input(g, y, grad_input=y)),
    "relu": Activation(lambda z, _: torch.relu_(z),
                       lambda g, y: aten.threshold_backward.grad_input(g, y, 0, grad_input=y)),
    "gelu": Activation(_gelu, lambda g, z: aten.gelu_backward.grad_input(g, z, grad_input=z),
                       saves_input=True),
    "linear": Activation(lambda z, _: z, lambda g, y: y.copy_(g)),
}


def activation_name(net: MLP) -> str:
    act = net.blocks[0].act
    for name, cls in ACTIVATIONS.items():
        if type(act) is cls and getattr(act, "approximate", "none") == "none":
            return name
    raise ValueError(f"the engine cannot train a net with activation {act!r}")


# ---------------------------------------------------------------- stacked parameters


class Parts(NamedTuple):
    """views that give one flat buffer the shapes of V nets' parameters."""

    stem_w: torch.Tensor  # (V, W, in)
    stem_b: torch.Tensor  # (V, W)
    w: torch.Tensor  # (D, V, W, W): depth first, so layer l of all variants is one block
    b: torch.Tensor  # (D, V, W)
    head_w: torch.Tensor  # (V, out, W)
    head_b: torch.Tensor  # (V, out)


VARIANT_DIM = Parts(0, 0, 1, 1, 0, 0)  # where each part keeps its variants


class Shape(NamedTuple):
    depth: int
    width: int
    n_in: int
    n_out: int

    @classmethod
    def of(cls, net: MLP) -> Shape:
        return cls(len(net.blocks), net.stem.out_features, net.stem.in_features,
                   net.head.out_features)

    def parts(self, flat: torch.Tensor, variants: int) -> Parts:
        D, W, i, o = self
        V = variants
        shapes = [(V, W, i), (V, W), (D, V, W, W), (D, V, W), (V, o, W), (V, o)]
        chunks = torch.split(flat, [int(np.prod(s)) for s in shapes])
        return Parts(*(c.view(s) for c, s in zip(chunks, shapes, strict=True)))

    def size(self, variants: int) -> int:
        D, W, i, o = self
        return variants * (W * i + W + D * W * W + D * W + o * W + o)

    def select(self, flat: torch.Tensor, variants: int, rows: torch.Tensor) -> torch.Tensor:
        """a new flat buffer holding only the variants in rows (a boolean mask)."""
        index = rows.nonzero().flatten()
        parts = self.parts(flat, variants)
        return torch.cat([p.index_select(d, index).flatten()
                          for p, d in zip(parts, VARIANT_DIM, strict=True)])


def net_tensors(net: MLP) -> list[torch.Tensor]:
    """the net's parameters in the order of parts_tensors."""
    fcs = [block.fc for block in net.blocks]
    return [net.stem.weight, net.stem.bias, *(fc.weight for fc in fcs),
            *(fc.bias for fc in fcs), net.head.weight, net.head.bias]


def parts_tensors(p: Parts, v: int) -> list[torch.Tensor]:
    """variant v's slices of the stacked parameters, in the order of net_tensors."""
    return [p.stem_w[v], p.stem_b[v], *p.w[:, v].unbind(0), *p.b[:, v].unbind(0),
            p.head_w[v], p.head_b[v]]


# ---------------------------------------------------------------- optimizers


class Adam:
    """torch.optim.Adam's arithmetic (its cpu single-tensor path, op for op) on one buffer.

    adam is elementwise, so running it on the stacked variants gives each the numbers it
    would get alone; one buffer means 7 tensor ops per step instead of 7 per parameter.
    """

    def __init__(self, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
        self.lr, self.betas, self.eps = lr, betas, eps
        self.t = 0
        self.m = self.v = self.denom = None

    def step(self, param: torch.Tensor, grad: torch.Tensor):
        if self.m is None:
            self.m, self.v = torch.zeros_like(param), torch.zeros_like(param)
            self.denom = torch.empty_like(param)
        b1, b2 = self.betas
        self.t += 1
        self.m.lerp_(grad, 1 - b1)
        self.v.mul_(b2).addcmul_(grad, grad, value=1 - b2)
        step_size = self.lr / (1 - b1 ** float(self.t))
        bias_correction2_sqrt = (1 - b2 ** float(self.t)) ** 0.5
        # numpy's sqrt, on the same memory: torch's is 10x slower on the subnormal numbers a
        # vanishing gradient squares to (and is off by one ulp on some others)
        np.sqrt(self.v.numpy(), out=self.denom.numpy())
        denom = self.denom.div_(bias_correction2_sqrt).add_(self.eps)
        param.addcdiv_(self.m, denom, value=-step_size)

    def keep(self, select: Callable):
        if self.m is not None:
            self.m, self.v = select(self.m), select(self.v)
            self.denom = torch.empty_like(self.m)


class SGD:
    """torch.optim.SGD(momentum=SGD_MOMENTUM)'s arithmetic on one buffer (elementwise too)."""

    def __init__(self, lr: float, momentum: float = SGD_MOMENTUM):
        self.lr, self.momentum = lr, momentum
        self.buf = None

    def step(self, param: torch.Tensor, grad: torch.Tensor):
        if self.buf is None:
            self.buf = grad.clone()  # torch starts the velocity at the first gradient
        else:
            self.buf.mul_(self.momentum).add_(grad)
        param.add_(self.buf, alpha=-self.lr)

    def keep(self, select: Callable):
        if self.buf is not None:
            self.buf = select(self.buf)


# ---------------------------------------------------------------- which matmul library


# OpenBLAS cores with AVX-512 kernels (the names OPENBLAS_CORETYPE takes)
AVX512_CORES = {"skylakex", "cooperlake", "sapphirerapids"}


def layer_matmul_library(env=os.environ) -> str:
    """"numpy" or "torch": which library multiplies the blocks' activations and weights.

    most of a step is its 3 matmuls per block. torch's MKL runs them with AVX2 code on AMD
    cpus (~90 GFLOP/s on one zen 5 core at width 32); numpy's OpenBLAS, started with
    OPENBLAS_CORETYPE=SkylakeX on a cpu that has AVX-512, runs the same ones at 160-240.
    left alone, OpenBLAS takes zen 5 for Haswell (no faster than MKL), and on more than
    one thread it fights torch for the cores; both settings are read once, when numpy
    loads, so only the environment can give them: numpy it is only when it did.
    """
    avx512 = env.get("OPENBLAS_CORETYPE", "").lower() in AVX512_CORES
    return "numpy" if avx512 and env.get("OPENBLAS_NUM_THREADS") == "1" else "torch"


LAYER_MATMUL = layer_matmul_library()


class TorchMatmul:
    """the blocks' four products through torch (MKL): each fuses its add (beta) in."""

    @staticmethod
    def linear(layer):
        return torch.baddbmm(layer.b, layer.x, layer.w_t, out=layer.saved)  # z = x W^T + b

    @staticmethod
    def grad_input(layer, dz, alpha):
        # dL/dx = alpha * dL/dout (the shortcut) + dz W (the layer)
        torch.mul(layer.grad_out, alpha, out=layer.grad_x).baddbmm_(dz, layer.w)

    @staticmethod
    def grad_weight(dz, x, out):
        torch.bmm(dz.mT, x, out=out)  # dL/dW = dz^T x

    @staticmethod
    def grad_stem(ws, out):
        torch.bmm(ws.grad_x0.mT, ws.X, out=out)


class NumpyMatmul:
    """the same four products through numpy (OpenBLAS), on the tensors' own memory.

    numpy's matmul has no beta: each add comes after its product.
    """

    @staticmethod
    def linear(layer):
        np.matmul(layer.np_x, layer.np_w_t, out=layer.np_saved)
        np.add(layer.np_saved, layer.np_b, out=layer.np_saved)  # a numpy add: cheaper here
        return layer.saved

    @staticmethod
    def grad_input(layer, dz, alpha):
        np.matmul(layer.np_saved, layer.np_w, out=layer.np_grad_x)  # dz lives in saved
        layer.grad_x.addcmul_(alpha, layer.grad_out)

    @staticmethod
    def grad_weight(dz, x, out):
        np.matmul(dz.mT.numpy(), x.numpy(), out=out.numpy())

    @staticmethod
    def grad_stem(ws, out):
        # MKL is slow at this 2-wide product, OpenBLAS is not
        np.matmul(ws.grad_x0.mT.numpy(), ws.np_X, out=out.numpy())


MATMULS = {"torch": TorchMatmul, "numpy": NumpyMatmul}


# ---------------------------------------------------------------- the batched net


# a diverging net overflows: train() stops it quietly, and so must numpy's matmul
QUIET = np.errstate(over="ignore", invalid="ignore")


class StackedMLP:
    """V same-shaped MLPs as one: parameters and gradients live in flat buffers."""

    def __init__(self, nets: list[MLP]):
        self.shape = Shape.of(nets[0])
        self.act = ACTIVATION_RULES[activation_name(nets[0])]
        self.alpha = torch.tensor([float(net.alpha) for net in nets]).view(-1, 1, 1)
        size = self.shape.size(len(nets))
        self._set(torch.empty(size), torch.zeros(size))
        with torch.no_grad():
            for v, net in enumerate(nets):
                torch._foreach_copy_(parts_tensors(self.params, v), net_tensors(net))

    def _set(self, flat: torch.Tensor, grad: torch.Tensor):
        self.variants = len(self.alpha)
        self.flat, self.grad = flat, grad
        self.params = self.shape.parts(self.flat, self.variants)  # views, made once
        self.grads = self.shape.parts(self.grad, self.variants)

    def copy_to(self, net: MLP, v: int):
        with torch.no_grad():
            torch._foreach_copy_(net_tensors(net), parts_tensors(self.params, v))

    @torch.no_grad()
    @QUIET
    def logits(self, points: torch.Tensor, v: int) -> torch.Tensor:
        """variant v's logits (n, out) at points, read from the stacked weights.

        what the net copied out by copy_to computes, without the copy and the module calls:
        a live 30 x 30 decision map at depth 60 costs 11 ms this way, 15 ms through the module.
        """
        p, act, alpha = self.params, self.act, float(self.alpha[v])
        x = torch.addmm(p.stem_b[v], points, p.stem_w[v].T)
        for i in range(self.shape.depth):
            z = torch.addmm(p.b[i, v], x, p.w[i, v].T)
            y = act.forward(z, z.numpy())
            x = y + alpha * x  # the shortcut: out = act(fc(x)) + alpha * x
        return torch.addmm(p.head_b[v], x, p.head_w[v].T)

    def select(self, rows: torch.Tensor) -> Callable:
        """the function that keeps only the variants in rows, for any flat buffer."""
        return lambda flat, V=self.variants: self.shape.select(flat, V, rows)

    def keep(self, rows: torch.Tensor):
        """drop the variants not in rows (they diverged); the rest train on."""
        select = self.select(rows)
        flat, grad = select(self.flat), select(self.grad)
        self.alpha = self.alpha[rows]
        self._set(flat, grad)


class Layer(NamedTuple):
    """what block l reads and writes: (V, ...) views into the stacked buffers, made once."""

    w: torch.Tensor  # (V, W, W)
    w_t: torch.Tensor  # (V, W, W): the transposed view, so x @ w_t + b is x W^T + b
    b: torch.Tensor  # (V, 1, W)
    x: torch.Tensor  # (V, n, W): the block's input
    out: torch.Tensor  # (V, n, W): its output, the next block's input
    saved: torch.Tensor  # (V, n, W): z or y for the backward, which overwrites it with dz
    grad_x: torch.Tensor  # (V, n, W): dL/dx
    grad_out: torch.Tensor  # (V, n, W): dL/dout
    np_x: np.ndarray  # numpy views of x, w_t, b, saved, w and grad_x: the same memory
    np_w_t: np.ndarray
    np_b: np.ndarray
    np_saved: np.ndarray
    np_w: np.ndarray
    np_grad_x: np.ndarray


CHUNK = 8  # blocks whose weight gradients and norms the backward computes together


class Chunk(NamedTuple):
    lo: int  # blocks lo..hi-1
    hi: int
    grad_x: torch.Tensor  # (hi - lo, V, n, W): dL/dx of those blocks' inputs


class Workspace:
    """every buffer one training step of V variants on n inputs needs, allocated once.

    each layer's activations are slices of a few big tensors, so the weight and bias
    gradients and the norms of CHUNK layers come out of one batched op each. dL/dx is
    needed only until its chunk's norms are taken: two chunk-sized buffers, used in turn,
    hold it (a deep net's whole dL/dx would be a third more memory for the cache to miss).
    """

    def __init__(self, stack: StackedMLP, X: torch.Tensor, y: torch.Tensor):
        V, n = stack.variants, len(X)
        D, W, _, _ = stack.shape
        p = stack.params
        self.X = X.expand(V, *X.shape)  # (V, n, in): one dataset, V nets
        self.np_X = self.X.contiguous().numpy()
        self.target = y.view(1, n, 1).expand(V, n, 1)
        self.minus_ones = torch.full((V, n, 1), -1.0)  # the onehot, taken from the softmax
        self.x = torch.empty(D + 1, V, n, W)  # x[l]: block l's input, x[D] the head's
        self.saved = torch.empty(D, V, n, W)
        self.grad_head = torch.empty(V, n, W)  # dL/dx[D], from the head
        turns = torch.empty(2, min(CHUNK, D), V, n, W)
        # one row per variant: the loss, ||dL/dx_l|| of each block, ||dL/dW_l|| of each block
        self.stats = torch.empty(V, 1 + 2 * D)
        self.exact_stats = torch.empty(V, 1 + 2 * D, dtype=torch.float64)  # see forward_backward
        self.matmul = LAYER_MATMUL
        self.mm = MATMULS[LAYER_MATMUL]  # chosen once: the algorithm below has no branch
        self.chunks = [Chunk(lo, min(lo + CHUNK, D), turns[k % 2, :min(lo + CHUNK, D) - lo])
                       for k, lo in enumerate(reversed(range(0, D, CHUNK)))]  # top first
        grad_x = [None] * D + [self.grad_head]  # grad_x[l] = dL/dx[l]
        for chunk in self.chunks:
            for i in range(chunk.lo, chunk.hi):
                grad_x[i] = chunk.grad_x[i - chunk.lo]
        self.grad_x0 = grad_x[0]
        self.layers = [
            Layer(p.w[i], p.w[i].mT, p.b[i, :, None], self.x[i], self.x[i + 1],
                  self.saved[i], grad_x[i], grad_x[i + 1],
                  self.x[i].numpy(), p.w[i].mT.numpy(), p.b[i, :, None].numpy(),
                  self.saved[i].numpy(), p.w[i].numpy(), grad_x[i].numpy())
            for i in range(D)
        ]


@torch.no_grad()
@QUIET
def forward(stack: StackedMLP, ws: Workspace) -> torch.Tensor:
    """logits (V, n, out) of every variant, keeping what the backward needs in ws."""
    p, act, alpha = stack.params, stack.act, stack.alpha
    torch.baddbmm(p.stem_b[:, None], ws.X, p.stem_w.mT, out=ws.x[0])
    for layer in ws.layers:
        z = ws.mm.linear(layer)  # (V, n, W)
        y = act.forward(z, layer.np_saved)
        # the shortcut: out = y + alpha * x, one alpha per variant
        torch.addcmul(y, alpha, layer.x, out=layer.out)
    return torch.baddbmm(p.head_b[:, None], ws.x[-1], p.head_w.mT)


@torch.no_grad()
@QUIET
def forward_backward(stack: StackedMLP, ws: Workspace, exact: bool = False) -> torch.Tensor:
    """one training step's gradients into stack.grad; returns ws.stats (V, 1 + 2 depth).

    the norms are float32 sums of squares, which overflow on finite numbers past ~1e19;
    exact=True takes them in float64 (ws.exact_stats), for the rare step where one did.
    """
    p, g, act, alpha = stack.params, stack.grads, stack.act, stack.alpha
    D, stats = stack.shape.depth, ws.stats
    norms, wide = (ws.exact_stats, {"dtype": torch.float64}) if exact else (stats, {})
    logits = forward(stack, ws)

    # cross-entropy, and its gradient (softmax - onehot) / n, for every variant
    n = logits.shape[1]
    logp = torch.log_softmax(logits, dim=2)  # (V, n, out)
    torch.sum(logp.gather(2, ws.target), dim=(1, 2), out=stats[:, 0]).div_(-n)
    dlogits = torch.exp(logp).scatter_add_(2, ws.target, ws.minus_ones)
    dlogits.div_(n)
    torch.bmm(dlogits.mT, ws.x[-1], out=g.head_w)
    torch.sum(dlogits, dim=1, out=g.head_b)
    torch.bmm(dlogits, p.head_w, out=ws.grad_head)

    # top down, CHUNK blocks at a time: dz, then dL/dx = alpha * dL/dout (the shortcut) +
    # dz W (the layer); then, for the whole chunk at once, dL/dW = dz^T x, dL/db = sum of
    # dz and ||dL/dx||: one batched op each, while the chunk's dz and dL/dx are still in
    # the cache (a deep net's buffers outgrow it; read back cold they cost 10% of a step)
    for lo, hi, grad_x in ws.chunks:
        for layer in reversed(ws.layers[lo:hi]):
            dz = act.backward(layer.grad_out, layer.saved)  # (V, n, W), over saved
            ws.mm.grad_input(layer, dz, alpha)
        dz, x = ws.saved[lo:hi].flatten(0, 1), ws.x[lo:hi].flatten(0, 1)  # (k V, n, W)
        ws.mm.grad_weight(dz, x, g.w[lo:hi].flatten(0, 1))
        torch.sum(ws.saved[lo:hi], dim=2, out=g.b[lo:hi])
        torch.linalg.vector_norm(grad_x, dim=(2, 3), out=norms[:, 1 + lo:1 + hi].T, **wide)
    torch.linalg.vector_norm(g.w, dim=(2, 3), out=norms[:, D + 1:].T, **wide)
    ws.mm.grad_stem(ws, g.stem_w)
    torch.sum(ws.grad_x0, dim=1, out=g.stem_b)
    if exact:
        norms[:, 0] = stats[:, 0]
    return norms


# ---------------------------------------------------------------- the training loop


class Record:
    """every variant's per-step numbers, kept in one tensor and made numpy only when read.

    a row is the loss, ||dL/dx_l||, ||dL/dW_l|| and ||W_l - W_l(0)|| of every block, in
    float64 (a norm taken in float64 may pass float32's range). the tensor grows as steps
    run (its capacity doubles, up to `steps`): a long deep run must not claim
    steps x variants x (1 + 3 depth) floats before its first step (depth 500 for 100000
    steps would be most of a binder's memory), and doubling keeps the copies to one pass
    over the rows in all.
    """

    FIRST = 64  # steps held before the first growth

    def __init__(self, steps: int, variants: int, depth: int):
        self.depth, self.steps = depth, steps
        self.rows = torch.full((min(steps, self.FIRST), variants, 1 + 3 * depth), float("nan"),
                               dtype=torch.float64)
        self.steps_run = [0] * variants
        self.start_norms = np.ones((variants, depth))  # ||W_l(0)||, set by train_together

    def write(self, step: int, ids: torch.Tensor, stats: torch.Tensor):
        """the loss and gradient norms of `step` (stats: (len(ids), 1 + 2 depth))."""
        if step == len(self.rows):
            grown = torch.full((min(2 * step, self.steps), *self.rows.shape[1:]), float("nan"),
                               dtype=torch.float64)
            grown[:step] = self.rows
            self.rows = grown
        self.rows[step, ids, :1 + 2 * self.depth] = stats.double()
        for v in ids.tolist():
            self.steps_run[v] = step + 1

    def moved(self, step: int, ids: torch.Tensor, moved: torch.Tensor):
        """||W_l - W_l(0)|| after `step`'s update (moved: (len(ids), depth))."""
        self.rows[step, ids, 1 + 2 * self.depth:] = moved.double()

    def hold(self, step: int, v: int):
        """variant v took no update at `step` (it diverged): it stays where it was."""
        self.rows[step, v, 1 + 2 * self.depth:] = self.rows[step - 1, v, 1 + 2 * self.depth:] \
            if step else 0.0

    def fill(self, result: TrainResult, v: int):
        # float64, like train(): its numbers are python floats made from float32 tensors
        rows = self.rows[:self.steps_run[v], v].numpy()  # (steps, 1 + 3 depth)
        D = self.depth
        result.losses = rows[:, 0]
        result.grad_norms = rows[:, 1:D + 1]
        result.weight_grad_norms = rows[:, D + 1:2 * D + 1]
        with np.errstate(divide="ignore", invalid="ignore"):  # a zero start: inf or nan
            result.weight_moved = rows[:, 2 * D + 1:] / self.start_norms[v]


class Motion:
    """how far every block's weights have moved from their start: ||W_l - W_l(0)||.

    one subtraction and one batched norm per step, into buffers made once. a finite
    distance also says the block's weights are finite (their start was), so the divergence
    test needs no pass of its own over the big weights.
    """

    def __init__(self, stack: StackedMLP):
        self.start = stack.params.w.clone()  # (D, V, W, W)
        self.diff = torch.empty_like(self.start)
        self.norms = torch.empty(stack.variants, stack.shape.depth)  # (V, D)
        start = torch.linalg.vector_norm(self.start, dim=(2, 3), dtype=torch.float64)
        self.start_norms = start.T.numpy()  # (V, D)

    def measure(self, stack: StackedMLP) -> torch.Tensor:
        torch.sub(stack.params.w, self.start, out=self.diff)
        torch.linalg.vector_norm(self.diff, dim=(2, 3), out=self.norms.T)
        if not bool(torch.isfinite(self.norms).all()):
            # float32's sum of squares overflowed (or a weight is inf): float64 decides
            return torch.linalg.vector_norm(self.diff, dim=(2, 3), dtype=torch.float64).T
        return self.norms

    def keep(self, rows: torch.Tensor):
        self.start = self.start[:, rows]
        self.diff = torch.empty_like(self.start)
        self.norms = torch.empty(int(rows.sum()), self.start.shape[0])


def small_parts(parts: Parts) -> list[torch.Tensor]:
    """every part but the blocks' weights (stem, biases, head): a small fraction of the net."""
    return [parts.stem_w, parts.stem_b, parts.b, parts.head_w, parts.head_b]


def cheap_finite(stack: StackedMLP, stats: torch.Tensor, weights_finite: bool) -> bool:
    """the cheap test: every norm finite (loss, dL/dx, dL/dW), the small parts' gradients and
    values finite, and the big weights known finite (Motion)."""
    if not (weights_finite and bool(torch.isfinite(stats).all())):
        return False
    small = small_parts(stack.grads) + small_parts(stack.params)
    if bool(torch.isfinite(torch.stack(torch._foreach_norm(small))).all()):
        return True
    # an infinite norm of finite numbers (an exploding net's stem gradient): the elements
    return all(bool(torch.isfinite(t).all()) for t in small)


def variant_finite(stack: StackedMLP, i: int) -> bool:
    """every parameter and gradient of variant i is finite, looked at element by element."""
    tensors = parts_tensors(stack.params, i) + parts_tensors(stack.grads, i)
    return all(bool(torch.isfinite(t).all()) for t in tensors)


def make_optimizer(name: str, lr: float):
    return SGD(lr) if name == "sgd" else Adam(lr)


def train_together(
    nets: list[MLP],
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    steps: int,
    lr: float,
    optimizer: str,
    callback: Callable[[list[TrainResult]], bool | None] | None = None,
    callback_every: int = 10,
    live_nets: bool = True,
) -> list[TrainResult]:
    """train every net of `nets` (same shapes, any alphas) on (X, y) as train() would alone.

    arguments are checked by the caller (compare). a variant whose loss, a gradient or a
    parameter stops being finite stops there (diverged); the others go on. a norm that only
    overflowed float32 is taken again in float64 and stops nothing. `callback(results)`
    runs after the first step, every `callback_every` steps and at the end; False cancels
    them all. each result's .net holds the latest weights at every callback, unless
    `live_nets` is False: then only once the callback calls result.sync() (a callback at
    every step that rarely looks at the nets saves the copy, ~7 % of a step at depth 60).
    """
    stack = StackedMLP(nets)
    ws = Workspace(stack, X, y)
    opt = make_optimizer(optimizer, lr)
    record = Record(steps, len(nets), stack.shape.depth)
    motion = Motion(stack)
    record.start_norms = motion.start_norms
    # the big weights are finite while their distance from a finite start is
    weights_finite = bool(np.isfinite(motion.start_norms).all())
    results = [TrainResult(np.zeros(0), np.zeros((0, 0)), np.zeros((0, 0)), net=net,
                           config=dict(steps=steps, lr=lr, optimizer=optimizer,
                                       alpha=float(net.alpha)))
               for net in nets]
    ids = torch.arange(len(nets))  # the variants still training, in stack order
    start = time.perf_counter()

    def report(eager: bool = True):
        # the modules get the current weights, so result.net is usable at every callback
        # (or, lazily, once the callback asks: the copy is valid only until the next step)
        for i, v in enumerate(ids.tolist()):
            if eager:
                stack.copy_to(nets[v], i)
            else:
                results[v].pending_sync = functools.partial(stack.copy_to, nets[v], i)
            results[v].live_logits = functools.partial(stack.logits, v=i)
        for v, result in enumerate(results):
            record.fill(result, v)
            if not result.diverged:
                result.elapsed = time.perf_counter() - start

    exact = False  # once a float32 norm overflows, every later step takes them in float64
    for step in range(steps):
        stats = forward_backward(stack, ws, exact=exact)
        finite = None  # None: every variant finite, by the cheap test
        if not cheap_finite(stack, stats, weights_finite):
            if not exact:
                # a norm that overflowed float32, or the training itself non-finite: take the
                # norms in float64 (from now on: a run that overflowed once will again)
                exact = True
                stats = forward_backward(stack, ws, exact=True)
            if not cheap_finite(stack, stats, weights_finite):
                # something is inf or nan: the elements of each variant decide
                finite = torch.tensor([math.isfinite(float(stats[i, 0]))
                                       and variant_finite(stack, i)
                                       for i in range(stack.variants)], dtype=torch.bool)
        record.write(step, ids, stats)
        if finite is not None and not finite.all():
            # like train(): a diverged variant keeps the weights it had before this step
            for i in (~finite).nonzero().flatten().tolist():
                v = int(ids[i])
                stack.copy_to(nets[v], i)
                record.hold(step, v)
                results[v].diverged, results[v].diverged_at = True, step
                results[v].elapsed = time.perf_counter() - start
            opt.keep(stack.select(finite))
            stack.keep(finite)
            motion.keep(finite)
            ids = ids[finite]
            ws = Workspace(stack, X, y)
        if len(ids):
            opt.step(stack.flat, stack.grad)
            moved = motion.measure(stack)
            record.moved(step, ids, moved)
            weights_finite = bool(torch.isfinite(moved).all())
        done = step == steps - 1 or not len(ids)
        if callback is not None and (step == 0 or (step + 1) % callback_every == 0 or done):
            report(eager=live_nets)
            stop = callback(results) is False
            for result in results:
                # a late sync() would copy another step's weights
                result.pending_sync = result.live_logits = None
            if stop:
                for result in results:
                    result.cancelled = True
                break
        if done:
            break
    report()
    for result in results:
        result.live_logits = None  # it would keep the stack's buffers alive in a cache
    if len(ids):
        predictions = forward(stack, ws).argmax(dim=2)  # (V, n)
        for i, v in enumerate(ids.tolist()):
            results[v].accuracy = float((predictions[i] == y).float().mean())
    return results
