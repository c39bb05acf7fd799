"""the `skipviz` command: `skipviz serve` (one voila server for everything), `skipviz lessons
DIR` (the notebooks, copied out to run and edit in jupyterlab).

>>> skipviz serve --port 8866          # then open http://127.0.0.1:8866/
>>> skipviz lessons ~/skipviz-lessons  # then: jupyter lab ~/skipviz-lessons
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

__all__ = ["copy_lessons", "main"]

PORT = 8866


def copy_lessons(target: Path, force: bool = False) -> list[Path]:
    """copy the dashboard and every lesson notebook into `target` (created if missing).

    an existing notebook there is someone's work: it is kept unless `force`.
    """
    from .launcher import packaged_notebooks
    from .pages import discover

    target = Path(target).expanduser()
    if target.exists() and not target.is_dir():
        raise ValueError(f"DIR must be a folder, {target} is a file")
    pages = discover(packaged_notebooks())
    clashes = [p.name for p in pages if (target / p.name).exists()]
    if clashes and not force:
        raise ValueError(f"DIR {target} already holds {', '.join(clashes)}: "
                         "pass --force to overwrite them")
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for page in pages:
        copied.append(Path(shutil.copyfile(packaged_notebooks() / page.name, target / page.name)))
    return copied


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="skipviz", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the landing page, dashboard and lessons")
    serve.add_argument("--port", type=int, default=PORT, help=f"port (default {PORT})")
    serve.add_argument("--open", action="store_true", help="open the landing page in a browser")
    serve.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                       help="also answer requests for this host name (repeatable); "
                            "localhost, 127.0.0.1 and [::1] always are")
    serve.add_argument("--pool", type=int, default=1, metavar="N",
                       help="pre-heated dashboard kernels (default 1; each holds ~350 MB)")
    serve.add_argument("--refill-delay", type=float, default=30.0, metavar="S",
                       help="start the kernel that replaces a taken pre-heated one S seconds "
                            "later (default 30: not while a class's pages load)")
    serve.add_argument("--orphan-timeout", type=float, default=45.0, metavar="S",
                       help="shut a kernel no page connected to after S idle seconds")
    serve.epilog = "other options of the form --Class.trait=value go to voila"
    serve.add_argument("--notebooks", type=Path, default=None, metavar="DIR",
                       help="serve this folder instead of the packaged notebooks")
    lessons = commands.add_parser("lessons", help="copy the notebooks out for jupyterlab")
    lessons.add_argument("dir", type=Path, metavar="DIR")
    lessons.add_argument("--force", action="store_true", help="overwrite notebooks in DIR")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, rest = parser.parse_known_args(argv)
    # `skipviz serve --Class.trait=value` passes a voila/jupyter option through
    passthrough = [a for a in rest if re.match(r"^--[A-Za-z]\w*\.\w+=", a)]
    if rest and (args.command != "serve" or len(passthrough) != len(rest)):
        parser.error(f"unrecognized arguments: {' '.join(a for a in rest if a not in passthrough)}")
    if args.command == "lessons":
        try:
            copied = copy_lessons(args.dir, force=args.force)
        except ValueError as err:
            print(f"skipviz lessons: {err}", file=sys.stderr)
            return 2
        print(f"copied {len(copied)} notebooks to {args.dir}; open them with: "
              f"jupyter lab {args.dir}")
        return 0
    if not 1 <= args.port <= 65535:
        print(f"skipviz serve: --port must be in 1..65535, got {args.port}", file=sys.stderr)
        return 2
    if args.pool < 0 or args.orphan_timeout <= 0 or not 0 <= args.refill_delay <= 3600:
        print("skipviz serve: --pool must be >= 0, --orphan-timeout > 0 and --refill-delay "
              "in 0..3600", file=sys.stderr)
        return 2
    from .host_check import LOCAL_HOSTS
    from .launcher import SkipvizVoila

    voila_argv = [f"--port={args.port}", "--Voila.port_retries=0",
                  f"--SkipvizVoila.dashboard_pool_size={args.pool}",
                  f"--SkipvizVoila.orphan_timeout={args.orphan_timeout}",
                  f"--SkipvizVoila.refill_delay={args.refill_delay}"]
    if not args.open:
        voila_argv.append("--no-browser")
    if args.notebooks is not None:
        voila_argv.append(f"--SkipvizVoila.root_dir={args.notebooks.resolve()}")
    hosts = [*LOCAL_HOSTS, *args.allow_host]
    voila_argv += [f"--SkipvizVoila.allowed_hosts={host}" for host in hosts]
    SkipvizVoila.launch_instance(argv=[*voila_argv, *passthrough])
    return 0
