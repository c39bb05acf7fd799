"""argument checks shared by every public function: one clear ValueError each."""

from __future__ import annotations

import math
from numbers import Integral, Real


def check_int(name: str, value, lo: int, hi: int | None = None) -> int:
    # bools are ints in python, but depth=True is a mistake, not a number
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be a whole number in {_range(lo, hi)}, got {value!r}")
    if value < lo or (hi is not None and value > hi):
        raise ValueError(f"{name} must be in {_range(lo, hi)}, got {value}")
    return int(value)


def check_float(name: str, value, lo: float | None = None, hi: float | None = None,
                positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not _finite(value):
        bounds = _bounds(lo, hi, positive)
        raise ValueError(f"{name} must be a finite number{bounds}, got {value!r}")
    value = float(value)
    if positive and value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {value}")
    return value


def check_choice(name: str, value, choices) -> str:
    # compare like with like: an array's == would answer with an array, not a bool
    if not any(isinstance(value, type(c)) and value == c for c in choices):
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def check_skip(skip) -> float:
    """skip may be a bool (True = 1, False = 0) or a strength alpha in [0, 1]."""
    if isinstance(skip, bool):
        return 1.0 if skip else 0.0
    return check_float("skip", skip, 0.0, 1.0)


def _finite(value) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:
        # an int too big for a float (10**400) is no finite float either
        return False


def _range(lo, hi) -> str:
    return f"[{lo}, {hi}]" if hi is not None else f"[{lo}, inf)"


def _bounds(lo, hi, positive) -> str:
    if positive:
        return " > 0"
    if lo is not None or hi is not None:
        return f" in [{lo}, {hi}]"
    return ""
