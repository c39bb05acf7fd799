"""the `skipviz` command (`skipviz serve`, `skipviz lessons DIR`): voila serving the landing
page, the dashboard and every lesson, hardened for a class. imports nothing heavy: the server
process never loads torch (the kernels do)."""

from .cli import copy_lessons, main

__all__ = ["copy_lessons", "main"]
