"""the dashboard's settings: defaults, allowed ranges, and the shareable query string."""

from __future__ import annotations

import inspect
import math
from dataclasses import asdict, dataclass, fields, replace
from urllib.parse import parse_qsl, quote, urlencode

import numpy as np
import torch

from ..core.checks import check_choice, check_float, check_int
from ..core.compare import compare
from ..core.data import DATASETS
from ..core.models import ACTIVATIONS, BRANCHES, NORMS
from ..core.train import OPTIMIZERS

LANGS = ("en", "zh")
TRUE_WORDS = ("1", "true", "on", "yes")
FALSE_WORDS = ("0", "false", "off", "no")
MAX_NOTES = 8  # a link with a thousand bad items gets a few notes and a count, not a wall
MAX_TEXT = 100  # characters of one query value that are read (a drawn dataset may take more)
DRAWN = "drawn"  # the dataset a learner draws by clicking
MAX_POINTS = 120  # points of a drawn dataset: 2 characters each keep the link short
CODE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"  # 64 grid positions
PLANE = 2.5  # a drawn point lives in [-PLANE, PLANE]^2, the other datasets' scale
# what one setting may cost: steps x depth x width^2 x variants. 4e8 is ~25 s of training on
# one free core of this machine's kind (the default depth-60 comparison is 2.5e7, 1.6 s); a
# setting above it trains with fewer steps, and the page says so (issue 14, D7)
WORK_BUDGET = 4e8
GRID = 50  # decision maps are GRID x GRID points (each map is one forward pass of the net)


@dataclass(frozen=True)
class Settings:
    """one configuration of the dashboard; every field is also a query-string key."""

    depth: int = 20
    skip: bool = True
    alpha: float = 1.0
    activation: str = "tanh"
    init_scale: float = 1.0
    width: int = 32
    dataset: str = "spirals"
    steps: int = 200
    lr: float = 0.01
    seed: int = 0
    lang: str = "en"
    compare: bool = True
    optimizer: str = "adam"
    norm: str = "none"
    branch: str = "standard"  # how the residual branch is scaled (make_mlp's branch=)
    points: str = ""  # the drawn dataset (dataset="drawn"): see encode_points

    def __post_init__(self):
        # every way of making settings (code, widgets, query) meets the same checks
        for f in fields(self):
            check_setting(f.name, getattr(self, f.name))

    def with_(self, **changes) -> Settings:
        """a copy with `changes` applied, each one checked (ValueError names the bad one)."""
        return replace(self, **{k: check_setting(k, v) for k, v in changes.items()})

    @property
    def alphas(self) -> tuple[float, ...]:
        """the shortcut strengths to train: plain and the skip variant, or just the chosen one."""
        skip_alpha = self.alpha if self.skip else 0.0
        if self.compare:
            return (0.0,) if self.alpha == 0 else (0.0, self.alpha)
        return (skip_alpha,)

    @property
    def focus_alpha(self) -> float:
        """the variant the skip control points at: the one the status line names first."""
        return self.alpha if self.skip else 0.0

    def same_training(self, other: Settings) -> bool:
        """true if `other` trains the same runs (it may differ in language or in focus)."""
        return self.run_key(None)[:-1] + self.alphas == other.run_key(None)[:-1] + other.alphas

    def run_key(self, alpha: float | None) -> tuple:
        """what decides one variant's training run (language and view options do not)."""
        points = self.points if self.dataset == DRAWN else ""
        return (self.dataset, self.depth, self.width, self.activation, self.init_scale,
                self.steps, self.lr, self.seed, self.optimizer, self.norm, self.branch, points,
                None if alpha is None else float(alpha))

    def train_options(self) -> dict:
        """compare()'s keyword arguments for this setting (steps included)."""
        options = dict(depth=self.depth, width=self.width, activation=self.activation,
                       init_scale=self.init_scale, steps=self.steps, lr=self.lr,
                       seed=self.seed, optimizer=self.optimizer, norm=self.norm,
                       branch=self.branch)
        return {k: v for k, v in options.items() if k in COMPARE_OPTIONS}

    @property
    def cost(self) -> float:
        """the work this setting asks for: steps x depth x width^2 x variants trained."""
        return float(self.steps) * self.depth * self.width ** 2 * len(self.alphas)


