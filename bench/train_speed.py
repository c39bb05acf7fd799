"""how fast does skipviz.compare train, next to the loop a tutorial would write?

    python bench/train_speed.py            # table + a last line of JSON
    python bench/train_speed.py --plot     # also docs/perf.png (cost vs depth and width)
    OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 python bench/train_speed.py
                                           # the blocks' matmuls through OpenBLAS's AVX-512
                                           # kernels (skipviz.engine.layer_matmul_library)

everything runs in this one process on one thread, interleaved and repeated; the numbers
are medians (wall clock) with the process's cpu time beside them, because the machine
may be shared. the matmul peak is measured here too, in the same run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import skipviz as sv  # noqa: E402
from skipviz.core.engine import (  # noqa: E402
    LAYER_MATMUL,
    Adam,
    StackedMLP,
    Workspace,
    forward_backward,
)

torch.set_num_threads(1)
N = 512  # full batch of 2-d points


def naive(X, y, depth, width, steps, alphas=(0.0, 1.0), lr=1e-2, seed=0):
    """the tutorial loop: one net after the other, autograd, torch.optim.Adam, and the
    per-layer gradient norms read from .grad after each backward."""
    for alpha in alphas:
        torch.manual_seed(seed)
        net = sv.make_mlp(depth, width, alpha)
        opt = torch.optim.Adam(net.parameters(), lr=lr)
        losses, grad_norms, weight_grad_norms = [], [], []
        for _ in range(steps):
            opt.zero_grad()
            x = net.stem(X)
            inputs = []
            for block in net.blocks:
                x.retain_grad()
                inputs.append(x)
                x = block(x)
            loss = F.cross_entropy(net.head(x), y)
            loss.backward()
            losses.append(loss.item())
            grad_norms.append([t.grad.norm().item() for t in inputs])
            weight_grad_norms.append([b.fc.weight.grad.norm().item() for b in net.blocks])
            opt.step()


def one_by_one(X, y, depth, width, steps, alphas=(0.0, 1.0), seed=0):
    """what compare() did before the engine: train() (autograd + gradient hooks) per net."""
    for alpha in alphas:
        torch.manual_seed(seed)
        sv.train(sv.make_mlp(depth, width, alpha), X, y, steps=steps, seed=seed)


def engine(X, y, depth, width, steps):
    sv.compare(X, y, depth=depth, width=width, steps=steps)


def timed(fn, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def medians(runs):
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def matmul_peak(seconds: float = 1.5, library: str = "torch") -> float:
    """the best single-thread float32 rate a large square matmul reaches, in GFLOP/s.

    the best of many short runs: on a shared machine most runs are slowed by others.
    library "torch" is MKL (AVX2 code on AMD cpus), "numpy" is OpenBLAS (AVX-512 kernels
    when started with OPENBLAS_CORETYPE=SkylakeX): the cpu's peak is the better of the two."""
    best, size = 0.0, 1024
    A, B, C = torch.randn(size, size), torch.randn(size, size), torch.empty(size, size)
    if library == "numpy":
        A, B, C = A.numpy(), B.numpy(), C.numpy()
        mm = np.matmul
    else:
        mm = torch.mm
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        mm(A, B, out=C)
        best = max(best, 2 * size**3 / (time.perf_counter() - t) / 1e9)
    return best


def step_flops(depth, width, variants=2, n_in=2, n_out=2):
    """matmul flops of one forward + backward: 3 matmuls per layer (z, dL/dx, dL/dW)."""
    blocks = 3 * 2 * N * width * width * depth
    stem = 2 * 2 * N * n_in * width  # forward and dL/dW (no dL/dX needed)
    head = 3 * 2 * N * width * n_out
    return variants * (blocks + stem + head)


def step_time(X, y, depth, width, steps, best=False):
    """median (or best) wall and cpu time of one steady-state training step: forward,
    backward, gradient norms, adam."""
    nets = []
    for alpha in (0.0, 1.0):
        torch.manual_seed(0)
        nets.append(sv.make_mlp(depth, width, alpha))
    stack = StackedMLP(nets)
    ws, opt = Workspace(stack, X, y), Adam(1e-2)
    runs = []
    for i in range(steps + 3):
        w, c = time.perf_counter(), time.process_time()
        forward_backward(stack, ws)
        opt.step(stack.flat, stack.grad)
        if i >= 3:  # the first steps warm caches and the allocator
            runs.append((time.perf_counter() - w, time.process_time() - c))
    if best:
        return min(r[0] for r in runs), min(r[1] for r in runs)
    return medians(runs)


