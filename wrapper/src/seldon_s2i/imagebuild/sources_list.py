"""What the builder's ``assemble`` put into ``$HOME``, so that a build starting FROM that image removes
exactly that and nothing else.

An incremental build may start from the previous output image, whose ``$HOME`` holds the old sources:
they must go, or a file deleted from the source would linger. But ``$HOME`` also holds what OpenShift
(or ``seldon-s2i build --inject``) put there for this build before ``assemble`` ran, such as a
``pip.conf`` from a build secret, which must stay. So ``assemble`` records the sources it copies in,
and removes only those (and the bytecode compiled from them) at the next build::

    python -m seldon_s2i.imagebuild.sources_list install SOURCES HOME LIST
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

BYTECODE = "__pycache__"


def record(sources: Path, listing: Path) -> None:
    """Write the paths under ``sources``, relative to it, to ``listing``."""
    paths = sorted(str(path.relative_to(sources)) for path in sources.rglob("*"))
    listing.write_text(json.dumps(paths), encoding="utf-8")


def remove(home: Path, listing: Path) -> None:
    """Remove from ``home`` the files ``listing`` names, their folders' bytecode, then the folders left empty."""
    if not listing.is_file():
        return
    paths = [home / relative for relative in json.loads(listing.read_text(encoding="utf-8"))]
    folders = [path for path in paths if path.is_dir() and not path.is_symlink()]
    for path in paths:
        if path.is_symlink() or path.is_file():
            path.unlink()
    for folder in [home, *folders]:
        shutil.rmtree(folder / BYTECODE, ignore_errors=True)
    for folder in sorted(folders, key=lambda path: len(path.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


def install(sources: Path, home: Path, listing: Path) -> None:
    """Replace what the previous build copied into ``home`` with ``sources``, and record them."""
    remove(home, listing)
    shutil.copytree(sources, home, symlinks=True, dirs_exist_ok=True)
    record(sources, listing)


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) != 4 or arguments[0] != "install":
        print("usage: python -m seldon_s2i.imagebuild.sources_list install SOURCES HOME LIST", file=sys.stderr)
        return 2
    install(Path(arguments[1]), Path(arguments[2]), Path(arguments[3]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