# the ranges the controls offer; check_setting enforces the same ones for typed and query values.
# the dashboard narrows the package's limits (core/limits.py) here, and only here: depth to what
# retrains in seconds, seeds to what a javascript int slider holds exactly
RANGES = {
    "depth": (1, 200),
    "alpha": (0.0, 1.0),
    "width": (2, 128),
    "steps": (10, 2000),
    "seed": (0, 2**31 - 1),
}
# learning rate and init scale come in steps (as in tensorflow playground): links stay exact
PRESETS = {
    "lr": (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0),
    "init_scale": (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0),
}
CHOICES = {"activation": tuple(ACTIVATIONS), "dataset": (*DATASETS, DRAWN), "lang": LANGS,
           "optimizer": OPTIMIZERS, "norm": tuple(NORMS), "branch": tuple(BRANCHES)}
FIELD_NAMES = tuple(f.name for f in fields(Settings))
COMPARE_OPTIONS = tuple(inspect.signature(compare).parameters)


def check_points(text) -> str:
    """a drawn dataset's code: pairs of grid letters, class 0 before the '.', class 1 after."""
    if not isinstance(text, str):
        raise ValueError(f"points must be text, got {type(text).__name__}")
    parts = text.split(".")
    if len(parts) > 2 or any(len(p) % 2 for p in parts) or any(c not in CODE for c in
                                                               "".join(parts)):
        raise ValueError("points must be pairs of the letters A-Z a-z 0-9 - _ "
                         f"(class 0, then '.' and class 1), got {_clip(text)!r}")
    if len("".join(parts)) // 2 > MAX_POINTS:
        raise ValueError(f"points must hold at most {MAX_POINTS} points, "
                         f"got {len(''.join(parts)) // 2}")
    return text


def encode_points(X, y) -> str:
    """the code of points X (n, 2) with labels y: each coordinate one of 64 grid letters."""
    X, y = np.asarray(X, dtype=np.float64).reshape(-1, 2), np.asarray(y).astype(int).ravel()
    cells = np.clip(np.rint((X + PLANE) / (2 * PLANE) * 63), 0, 63).astype(int)
    return ".".join("".join(CODE[a] + CODE[b] for a, b in cells[y == c]) for c in (0, 1))


def drawn_points(text: str):
    """(X, y) tensors of a drawn dataset's code (the inverse of encode_points)."""
    parts = (check_points(text).split(".") + [""])[:2]
    xs, ys = [], []
    for label, part in enumerate(parts):
        for i in range(0, len(part), 2):
            a, b = CODE.index(part[i]), CODE.index(part[i + 1])
            xs.append([a / 63 * 2 * PLANE - PLANE, b / 63 * 2 * PLANE - PLANE])
            ys.append(label)
    X = torch.tensor(xs, dtype=torch.float32).reshape(-1, 2)
    return X, torch.tensor(ys, dtype=torch.int64)


def points_problem(s: Settings) -> str | None:
    """why a drawn dataset cannot train yet (None if it can, or is not drawn)."""
    if s.dataset != DRAWN:
        return None
    _, y = drawn_points(s.points)
    if not (y == 0).any() or not (y == 1).any():
        return "draw at least one point of each class"
    return None