def compare_with_naive(X, y, depth, width, steps, repeats):
    """interleaved runs of all three, so a busy machine slows them alike."""
    runs = {naive: [], one_by_one: [], engine: []}
    engine(X, y, depth, width, 2)  # warm up
    # progress goes to stderr: stdout keeps the table and its last line of json
    for _ in tqdm(range(repeats), desc=f"depth {depth} width {width}", leave=False):
        for fn, times in runs.items():
            times.append(timed(fn, X, y, depth, width, steps))
    (nw, nc), (ow, oc), (ew, ec) = (medians(runs[fn]) for fn in (naive, one_by_one, engine))
    return dict(depth=depth, width=width, steps=steps, naive_s=nw, train_s=ow, engine_s=ew,
                speedup=nw / ew, naive_cpu_s=nc, engine_cpu_s=ec, speedup_cpu=nc / ec,
                speedup_vs_train=ow / ew)


def dashboard_time(X, y, depth, width, steps, repeats):
    runs = [timed(engine, X, y, depth, width, steps) for _ in range(repeats)]
    wall, cpu = medians(runs)
    return dict(depth=depth, width=width, steps=steps, wall_s=wall, cpu_s=cpu,
                best_wall_s=min(r[0] for r in runs))


def sweep(X, y, depths, widths, steps):
    rows = []
    for depth, width in tqdm([(d, w) for d in depths for w in widths], desc="sweep", leave=False):
        wall, cpu = step_time(X, y, depth, width, steps)
        rows.append(dict(depth=depth, width=width, step_ms=wall * 1e3, cpu_ms=cpu * 1e3,
                         gflops=step_flops(depth, width) / cpu / 1e9))
    return rows


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (by_depth, by_width) = plt.subplots(1, 2, figsize=(9, 3.5))
    widths = sorted({r["width"] for r in rows})
    depths = sorted({r["depth"] for r in rows})
    for width in widths:
        pts = [(r["depth"], r["cpu_ms"]) for r in rows if r["width"] == width]
        by_depth.plot(*zip(*pts, strict=True), "o-", label=f"width {width}")
    for depth in depths:
        pts = [(r["width"], r["cpu_ms"]) for r in rows if r["depth"] == depth]
        by_width.plot(*zip(*pts, strict=True), "o-", label=f"depth {depth}")
    # a width² guide through the widest point of the deepest net
    top = max(rows, key=lambda r: (r["depth"], r["width"]))
    by_width.plot(widths, [top["cpu_ms"] * (w / top["width"]) ** 2 for w in widths], "k--",
                  lw=0.8, label="∝ width²")
    by_depth.set(xlabel="depth", ylabel="cpu ms per step (plain + residual)",
                 title="cost grows linearly with depth")
    by_width.set(xlabel="width", ylabel="cpu ms per step", xscale="log", yscale="log",
                 title="and towards width² as matmuls dominate")
    by_width.minorticks_off()
    by_width.set_xticks(widths, [str(w) for w in widths])
    for ax in (by_depth, by_width):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    library = "OpenBLAS (AVX-512)" if LAYER_MATMUL == "numpy" else "MKL"
    fig.suptitle(f"one training step, blocks' matmuls through {library}", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--plot", action="store_true", help="write docs/perf.png")
    args = parser.parse_args(argv)
    X, y = sv.make_dataset("spirals", n=N, seed=0)

    print(f"the blocks' matmuls run through {LAYER_MATMUL}"
          f" ({'OpenBLAS' if LAYER_MATMUL == 'numpy' else 'MKL'})")
    peaks = {lib: matmul_peak(library=lib) for lib in ("torch", "numpy")}

    print("\ngoal 1: compare() vs the tutorial loop (plain + residual, adam, grad norms)")
    # the dashboard's 300 steps at depth 50; fewer at depth 100 width 64, where a step is long
    ratios = [compare_with_naive(X, y, 50, 32, 300, args.repeats),
              compare_with_naive(X, y, 100, 64, 30, args.repeats)]
    print(f"{'depth':>5} {'width':>5} {'steps':>5} {'tutorial':>9} {'train()x2':>9}"
          f" {'compare':>8} {'speedup':>7} {'(cpu)':>6}")
    for r in ratios:
        print(f"{r['depth']:5d} {r['width']:5d} {r['steps']:5d} {r['naive_s']:8.3f}s"
              f" {r['train_s']:8.3f}s {r['engine_s']:7.3f}s {r['speedup']:6.1f}x"
              f" {r['speedup_cpu']:5.1f}x   cpu s: {r['naive_cpu_s']:.3f} vs"
              f" {r['engine_cpu_s']:.3f}")

    # best against best: the peak is the fastest matmul seen (here, before and after the
    # step), so the step is its fastest too
    wall, cpu = step_time(X, y, 100, 64, 15, best=True)
    peaks = {lib: max(peaks[lib], matmul_peak(library=lib)) for lib in peaks}
    peak = max(peaks.values())
    print(f"\nmatmul peak (1 thread, float32, 1024 square, best run): {peak:.1f} GFLOP/s"
          f" (MKL {peaks['torch']:.1f}, OpenBLAS {peaks['numpy']:.1f})")
    median_wall, _ = step_time(X, y, 100, 64, 15)
    rate = step_flops(100, 64) / wall / 1e9
    print(f"\ngoal 2: depth 100 width 64, one training step {wall * 1e3:.1f} ms at best"
          f" (median {median_wall * 1e3:.1f} ms), {step_flops(100, 64) / 1e9:.2f} GFLOP of"
          f" matmuls: {rate:.1f} GFLOP/s = {rate / peak:.0%} of the peak")

    print("\ngoal 3: compare(), plain + residual, 300 steps, whole call")
    dash = [dashboard_time(X, y, 20, 32, 300, args.repeats),
            dashboard_time(X, y, 100, 32, 300, args.repeats)]
    for d in dash:
        print(f"  depth {d['depth']:3d} width {d['width']}: {d['wall_s']:.3f} s"
              f" (best {d['best_wall_s']:.3f} s, cpu {d['cpu_s']:.3f} s)")

    print("\nsweep: one training step (plain + residual), steady state")
    rows = sweep(X, y, depths=(10, 20, 50, 100, 200), widths=(16, 32, 64, 128), steps=8)
    print(f"{'depth':>5} {'width':>5} {'ms':>8} {'cpu ms':>8} {'GFLOP/s':>8}")
    for r in rows:
        print(f"{r['depth']:5d} {r['width']:5d} {r['step_ms']:8.2f} {r['cpu_ms']:8.2f}"
              f" {r['gflops']:8.1f}")
    if args.plot:
        path = Path(__file__).resolve().parents[1] / "docs" / "perf.png"
        plot(rows, path)
        print(f"wrote {path}")

    summary = dict(
        layer_matmul=LAYER_MATMUL,
        peak_gflops=round(peak, 1),
        peak_mkl_gflops=round(peaks["torch"], 1),
        peak_openblas_gflops=round(peaks["numpy"], 1),
        speedup_d50_w32=round(ratios[0]["speedup"], 2),
        speedup_d100_w64=round(ratios[1]["speedup"], 2),
        speedup_cpu_d50_w32=round(ratios[0]["speedup_cpu"], 2),
        speedup_cpu_d100_w64=round(ratios[1]["speedup_cpu"], 2),
        speedup_vs_train_d50_w32=round(ratios[0]["speedup_vs_train"], 2),
        speedup_vs_train_d100_w64=round(ratios[1]["speedup_vs_train"], 2),
        step_gflops_d100_w64=round(rate, 1),
        fraction_of_peak=round(rate / peak, 3),
        dashboard_d20_w32_300_s=round(dash[0]["wall_s"], 3),
        dashboard_d20_w32_300_cpu_s=round(dash[0]["cpu_s"], 3),
        d100_w32_300_s=round(dash[1]["wall_s"], 3),
        d100_w32_300_cpu_s=round(dash[1]["cpu_s"], 3),
    )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
