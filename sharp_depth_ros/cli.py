"""The `sharp-depth` command: one argparse entry point with a sub-command per job.

Each sub-command lives in `sharp_depth_ros.commands.<name>` and exposes `HELP` (its line in
`sharp-depth --help`), `add_arguments(parser)` and `run(args) -> exit code`; its module
docstring, after the summary line, is its --help description. This module registers them all
alike. Heavy imports (torch, the model) happen inside `run`, so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from types import ModuleType

from sharp_depth_ros import commands


def _description(module: ModuleType) -> str | None:
    """A command's --help description: its module docstring after the summary line."""
    _, _, body = (module.__doc__ or "").partition("\n\n")
    return body.strip() or None


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="sharp-depth", description="Sharp metric monocular depth (Depth Pro)."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{module_info.name}")
        command = subparsers.add_parser(
            module_info.name, help=module.HELP, description=_description(module)
        )
        module.add_arguments(command)
        command.set_defaults(func=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run `sharp-depth`; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError, FileExistsError, KeyError) as error:
        # One line that says what to fix; tracebacks only with --verbose.
        if args.verbose:
            raise
        print(f"sharp-depth {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
