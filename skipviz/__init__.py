"""skipviz: see why skip and residual connections keep deep networks trainable."""

import torch

from .compare import compare
from .data import DATASETS, make_dataset
from .denoise import Denoiser, train_denoisers
from .grads import GradientRecorder
from .images import add_noise, make_shapes, psnr
from .models import ACTIVATIONS, MLP, PlainBlock, ResidualBlock, make_mlp
from .plots import PLAIN_COLOR, RESIDUAL_COLOR, variant_color, variant_label
from .probe import BREAK_MODES, backward_signal, break_block, break_each, forward_signal
from .theory import (
    block_jacobian,
    end_to_end_jacobian,
    identity_gap,
    jacobian_singular_values,
    loss_landscape,
    plain_twin,
    random_chain_singular_values,
    scalar_chain,
)
from .train import TrainResult, train
from .unet import ResidualConvBlock, TinyUNet, make_unet

# the models here are tiny: extra threads cost more than they give, and binder has one cpu
torch.set_num_threads(1)

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
