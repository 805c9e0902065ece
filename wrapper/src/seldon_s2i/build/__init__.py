"""The ``seldon-s2i build`` subcommand: source folder or git URL -> runnable model image.

Modules: ``source`` (fetch sources, read settings), ``ignore`` (.s2iignore),
``dockerfile`` (the Dockerfile s2i/OpenShift would write), ``engine`` (buildah
or podman), ``command`` (the command line). ``seldon_s2i.cli`` calls ``register``.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    from seldon_s2i.build import command

    parser = subparsers.add_parser(
        "build",
        help="build a model image from a source folder or git URL with an s2i builder (no s2i or daemon needed)",
        description=(
            "Build SOURCE (a folder, or a git URL with --ref) with the s2i builder BUILDER_IMAGE into OUTPUT_IMAGE, "
            "writing the Dockerfile OpenShift 4's Source strategy would write and building it with buildah or podman."
        ),
    )
    command.add_arguments(parser)
    parser.set_defaults(handler=command.handle)
