"""``NAME=VALUE`` settings as commands take them: repeated options (``-e``, ``-p``, ``--label``) and files of
such lines (``.s2i/environment``, ``--environment-file``, ``--param-file``).

One parser for all of them, so every command accepts the same forms and words its errors the same way:
``<where>: expected NAME=VALUE, got '<text>'``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from seldon_s2i.command_error import CommandError

ENVIRONMENT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_assignment(text: str, where: str, *, environment_name: bool = False) -> tuple[str, str]:
    """``(name, value)`` of ``NAME=VALUE``: the name is stripped, the value kept as written (it may hold ``=``).

    ``where`` names the option or file line in errors; ``environment_name`` also requires a valid
    environment variable name and a value without line breaks.
    """
    name, separator, value = text.partition("=")
    name = name.strip()
    if not separator or not name:
        raise CommandError(f"{where}: expected NAME=VALUE, got {text!r}")
    if environment_name:
        if not ENVIRONMENT_NAME.match(name):
            raise CommandError(f"{where}: {name!r} is not a valid environment variable name")
        if "\n" in value or "\r" in value:
            raise CommandError(f"{where}: the value of {name} contains a line break")
    return name, value


def parse_assignments(texts: Iterable[str], where: str, *, environment_names: bool = False) -> dict[str, str]:
    """Repeated ``NAME=VALUE`` option values; a later one wins."""
    return dict(parse_assignment(text, where, environment_name=environment_names) for text in texts)


def read_assignment_lines(text: str, source: str, *, environment_names: bool = False) -> list[tuple[str, str]]:
    """The ``NAME=VALUE`` lines of a file's ``text`` in order (blank lines and ``#`` comments skipped, each line
    stripped, as s2i reads ``.s2i/environment``); errors name ``source:line``."""
    pairs = []
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if line and not line.startswith("#"):
            pairs.append(parse_assignment(line, f"{source}:{number}", environment_name=environment_names))
    return pairs
