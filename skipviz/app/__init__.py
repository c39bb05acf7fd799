"""app: the live dashboard served by voila: settings, worker thread, cache, figures, words."""

from .dashboard import App
from .settings import Settings, parse_query, to_query

__all__ = ["App", "Settings", "parse_query", "to_query"]
