"""make_mlp's net and its training written again in bare pytorch, for the lessons' check cells.

nothing here calls make_mlp, train, compare or the gradient recorder: the layers are plain
nn.Linear / nn.BatchNorm1d / nn.LayerNorm tensors, the forward is one loop, the gradients come
from autograd (retain_grad), the optimiser is torch.optim's. the weights are drawn in
make_mlp's order (stem, each block's layer, head), so after one torch.manual_seed both start
from the same numbers and any claim a lesson makes can be re-measured here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

ACTS = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid, "gelu": F.gelu,
        "linear": lambda z: z}
NORMS = {"none": lambda width: nn.Identity(), "batch": nn.BatchNorm1d, "layer": nn.LayerNorm}


@dataclass
class BareRun:
    """what the bare loop measured: step 0's profile, then the loss at every step."""

    variance: np.ndarray  # (depth + 1,) Var over the batch of x_0 .. x_L at step 0
    grad_norms: np.ndarray  # (depth,) ||dL/dx_l|| at block l's input at step 0
    losses: list = field(default_factory=list)
    diverged_at: int | None = None  # first step whose loss or gradients were not finite

    @property
    def gradient_ratio(self) -> float:
        return float(self.grad_norms[0] / self.grad_norms[-1])

    @property
    def growth(self) -> float:
        return float(self.variance[-1] / self.variance[0])


def bare_run(X, y, *, depth: int, width: int = 32, activation: str = "tanh",
             alpha: float = 1.0, norm: str = "none", branch: str = "standard",
             init_scale: float = 1.0, steps: int = 0, lr: float = 1e-2,
             optimizer: str = "adam", momentum: float = 0.9, seed: int = 0) -> BareRun:
    """build the net from `seed`, measure step 0, then take `steps` full-batch steps.

    block l: x_{l+1} = s_l * act(norm(W_l x_l + b_l)) + alpha * x_l, with s_l = 1, 1/sqrt(L),
    a learnt scalar from 0 (rezero) or from 1 with W_l = 0 (fixup). steps=0 only measures.
    """
    X, y = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y)
    act = ACTS[activation]
    torch.manual_seed(seed)
    stem = nn.Linear(X.shape[1], width)
    fcs = [nn.Linear(width, width) for _ in range(depth)]
    head = nn.Linear(width, 2)
    norms = [NORMS[norm](width) for _ in range(depth)]
    start = {"standard": 1.0, "scaled": 1 / math.sqrt(depth), "rezero": 0.0, "fixup": 1.0}[branch]
    learnt = branch in ("rezero", "fixup")
    scales = [torch.tensor(start, requires_grad=learnt) for _ in range(depth)]
    with torch.no_grad():
        for fc in fcs:
            fc.weight.mul_(init_scale)
            if branch == "fixup":
                fc.weight.zero_()
    params = [*stem.parameters(), *(p for fc in fcs for p in fc.parameters()),
              *(p for n in norms for p in n.parameters()), *head.parameters(),
              *(s for s in scales if learnt)]

    def forward():
        h = stem(X)
        xs = []
        for fc, nrm, s in zip(fcs, norms, scales, strict=True):
            h.retain_grad()
            xs.append(h)
            h = s * act(nrm(fc(h))) + alpha * h
        xs.append(h)
        return F.cross_entropy(head(h), y), xs

    torch.manual_seed(seed)
    # foreach: the same arithmetic as the default loop over tensors, in fewer calls
    opt = (torch.optim.SGD(params, lr=lr, momentum=momentum, foreach=True) if optimizer == "sgd"
           else torch.optim.Adam(params, lr=lr, foreach=True))
    loss, xs = forward()
    loss.backward()
    run = BareRun(
        variance=np.array([x.detach().double().var(0, unbiased=False).mean().item() for x in xs]),
        grad_norms=np.array([x.grad.double().norm().item() for x in xs[:-1]]),
    )
    for step in range(steps):
        if step:
            opt.zero_grad()
            loss, _ = forward()
            loss.backward()
        run.losses.append(loss.item())
        grads_finite = all(bool(torch.isfinite(p.grad).all()) for p in params
                           if p.grad is not None)
        if not (math.isfinite(run.losses[-1]) and grads_finite):
            run.diverged_at = step
            break
        opt.step()
    return run
