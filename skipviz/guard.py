"""keep a live control alive: a bad value becomes a short message, never a traceback."""

from __future__ import annotations

import functools
import html
from typing import Callable

from .plots import PLAIN_COLOR


def guarded(update: Callable, status) -> Callable:
    """wrap a widget callback; a ValueError from the package is shown in `status` instead.

    `status` is anything with a text `.value` (an ipywidgets.HTML). it is cleared before each
    call, so `update` may write its own note there (e.g. 'the plain net diverged'); other
    errors are bugs and still raise.
    """
    if not callable(update):
        raise ValueError(f"update must be callable, got {type(update).__name__}")
    if not hasattr(status, "value"):
        raise ValueError(f"status must have a .value (an ipywidgets.HTML), "
                         f"got {type(status).__name__}")

    @functools.wraps(update)
    def run(*args, **kwargs):
        status.value = ""
        run.last_error = None
        try:
            return update(*args, **kwargs)
        except ValueError as err:
            run.last_error = str(err)
            status.value = warning(run.last_error)
            return None

    run.last_error = None  # the text of the last refused value, for a notebook to print
    return run


def warning(text: str) -> str:
    """html for a one-line warning in the plain net's colour."""
    return f"<span style='color:{PLAIN_COLOR}'>⚠ {html.escape(text, quote=False)}</span>"


def note(text: str) -> str:
    """html for a one-line neutral note."""
    return f"<span style='color:#444444'>{html.escape(text, quote=False)}</span>"
