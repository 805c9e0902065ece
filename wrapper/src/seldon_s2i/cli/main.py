"""``seldon-s2i``: the parser of every subcommand and the one place errors become exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from seldon_s2i.cli import build, deploy, graph, install, predict, run, template, uninstall, upgrade
from seldon_s2i.cli.errors import CommandError

# Subcommand modules, in the order --help lists them.
SUBCOMMANDS = (build, run, predict, graph, template, install, upgrade, uninstall, deploy)

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="seldon-s2i",
        description="Build, render and run seldon-s2i components locally.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in SUBCOMMANDS:
        module.register(subparsers)
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