def fit_budget(s: Settings) -> tuple[Settings, str | None]:
    """`s` with its steps lowered (to a multiple of 10) if it costs more than WORK_BUDGET."""
    if s.cost <= WORK_BUDGET:
        return s, None
    per_step = s.cost / s.steps
    lo = RANGES["steps"][0]
    steps = max(lo, int(WORK_BUDGET / per_step) // 10 * 10)
    note = (f"steps lowered from {s.steps} to {steps}: one setting may cost at most "
            f"steps × depth × width² × nets = {WORK_BUDGET:.0e} (about 25 s of training)")
    return replace(s, steps=steps), note


STARTER = encode_points([[-1.2, -0.8], [-0.6, -1.4], [-1.5, 0.2], [1.2, 0.9], [0.5, 1.4],
                         [1.4, -0.2]], [0, 0, 0, 1, 1, 1])


def check_setting(name: str, value):
    """return `value` checked for setting `name`, or raise ValueError naming it and its range."""
    check_choice("setting", name, FIELD_NAMES)
    if name in ("skip", "compare"):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be True or False, got {value!r}")
        return value
    if name == "points":
        return check_points(value)
    if name in CHOICES:
        return check_choice(name, value, CHOICES[name])
    if name in PRESETS:
        value = check_float(name, value, PRESETS[name][0], PRESETS[name][-1])
        return check_choice(name, value, PRESETS[name])
    lo, hi = RANGES[name]
    if isinstance(lo, int):
        return check_int(name, value, lo, hi)
    return check_float(name, value, lo, hi)


def parse_value(name: str, text: str):
    """turn the text of a query value (or a typed box) into the setting's type, checked."""
    text = text.strip()
    if name in ("skip", "compare"):
        if text.lower() in TRUE_WORDS:
            return True
        if text.lower() in FALSE_WORDS:
            return False
        raise ValueError(f"{name} must be one of 1/0, true/false, on/off, got {text!r}")
    if name == "points":
        return check_setting(name, text)
    if name in CHOICES:
        return check_setting(name, text.lower())
    if name in RANGES and isinstance(RANGES[name][0], int):
        lo, hi = RANGES[name]
        try:
            number = int(text)
        except ValueError:
            msg = f"{name} must be a whole number in [{lo}, {hi}], got {_clip(text)!r}"
            raise ValueError(msg) from None
        if not lo <= number <= hi:
            # said here, not by check_setting: a pasted 4000-digit number stays a short note
            raise ValueError(f"{name} must be in [{lo}, {hi}], got {_clip(text)}")
        return check_setting(name, number)
    lo, hi = RANGES[name] if name in RANGES else (PRESETS[name][0], PRESETS[name][-1])
    try:
        number = check_float(name, float(text), lo, hi)
    except ValueError:
        raise ValueError(f"{name} must be a number in [{lo}, {hi}], got {_clip(text)!r}") from None
    return check_setting(name, nearest_preset(name, number))


def _clip(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[:n] + "…"


def nearest_preset(name: str, value: float) -> float:
    """the offered value closest to `value` (on a log scale for lr and init_scale)."""
    if name not in PRESETS:
        return value
    return min(PRESETS[name], key=lambda p: abs(math.log(p) - math.log(value)))


def parse_query(query: str | None, base: Settings | None = None) -> tuple[Settings, list[str]]:
    """settings from a query string like 'depth=50&skip=0&lang=zh', plus a note per ignored item.

    a bad or unknown item never raises: it is left out and explained in the notes.
    """
    settings = base or Settings()
    notes: list[str] = []
    for key, text in parse_qsl((query or "").lstrip("?"), keep_blank_values=True):
        key = key.strip().lower()
        if key not in FIELD_NAMES:
            notes.append(f"unknown setting {key[:40]!r} ignored")
            continue
        limit = 2 * MAX_POINTS + 1 if key == "points" else MAX_TEXT
        if len(text) > limit:
            # refused whole: a long text is not read, so nothing past its start can surprise
            notes.append(f"{key} must be at most {limit} characters, got {len(text)}; ignored")
            continue
        try:
            value = parse_value(key, text)
        except ValueError as err:
            notes.append(f"{err}; ignored")
            continue
        if key in PRESETS and not math.isclose(value, float(text)):
            notes.append(f"{key}={_clip(text.strip(), 20)} is not offered; "
                         f"using the nearest, {value:g}")
        settings = replace(settings, **{key: value})
    if len(notes) > MAX_NOTES:
        notes = notes[:MAX_NOTES] + [f"{len(notes) - MAX_NOTES} more items ignored"]
    return settings, notes


def to_query(settings: Settings) -> str:
    """the query string that reproduces `settings` (only the values that differ from defaults)."""
    default = Settings()
    items = {}
    for key, value in asdict(settings).items():
        if value == getattr(default, key):
            continue
        if isinstance(value, bool):
            value = int(value)
        elif isinstance(value, float):
            value = _short(value)
        items[key] = value
    return urlencode(items)


def _short(x: float) -> str:
    # 0.1 + 0.2 style noise from log sliders should not end up in a shared link
    if x == 0:
        return "0"
    digits = max(0, 4 - int(math.floor(math.log10(abs(x)))))
    return f"{round(x, digits):g}"


DASHBOARD_PATH = "voila/render/notebooks/dashboard.ipynb"


def binder_link(query: str, env=None) -> str | None:
    """a link that outlives this binder session: a new launch of the same commit that opens
    the dashboard at `query`; None off binder (there a relative ?query is the whole link).

    binderhub puts the launch host ("https://mybinder.org/") and the commit's request
    ("v2/gh/owner/repo/<sha>") in every session's environment.
    """
    import os

    env = os.environ if env is None else env
    host, request = env.get("BINDER_LAUNCH_HOST"), env.get("BINDER_PERSISTENT_REQUEST")
    if not host or not request:
        return None
    path = DASHBOARD_PATH + ("?" + query if query else "")
    return f"{host.rstrip('/')}/{request.strip('/')}?urlpath={quote(path, safe='/')}"
