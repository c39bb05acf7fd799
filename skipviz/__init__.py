"""skipviz: see why skip and residual connections keep deep networks trainable.

the package is laid out in layers, imports flowing one way:
core (nets, data, training) -> measure (what the lessons compute) -> viz (palette, artists)
-> lessons (widgets and figures of each lesson) and app (the dashboard).
`import skipviz as sv` gives the names the lessons use; nothing here changes global state
(the dashboard, the lessons and the benchmarks set torch's thread count themselves).
"""

from .core import (
    ACTIVATIONS,
    DATASETS,
    MLP,
    Denoiser,
    GradientRecorder,
    PlainBlock,
    ResidualBlock,
    ResidualConvBlock,
    TinyUNet,
    TrainResult,
    add_noise,
    compare,
    make_dataset,
    make_mlp,
    make_shapes,
    make_unet,
    psnr,
    train,
    train_denoisers,
    variant_label,
)
from .measure import (
    BREAK_MODES,
    backward_signal,
    block_jacobian,
    break_block,
    break_each,
    end_to_end_jacobian,
    forward_signal,
    identity_gap,
    jacobian_singular_values,
    loss_landscape,
    plain_twin,
    random_chain_singular_values,
    scalar_chain,
)
from .viz import PLAIN_COLOR, RESIDUAL_COLOR, variant_color

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
