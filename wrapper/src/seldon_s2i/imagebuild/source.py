"""Fetch a build's sources and read its settings, for ``seldon-s2i build``.

A source is a local folder (copied as it is, uncommitted changes included, like
``s2i build --copy``) or a git repository (cloned with git, then ``--ref``
checked out). ``stage_sources`` copies the ``--context-dir`` part into the build
context and applies ``.s2iignore``; ``read_environment_file`` reads
``.s2i/environment``. Called by ``seldon-s2i build`` (``seldon_s2i.cli.build``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from seldon_s2i.assignments import read_assignment_lines
from seldon_s2i.command_error import CommandError
from seldon_s2i.imagebuild.ignore import apply_ignore_file

# URL schemes git understands, and scp-like "user@host:path".
GIT_URL = re.compile(r"^(?:(?:git|ssh|http|https|file|git\+ssh)://|[\w.-]+@[\w.-]+:)", re.IGNORECASE)
ENVIRONMENT_FILE = PurePosixPath(".s2i/environment")
SCRIPTS_FOLDER = PurePosixPath(".s2i/bin")
S2I_SCRIPTS = ("assemble", "run", "save-artifacts")
# The files the builder's assemble installs dependencies from (its fingerprint covers the same list).
DEPENDENCY_FILES = ("requirements.txt", "setup.py", "setup.cfg", "pyproject.toml")


@dataclass(frozen=True)
class SourceInfo:
    """Where the sources came from: what s2i records in the io.openshift.s2i.build.* labels."""

    location: str
    commit_id: str = ""
    ref: str = ""
    author: str = ""
    date: str = ""
    message: str = ""


def is_git_url(source: str) -> bool:
    return bool(GIT_URL.match(source))


def fetch(source: str, ref: str | None, scratch: Path) -> tuple[Path, SourceInfo]:
    """Return the folder holding the sources (a clone in ``scratch`` for git sources) and where they came from."""
    if is_git_url(source):
        return clone(source, ref, scratch / "clone")
    folder = Path(source)
    if not folder.is_dir():
        raise CommandError(f"source {source!r} is neither a folder nor a git URL")
    if ref is not None:
        if not (folder / ".git").exists():
            raise CommandError(f"--ref needs a git source, and {source!r} is not a git repository")
        return clone(str(folder.resolve()), ref, scratch / "clone")
    return folder, SourceInfo(location=str(folder.resolve()))


def _git(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise CommandError("git is not installed; it is needed for git sources") from None


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def clone(url: str, ref: str | None, destination: Path) -> tuple[Path, SourceInfo]:
    """Clone ``url`` into ``destination`` and check out ``ref`` (a branch, tag or commit)."""
    cloned = _git("clone", "--quiet", "--no-checkout", "--", url, str(destination))
    if cloned.returncode != 0:
        raise CommandError(f"could not clone {url}: {_last_line(cloned.stderr)}")
    commit = _resolve_ref(destination, ref or "HEAD")
    if commit is None:
        raise CommandError(f"ref {ref!r} is not a branch, tag or commit of {url}")
    checkout = _git("checkout", "--quiet", "--detach", commit, cwd=destination)
    if checkout.returncode != 0:
        raise CommandError(f"could not check out {ref or 'HEAD'} of {url}: {_last_line(checkout.stderr)}")
    if (destination / ".gitmodules").exists():
        submodules = _git("submodule", "update", "--init", "--recursive", "--quiet", cwd=destination)
        if submodules.returncode != 0:
            raise CommandError(f"could not fetch the submodules of {url}: {_last_line(submodules.stderr)}")
    log = _git("log", "-1", "--format=%H%x00%an <%ae>%x00%aD%x00%s", cwd=destination)
    commit_id, author, date, message = [*log.stdout.strip().split("\0"), "", "", "", ""][:4]
    return destination, SourceInfo(
        location=url, commit_id=commit_id, ref=ref or "", author=author, date=date, message=message
    )


def _resolve_ref(repository: Path, ref: str) -> str | None:
    # A bare name may be a remote branch (the clone has only origin/*), a tag or a commit.
    for candidate in (ref, f"origin/{ref}", f"refs/tags/{ref}"):
        resolved = _git("rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}", cwd=repository)
        if resolved.returncode == 0:
            return resolved.stdout.strip()
    return None


def context_folder(root: Path, context_dir: str | None) -> Path:
    """The folder the build uses: ``root`` or its ``--context-dir`` sub-folder, which must stay inside it."""
    if not context_dir:
        return root
    relative = PurePosixPath(context_dir)
    if relative.is_absolute() or ".." in relative.parts:
        raise CommandError(f"--context-dir must be a relative path inside the source, not {context_dir!r}")
    folder = root / relative
    if not folder.is_dir():
        raise CommandError(f"--context-dir {context_dir!r} is not a folder of the source")
    return folder


def stage_sources(context: Path, destination: Path) -> list[Path]:
    """Copy ``context`` to ``destination`` without git metadata, apply .s2iignore, return what it removed."""
    try:
        shutil.copytree(context, destination, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    except (OSError, shutil.Error) as error:
        raise CommandError(f"could not copy the sources from {context}: {error}") from None
    return apply_ignore_file(destination)


def override_scripts(sources: Path) -> dict[str, Path]:
    """The s2i scripts that the source's .s2i/bin provides, replacing the builder's own."""
    folder = sources / SCRIPTS_FOLDER
    return {name: folder / name for name in S2I_SCRIPTS if (folder / name).is_file()}


def read_environment_file(path: Path) -> dict[str, str]:
    """Read NAME=VALUE lines (``#`` comments and blank lines skipped), as s2i reads .s2i/environment."""
    if not path.is_file():
        return {}
    return dict(read_assignment_lines(path.read_text(encoding="utf-8"), str(path), environment_names=True))
