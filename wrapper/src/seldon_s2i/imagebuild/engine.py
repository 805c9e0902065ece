"""Talk to the local image builder (buildah, or podman build) for ``seldon-s2i build``.

``build_image`` runs the build, shows its progress as it goes, and on failure
raises ``BuildFailed`` naming the failing step with that step's output.
``image_config`` reads an image's labels and user, ``image_exists`` checks for a
previous output image. Called by ``seldon_s2i.cli.build``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from seldon_s2i.command_error import CommandError

ENGINES = ("buildah", "podman")


class BuildFailed(CommandError):
    """The image build itself failed; ``step`` and ``output`` say where and why."""

    def __init__(self, step: str, reason: str, output: list[str]) -> None:
        super().__init__(f"the build failed at {step}: {reason}")
        self.step = step
        self.reason = reason
        self.output = output


@dataclass(frozen=True)
class ImageConfig:
    labels: dict[str, str] = field(default_factory=dict)
    user: str = ""
    id: str = ""
    layers: int = 0
    workdir: str = ""


def find_engine(preferred: str | None) -> str:
    """The engine to use: ``preferred``, else buildah, else podman."""
    for engine in (preferred,) if preferred else ENGINES:
        if shutil.which(engine):
            return engine
    wanted = preferred or "buildah or podman"
    raise CommandError(f"{wanted} is not installed (scripts/setup-dev installs both)")


def _inspect_command(engine: str, image: str) -> list[str]:
    if engine == "buildah":
        return ["buildah", "inspect", "--type", "image", image]
    return ["podman", "image", "inspect", image]


def image_exists(engine: str, image: str) -> bool:
    result = subprocess.run(_inspect_command(engine, image), capture_output=True, check=False)
    return result.returncode == 0


def image_config(engine: str, image: str) -> ImageConfig | None:
    """Labels and user of a local image, or None when it is not present locally."""
    result = subprocess.run(_inspect_command(engine, image), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return None
    document = json.loads(result.stdout)
    if engine == "buildah":
        config = document.get("OCIv1", {}).get("config", {})
        image_id, layers = document.get("FromImageID", ""), document.get("OCIv1", {}).get("rootfs", {}).get("diff_ids")
    else:
        document = document[0] if document else {}
        config = document.get("Config", {})
        image_id, layers = document.get("Id", ""), document.get("RootFS", {}).get("Layers")
    return ImageConfig(
        labels=dict(config.get("Labels") or {}),
        user=str(config.get("User") or ""),
        id=str(image_id),
        layers=len(layers or []),
        workdir=str(config.get("WorkingDir") or ""),
    )


def build_command(engine: str, context: Path, tag: str, volumes: Sequence[str]) -> list[str]:
    # No --layers: one layer for the whole build, so files assemble moves or deletes cost nothing.
    command = [engine, "build", "--layers=false", "-f", str(context / "Dockerfile"), "-t", tag]
    for volume in volumes:
        command += ["-v", volume]
    return [*command, str(context)]


def build_image(
    engine: str, context: Path, tag: str, volumes: Sequence[str] = (), quiet: bool = False, out: TextIO | None = None
) -> None:
    """Build ``context``/Dockerfile as ``tag``, printing progress to ``out``; raise BuildFailed on failure.

    Progress is every line of the build, or with ``quiet`` only the steps and the
    ``--->`` lines of the s2i scripts (then a failure prints the failing step's output).
    """
    stream = out if out is not None else sys.stderr
    command = build_command(engine, context, tag, volumes)
    step, step_output = "the start of the build", list[str]()
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", bufsize=1
    ) as process:
        assert process.stdout is not None
        for raw_line in process.stdout:
            line = raw_line.rstrip("\n")
            starts_step = _is_step(line)
            if starts_step:
                step, step_output = line.partition("STEP ")[2], []
            else:
                step_output.append(line)
            if not quiet or starts_step or line.startswith(("--->", "error: ")):
                print(line, file=stream, flush=True)
        returncode = process.wait()
    if returncode == 0:
        return
    if quiet:
        print(f"--- output of the failing step ({step}):", file=stream)
        for line in step_output:
            print(line, file=stream)
    raise BuildFailed(_step_name(step), _failure_reason(step_output, returncode), step_output)


def _is_step(line: str) -> bool:
    # "STEP 3/7: COPY ...", or "[2/2] STEP 3/7: COPY ..." in a multi-stage build.
    return line.startswith("STEP ") or (line.startswith("[") and "] STEP " in line)


def _step_name(step: str) -> str:
    # "5/7: RUN /usr/libexec/s2i/assemble" -> "step 5/7 (RUN /usr/libexec/s2i/assemble)"
    number, _, instruction = step.partition(": ")
    if not instruction:
        return step
    instruction = " ".join(instruction.split())
    if len(instruction) > 80:
        instruction = instruction[:77] + "..."
    return f"step {number} ({instruction})"


def _failure_reason(output: list[str], returncode: int) -> str:
    # Our s2i scripts end a failure with "error: <what and how to fix it>"; prefer that line.
    for line in reversed(output):
        if line.startswith("error: "):
            return line.removeprefix("error: ")
    for line in reversed(output):
        if line.strip():
            return line.strip()
    return f"{returncode=}"
