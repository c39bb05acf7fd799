"""core: the networks, the data, gradient capture and training (imports nothing above it)."""

from .capture import GradientRecorder
from .compare import compare, variant_label
from .convnets import ConvNet, PlainConvBlock, ResNetBlock, make_convnet
from .data import DATASETS, make_dataset
from .denoise import Denoiser, train_denoisers
from .digits import DigitRun, Digits, load_digits, misclassified, train_digits
from .images import add_noise, make_shapes, mean_filter, psnr
from .limits import MAX_DEPTH, MAX_LR, MAX_SEED, MAX_STEPS, MAX_WIDTH
from .models import (
    ACTIVATIONS,
    BRANCHES,
    MLP,
    NORMS,
    PlainBlock,
    PreActResidualBlock,
    ResidualBlock,
    make_mlp,
)
from .scales import (
    CRITICAL,
    INIT_REFERENCES,
    describe_init_scale,
    gain_for_init_scale,
    init_scale_for_gain,
    init_scale_for_std,
    relative_to,
    weight_std,
)
from .sequences import SequenceRun, make_sequences, train_sequences
from .train import OPTIMIZERS, TrainResult, accuracy, train
from .transformer import PostLNBlock, PreLNBlock, TinyTransformer, make_transformer
from .unet import ResidualConvBlock, TinyUNet, count_params, make_unet

__all__ = [
    # lesson 10: conv nets on scikit-learn's 8x8 digits
    "ConvNet",
    "DigitRun",
    "Digits",
    "PlainConvBlock",
    "ResNetBlock",
    "load_digits",
    "make_convnet",
    "misclassified",
    "train_digits",
    # lesson 11: pre-ln and post-ln transformers on digit strings
    "PostLNBlock",
    "PreLNBlock",
    "SequenceRun",
    "TinyTransformer",
    "make_sequences",
    "make_transformer",
    "train_sequences",
    "ACTIVATIONS",
    "CRITICAL",
    "INIT_REFERENCES",
    # make_mlp(norm=...): "none" | "batch" | "layer", between each layer and its activation
    # make_mlp(branch=...): "standard" | "scaled" (1/sqrt(L)) | "rezero" | "fixup"
    "BRANCHES",
    "DATASETS",
    "MAX_DEPTH",
    "MAX_LR",
    "MAX_SEED",
    "MAX_STEPS",
    "MAX_WIDTH",
    "MLP",
    "NORMS",
    "OPTIMIZERS",
    "Denoiser",
    "GradientRecorder",
    "PlainBlock",
    "PreActResidualBlock",
    "ResidualBlock",
    "ResidualConvBlock",
    "TinyUNet",
    "TrainResult",
    "accuracy",
    "add_noise",
    "compare",
    "count_params",
    "describe_init_scale",
    "gain_for_init_scale",
    "init_scale_for_gain",
    "init_scale_for_std",
    "make_dataset",
    "make_mlp",
    "make_shapes",
    "make_unet",
    "mean_filter",
    "psnr",
    "relative_to",
    "train",
    "train_denoisers",
    "variant_label",
    "weight_std",
]
