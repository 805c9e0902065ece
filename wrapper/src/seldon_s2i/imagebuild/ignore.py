"""Apply a source folder's ``.s2iignore``, as source-to-image does before a build.

Used by ``seldon-s2i build`` when it stages the sources, and by the builder's
``assemble`` script (``python -m seldon_s2i.imagebuild.ignore DIR``) so that sources
that reached ``/tmp/src`` some other way are filtered the same.

The rules are s2i's (``pkg/ignore``): one glob per line relative to the source
root, matched like Go's ``filepath.Glob`` (not recursive, unlike .gitignore),
``#`` starts a comment, and ``!pattern`` keeps files that earlier lines matched.
"""

from __future__ import annotations

import fnmatch
import glob
import shutil
import sys
from pathlib import Path

IGNORE_FILE = ".s2iignore"


def _glob(pattern: str, root: Path) -> list[str]:
    # Go's filepath.Glob lets "*" match names that start with a dot; Python's glob needs asking.
    if sys.version_info >= (3, 11):
        return glob.glob(pattern, root_dir=root, include_hidden=True)
    return glob.glob(pattern, root_dir=root)


def ignored_paths(source: Path) -> list[Path]:
    """The files and folders under ``source`` that its .s2iignore removes, in a stable order."""
    rules = source / IGNORE_FILE
    if not rules.is_file():
        return []
    matched: set[str] = set()
    for raw_line in rules.read_text(encoding="utf-8").splitlines():
        pattern = raw_line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        if pattern.startswith("!"):
            kept = pattern[1:].strip().lstrip("/")
            matched = {path for path in matched if not fnmatch.fnmatchcase(path, kept)}
            continue
        matched.update(_glob(pattern.lstrip("/"), source))
    # The ignore file itself is never removed, and nothing outside the source root.
    inside = (source / path for path in sorted(matched) if path not in {IGNORE_FILE, ".", ""})
    return [path for path in inside if source.resolve() in path.resolve().parents or path.is_symlink()]


def apply_ignore_file(source: Path) -> list[Path]:
    """Delete what ``source``'s .s2iignore lists; return what was deleted."""
    removed = []
    for path in ignored_paths(source):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        else:
            continue
        removed.append(path)
    return removed


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) != 1:
        print("usage: python -m seldon_s2i.imagebuild.ignore SOURCE_DIR", file=sys.stderr)
        return 2
    source = Path(arguments[0])
    for path in apply_ignore_file(source):
        print(f"---> Removed {path.relative_to(source)} (listed in {IGNORE_FILE})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
