"""What the builder lets a model's requirements install next to the serving runtime.

Two rules, applied by the builder's ``assemble`` script:

- ``seldon-core`` is left out of requirements.txt: the runtime already serves
  its v1 contract and the imports components use (``seldon_core.user_model``,
  ``flask_utils``, ``metrics``, ``proto``), while Seldon Core's own pins (old
  Flask, protobuf below 4) would break the server.
- pip runs with the runtime's own requirements as constraints
  (``--runtime-constraints``), so a model that needs a version the server
  cannot run with fails at build time, with pip naming the conflict, instead
  of failing in production.

``python -m seldon_s2i.imagebuild.requirements requirements.txt`` prints the file to
install from (a filtered copy beside it when something was left out; a note on
stderr says what); ``python -m seldon_s2i.imagebuild.requirements --runtime-constraints``
prints the constraints.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

PROVIDED_BY_RUNTIME = {"seldon-core"}
FILTERED_FILE = ".seldon-s2i-requirements.txt"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def split_provided(lines: list[str]) -> tuple[list[str], list[str]]:
    """The requirement lines to keep, and those the runtime already provides."""
    kept: list[str] = []
    dropped: list[str] = []
    for line in lines:
        match = _NAME.match(line)
        if match and not line.lstrip().startswith("-") and _normalized(match.group(1)) in PROVIDED_BY_RUNTIME:
            dropped.append(line.strip())
        else:
            kept.append(line)
    return kept, dropped


def runtime_constraints(distribution: str = "seldon-s2i") -> list[str]:
    """The serving runtime's declared requirements (no environment markers), as pip constraints."""
    return [requirement for requirement in metadata.requires(distribution) or [] if ";" not in requirement]


def main(argv: list[str]) -> int:
    if argv == ["--runtime-constraints"]:
        print("\n".join(runtime_constraints()))
        return 0
    if len(argv) != 1:
        print("usage: python -m seldon_s2i.imagebuild.requirements (REQUIREMENTS_FILE | --runtime-constraints)", file=sys.stderr)
        return 2
    source = Path(argv[0])
    kept, dropped = split_provided(source.read_text(encoding="utf-8").splitlines())
    if not dropped:
        print(source)
        return 0
    filtered = source.with_name(FILTERED_FILE)
    filtered.write_text("\n".join(kept) + "\n", encoding="utf-8")
    print(
        f"---> Not installing {', '.join(dropped)}: seldon-s2i serves Seldon Core's v1 contract and the "
        "seldon_core imports components use (user_model, flask_utils, metrics, proto)",
        file=sys.stderr,
    )
    print(filtered)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
