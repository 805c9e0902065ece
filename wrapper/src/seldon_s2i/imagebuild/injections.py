"""Files injected into a build before ``assemble``: ``seldon-s2i build --inject`` and ``--config-map``.

They mirror what OpenShift does with a BuildConfig's ``source.secrets`` (s2i
``--inject``: copied in, then removed after ``assemble`` so they never reach the
image) and ``source.configMaps`` (copied in and kept). ``SRC`` is a file or a
folder; a file lands in ``DEST``, a folder's contents do. A relative ``DEST`` is
under the builder's working directory, as in s2i. Called by ``seldon_s2i.cli.build``.
"""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath

from seldon_s2i.command_error import CommandError
from seldon_s2i.imagebuild.dockerfile import UPLOAD_INJECTIONS, Injection

# Where OpenShift's s2i images keep the sources, and so where relative destinations go by default.
DEFAULT_WORKING_DIR = "/opt/app-root/src"


def parse(value: str, option: str) -> tuple[Path, str]:
    """``SRC:DEST`` of ``option``: an existing file or folder and a destination folder in the image."""
    source, separator, destination = value.partition(":")
    if not separator or not source or not destination:
        raise CommandError(f"{option} expects SRC:DEST (a local file or folder and a folder in the image), got {value!r}")
    if ".." in PurePosixPath(destination).parts:
        raise CommandError(f"{option} {value!r}: DEST may not contain '..'")
    path = Path(source)
    if not path.exists():
        raise CommandError(f"{option} {value!r}: {source} does not exist")
    return path, destination


def _files_of(source: Path) -> list[PurePosixPath]:
    if source.is_file():
        return [PurePosixPath(source.name)]
    return sorted(
        PurePosixPath(path.relative_to(source).as_posix()) for path in source.rglob("*") if not path.is_dir()
    )


def stage(
    requested: list[tuple[Path, str, bool]], build_context: Path, working_dir: str
) -> tuple[Injection, ...]:
    """Copy each (SRC, DEST, keep) into the build context and describe it for the Dockerfile."""
    injections: list[Injection] = []
    for index, (source, destination, keep) in enumerate(requested):
        folder = f"{UPLOAD_INJECTIONS}/{index}"
        target = build_context / folder
        try:
            if source.is_dir():
                shutil.copytree(source, target, symlinks=False)
            else:
                target.mkdir(parents=True)
                shutil.copy2(source, target / source.name)
        except OSError as error:
            raise CommandError(f"could not read the injected {source}: {error}") from None
        absolute = PurePosixPath(working_dir) / destination  # an absolute DEST stays as it is
        files = tuple(str(absolute / name) for name in _files_of(source))
        if not files:
            raise CommandError(f"the injected folder {source} is empty")
        injections.append(Injection(context_folder=folder, destination=str(absolute), files=files, keep=keep))
    return tuple(injections)
