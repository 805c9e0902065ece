"""The ``seldon-s2i`` command: local build, template rendering and other tools.

Each subcommand lives in its own module, which exposes ``register(subparsers)``
adding a parser whose ``handler`` default takes the parsed arguments and
returns the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Modules that contribute subcommands, in the order --help lists them.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "seldon_s2i.build",
    "seldon_s2i.predict_command",
    "seldon_s2i.openshift.template_command",
)


class CommandError(Exception):
    """A failure to report to the user as one clear line, with exit status 2 (no traceback)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="seldon-s2i",
        description="Build, render and run seldon-s2i components locally.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except CommandError as error:
        print(f"seldon-s2i {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
