"""skipviz: see why skip and residual connections keep deep networks trainable.

the package is laid out in layers, imports flowing one way:
core (nets, data, training) -> measure (what the lessons compute) -> viz (palette, artists)
-> lessons (widgets and figures of each lesson) and app (the dashboard).
`import skipviz as sv` gives the names the lessons use. they load on first use, so a process
that only serves pages (`skipviz serve`) never imports torch; nothing here changes global
state (the dashboard, the lessons and the benchmarks set torch's thread count themselves).
"""

from __future__ import annotations

import importlib

# public name -> the layer that holds it (see each layer's __all__)
_HOME = {
    "ACTIVATIONS": "core",
    "DATASETS": "core",
    "MLP": "core",
    "Denoiser": "core",
    "GradientRecorder": "core",
    "PlainBlock": "core",
    "ResidualBlock": "core",
    "ResidualConvBlock": "core",
    "TinyUNet": "core",
    "TrainResult": "core",
    "add_noise": "core",
    "compare": "core",
    "make_dataset": "core",
    "make_mlp": "core",
    "make_shapes": "core",
    "make_unet": "core",
    "psnr": "core",
    "train": "core",
    "train_denoisers": "core",
    "variant_label": "core",
    "BREAK_MODES": "measure",
    "backward_signal": "measure",
    "block_jacobian": "measure",
    "break_block": "measure",
    "break_each": "measure",
    "end_to_end_jacobian": "measure",
    "forward_signal": "measure",
    "identity_gap": "measure",
    "jacobian_singular_values": "measure",
    "loss_landscape": "measure",
    "plain_twin": "measure",
    "random_chain_singular_values": "measure",
    "scalar_chain": "measure",
    "PLAIN_COLOR": "viz",
    "RESIDUAL_COLOR": "viz",
    "variant_color": "viz",
}
_LAYERS = ("core", "measure", "viz", "lessons", "app", "serve")

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "BREAK_MODES",
    "DATASETS",
    "Denoiser",
    "MLP",
    "PLAIN_COLOR",
    "RESIDUAL_COLOR",
    "GradientRecorder",
    "PlainBlock",
    "ResidualBlock",
    "ResidualConvBlock",
    "TinyUNet",
    "TrainResult",
    "add_noise",
    "backward_signal",
    "block_jacobian",
    "break_block",
    "break_each",
    "compare",
    "end_to_end_jacobian",
    "forward_signal",
    "identity_gap",
    "jacobian_singular_values",
    "loss_landscape",
    "make_dataset",
    "make_mlp",
    "make_shapes",
    "make_unet",
    "plain_twin",
    "psnr",
    "random_chain_singular_values",
    "scalar_chain",
    "train",
    "train_denoisers",
    "variant_color",
    "variant_label",
]


def __getattr__(name: str):
    # pep 562: `sv.compare` imports skipviz.core on first use, `sv.app` the app layer
    if name in _HOME:
        value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
        globals()[name] = value
        return value
    if name in _LAYERS:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'skipviz' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_HOME) | set(_LAYERS))
