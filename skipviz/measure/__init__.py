"""measure: the numbers the lessons show, computed from core's nets (jacobians, landscapes,
probes, the one verdict on a gradient profile)."""

from .boundary import decision_grid
from .degradation import depth_sweep, parse_depths
from .growth_terms import GrowthTerms, growth_terms
from .identity import block_pair, identity_distance, scale_branch, through
from .jacobians import (
    block_jacobian,
    chain_singular_values,
    end_to_end_jacobian,
    identity_gap,
    jacobian_singular_values,
    mlp_chain_singular_values,
    plain_twin,
    random_chain_singular_values,
    scalar_chain,
)
from .landscape import loss_landscape
from .paths import PathGradients, path_gradient_profile, path_gradients, path_length_distribution
from .probes import (
    BREAK_MODES,
    DeletionCurve,
    backward_signal,
    break_block,
    break_each,
    deletion_curve,
    forward_signal,
    without_blocks,
)
from .reference import BareRun, bare_run
from .signal_scale import SignalScale, signal_scale
from .summary import describe_run, gradient_ratio, regime
from .verdict import THRESHOLDS, VERDICTS, gradient_orders, verdict

__all__ = [
    "BREAK_MODES",
    "BareRun",
    "DeletionCurve",
    "GrowthTerms",
    "PathGradients",
    "SignalScale",
    "THRESHOLDS",
    "VERDICTS",
    "backward_signal",
    "bare_run",
    "block_jacobian",
    "block_pair",
    "break_block",
    "break_each",
    "chain_singular_values",
    "decision_grid",
    "deletion_curve",
    "depth_sweep",
    "describe_run",
    "end_to_end_jacobian",
    "forward_signal",
    "gradient_orders",
    "gradient_ratio",
    "growth_terms",
    "identity_distance",
    "identity_gap",
    "jacobian_singular_values",
    "loss_landscape",
    "mlp_chain_singular_values",
    "parse_depths",
    "path_gradient_profile",
    "path_gradients",
    "path_length_distribution",
    "plain_twin",
    "random_chain_singular_values",
    "regime",
    "scalar_chain",
    "scale_branch",
    "signal_scale",
    "through",
    "verdict",
    "without_blocks",
]
