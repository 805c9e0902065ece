"""Write the Dockerfile that source-to-image's Dockerfile mode (and so OpenShift 4's
Source strategy) writes for a build: a pure function of a ``BuildPlan``.

As s2i 1.6.3 does, sources, scripts and injected files are copied with ``COPY
--chown`` as the assemble user (no ``USER root``), and injected files that are not
kept are removed by a ``RUN rm`` after ``assemble``. Differences from s2i, each on
purpose: the previous image's artifacts are bind-mounted into
the ``assemble`` step instead of copied into a layer of their own; ``CMD`` is in
exec form, so that the run script is PID 1 and receives the container's
signals. One addition: when the previous output image was built from the same
builder with the same dependency files and settings, an incremental build starts
``FROM`` it, so the dependencies' layer is shared instead of saved, restored and
committed again (``extend_image``). Called by ``seldon_s2i.cli.build``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from seldon_s2i.imagebuild.source import SourceInfo

UPLOAD_SOURCES = "upload/src"
UPLOAD_SCRIPTS = "upload/scripts"
UPLOAD_INJECTIONS = "upload/injections"
DEFAULT_SCRIPTS_DIR = "/usr/libexec/s2i"
DEFAULT_DESTINATION = "/tmp"
DEFAULT_ASSEMBLE_USER = "1001"
LABEL_PREFIX = "io.openshift.s2i.build."


@dataclass(frozen=True)
class Injection:
    """Files copied in before ``assemble`` (``s2i build --inject``; a BuildConfig's source secrets
    and ConfigMaps): the context folder holding them, where they go, and whether they stay."""

    context_folder: str
    destination: str
    files: tuple[str, ...]
    keep: bool = False


@dataclass(frozen=True)
class BuildPlan:
    builder_image: str
    output_image: str | None
    environment: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    scripts_dir: str = DEFAULT_SCRIPTS_DIR
    destination: str = DEFAULT_DESTINATION
    assemble_user: str = DEFAULT_ASSEMBLE_USER
    # s2i scripts the source provides in .s2i/bin, which replace the builder's.
    override_scripts: frozenset[str] = frozenset()
    # The previous output image whose save-artifacts output seeds this build.
    incremental_from: str | None = None
    # A previous output image with the same dependencies, builder and settings to build on top of.
    extend_image: str | None = None
    injections: tuple[Injection, ...] = ()

    def script(self, name: str) -> str:
        folder = PurePosixPath(self.destination) / "scripts" if name in self.override_scripts else self.scripts_dir
        return str(PurePosixPath(folder) / name)


def output_labels(builder_image: str, output_image: str | None, info: SourceInfo, context_dir: str | None) -> dict[str, str]:
    """The labels s2i puts on an output image: its name, the builder, and where the sources came from."""
    labels = {"io.k8s.display-name": output_image or "", f"{LABEL_PREFIX}image": builder_image}
    for key, value in (
        ("commit.author", info.author),
        ("commit.date", info.date),
        ("commit.id", info.commit_id),
        ("commit.ref", info.ref),
        ("commit.message", info.message),
        ("source-location", info.location),
        ("source-context-dir", context_dir or ""),
    ):
        if value:
            labels[LABEL_PREFIX + key] = value
    return {key: value for key, value in labels.items() if value}


def _quote(value: str) -> str:
    # A JSON string is a valid double-quoted Dockerfile word once "$" cannot start a variable.
    return json.dumps(value).replace("$", "\\$")


def _key_values(instruction: str, pairs: dict[str, str]) -> str:
    items = [f"{_quote(key) if instruction == 'LABEL' else key}={_quote(value)}" for key, value in pairs.items()]
    return f"{instruction} " + " \\\n    ".join(items) + "\n"


def render(plan: BuildPlan) -> str:
    """The Dockerfile text for ``plan``; its context holds upload/src (and upload/scripts)."""
    destination = PurePosixPath(plan.destination)
    artifacts_tar = destination / "artifacts.tar"
    chown = f"--chown={plan.assemble_user}:0"
    lines = ["# Written by seldon-s2i build: the Dockerfile s2i --as-dockerfile (OpenShift 4) writes.\n"]
    if plan.extend_image:
        lines.append("# Incremental: the previous image already holds these dependencies; only the sources change.\n")
    elif plan.incremental_from:
        save_artifacts = plan.script("save-artifacts")
        lines.append(f"FROM {plan.incremental_from} AS cached\n")
        if "save-artifacts" in plan.override_scripts:
            lines.append(f"COPY {chown} {UPLOAD_SCRIPTS}/save-artifacts {save_artifacts}\n")
        lines.append(f"USER {plan.assemble_user}\n")
        lines.append(
            f"RUN if [ -s {save_artifacts} ]; then {save_artifacts} > {artifacts_tar}; else touch {artifacts_tar}; fi\n\n"
        )
    lines.append(f"FROM {plan.extend_image or plan.builder_image}\n")
    if plan.labels:
        lines.append(_key_values("LABEL", plan.labels))
    if plan.environment:
        lines.append(_key_values("ENV", plan.environment))
    if plan.override_scripts:
        lines.append(f"COPY {chown} {UPLOAD_SCRIPTS} {destination / 'scripts'}\n")
    lines.append(f"COPY {chown} {UPLOAD_SOURCES} {destination / 'src'}\n")
    for injection in plan.injections:
        lines.append(f"COPY {chown} {injection.context_folder} {injection.destination}\n")
    lines.append(f"USER {plan.assemble_user}\n")
    assemble = plan.script("assemble")
    if plan.incremental_from and not plan.extend_image:
        artifacts = destination / "artifacts"
        mount = f"--mount=type=bind,from=cached,source={artifacts_tar},target={artifacts_tar}"
        lines.append(
            f"RUN {mount} \\\n    if [ -s {artifacts_tar} ]; then mkdir -p {artifacts} && "
            f"tar -xf {artifacts_tar} -C {artifacts}; fi && \\\n    {assemble}\n"
        )
    else:
        lines.append(f"RUN {assemble}\n")
    removed = [path for injection in plan.injections if not injection.keep for path in injection.files]
    if removed:
        lines.append(f"RUN rm {' '.join(_quote(path) for path in removed)}\n")
    lines.append(f"CMD {json.dumps([plan.script('run')])}\n")
    return "".join(lines)
