"""Build model images with the real builder and run them with podman, for tests and benchmarks.

``ensure_builder`` builds the local Python base image (once per machine, cached
by name) and the seldon-python builder on it; ``s2i_build`` runs the real
``seldon-s2i build`` command; ``graph_sources`` finds the source folders a graph's
containers name; ``running_container`` starts an image the way
OpenShift's restricted SCC would (random UID in group 0, read-only root file
system) on free 127.0.0.1 ports and waits until it answers.
Used by tests/builder, tests/e2e and bench/build_bench.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
import yaml
from microservice_process import Endpoints, free_port

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
# Output transformer -> transformer -> model, each container's image a source folder of examples/.
PIPELINE = EXAMPLES / "graphs" / "pipeline.yaml"
BASE_IMAGE_SCRIPT = REPO / "scripts" / "base-image"
BUILD_IMAGE_SCRIPT = REPO / "builder" / "build-image"
SELDON_S2I = Path(sys.executable).parent / "seldon-s2i"
# Image tags carry this process's id, so that test sessions running side by side on one machine
# never build over or remove each other's images.
SESSION_TAG = f"session-{os.getpid()}"
TEST_BUILDER = f"localhost/seldon-s2i/seldon-python:{SESSION_TAG}"
# The machine's CA bundle: behind a TLS-intercepting proxy pip needs it to reach PyPI.
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
RANDOM_UID = "12345:0"


class ToolMissing(RuntimeError):
    """A container tool the tests need is not installed (scripts/setup-dev installs them)."""


def require_container_tools() -> None:
    missing = [tool for tool in ("buildah", "podman", "git") if shutil.which(tool) is None]
    if missing:
        raise ToolMissing(f"{', '.join(missing)} not installed: run scripts/setup-dev as root")


def trusted_ca_args() -> list[str]:
    return ["--trusted-ca", str(HOST_CA_BUNDLE)] if HOST_CA_BUNDLE.is_file() else []


def ensure_builder(tag: str = TEST_BUILDER) -> str:
    """Build the base image if this machine lacks it, then the builder on it; return the builder's name."""
    require_container_tools()
    base = subprocess.run([str(BASE_IMAGE_SCRIPT)], capture_output=True, text=True, check=False)
    if base.returncode != 0:
        raise RuntimeError(f"scripts/base-image failed:\n{base.stderr[-4000:]}")
    command = [str(BUILD_IMAGE_SCRIPT), "--base", base.stdout.strip().splitlines()[-1], "--tag", tag, *trusted_ca_args()]
    built = subprocess.run(command, capture_output=True, text=True, check=False)
    if built.returncode != 0:
        raise RuntimeError(f"builder/build-image failed:\n{built.stdout[-4000:]}\n{built.stderr[-4000:]}")
    return tag


@dataclass(frozen=True)
class BuildResult:
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def error_line(self) -> str:
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return lines[-1] if lines else ""


def s2i_build(*args: str, timeout: float = 600) -> BuildResult:
    """Run ``seldon-s2i build ARGS`` and capture what the user would see."""
    started = time.monotonic()
    result = subprocess.run(
        [str(SELDON_S2I), "build", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    return BuildResult(result.returncode, result.stdout, result.stderr, time.monotonic() - started)


def session_image(name: str) -> str:
    """A name for an image built by this test session."""
    return f"localhost/seldon-s2i-test/{name}:{SESSION_TAG}"


def image_exists(image: str) -> bool:
    return subprocess.run(["podman", "image", "exists", image], check=False).returncode == 0


def remove_image(image: str) -> None:
    subprocess.run(["podman", "rmi", "--force", image], capture_output=True, check=False)


def image_inspect(image: str) -> dict[str, object]:
    output = subprocess.run(["podman", "image", "inspect", image], capture_output=True, text=True, check=True).stdout
    document = json.loads(output)[0]
    assert isinstance(document, dict)
    return document


def graph_sources(graph: Path) -> dict[str, Path]:
    """Container name -> the source folder its ``image`` names (a path relative to the graph file, as in
    examples/graphs), for every container of the SeldonDeployment file ``graph``."""
    document = yaml.safe_load(graph.read_text())
    return {container["name"]: (graph.parent / container["image"]).resolve()
            for predictor in document["spec"]["predictors"] for component in predictor["componentSpecs"]
            for container in component["spec"]["containers"]}


def copy_example(name: str, destination: Path) -> Path:
    folder = destination / name
    shutil.copytree(EXAMPLES / name, folder)
    return folder


@dataclass(frozen=True)
class Container(Endpoints):
    id: str
    started_at: float
    ready_at: float

    def logs(self) -> str:
        result = subprocess.run(["podman", "logs", self.id], capture_output=True, text=True, check=False)
        return result.stdout + result.stderr


def _container_state(container_id: str) -> str:
    result = subprocess.run(
        ["podman", "inspect", "--format", "{{.State.Status}}", container_id], capture_output=True, text=True, check=False
    )
    return result.stdout.strip()


@contextmanager
def running_container(
    image: str,
    user: str | None = RANDOM_UID,
    read_only: bool = True,
    env: dict[str, str] | None = None,
    extra_args: Sequence[str] = (),
    timeout: float = 60,
    command: Sequence[str] = (),
) -> Iterator[Container]:
    """Run ``image`` detached, wait for GET /health/ping to answer pong, and remove it afterwards."""
    rest, grpc_port, metrics = free_port(), free_port(), free_port()
    podman = ["podman", "run", "-d", "-p", f"127.0.0.1:{rest}:9000", "-p", f"127.0.0.1:{grpc_port}:5000"]
    podman += ["-p", f"127.0.0.1:{metrics}:6000"]
    if user:
        # As OpenShift's restricted SCC runs pods: an arbitrary UID, no capabilities, no privilege gain.
        podman += ["--user", user, "--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
    if read_only:
        podman.append("--read-only")
    for key, value in (env or {}).items():
        podman += ["-e", f"{key}={value}"]
    started_at = time.monotonic()
    run = [*podman, *extra_args, image, *command]
    container_id = subprocess.run(run, capture_output=True, text=True, check=True).stdout.strip()
    try:
        ready_at = _wait_for_pong(container_id, rest, started_at + timeout)
        yield Container(rest, grpc_port, metrics, container_id, started_at, ready_at)
    finally:
        subprocess.run(["podman", "rm", "--force", "--time", "2", container_id], capture_output=True, check=False)


def _wait_for_pong(container_id: str, port: int, deadline: float) -> float:
    next_state_check = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/health/ping", timeout=0.5).text == "pong":
                return time.monotonic()
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.01)
        # Asking podman costs tens of milliseconds: often enough to notice a crash, not on every poll.
        if time.monotonic() < next_state_check:
            continue
        next_state_check = time.monotonic() + 0.5
        state = _container_state(container_id)
        if state not in {"running", "created", "configured", "initialized"}:
            logs = subprocess.run(["podman", "logs", container_id], capture_output=True, text=True, check=False)
            raise RuntimeError(f"container {container_id[:12]} is {state}:\n{logs.stdout}{logs.stderr}")
    raise RuntimeError(f"container {container_id[:12]} did not answer /health/ping in time")


def git(*args: str, cwd: Path) -> str:
    environment = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test Author",
        "GIT_AUTHOR_EMAIL": "author@example.com",
        "GIT_COMMITTER_NAME": "Test Author",
        "GIT_COMMITTER_EMAIL": "author@example.com",
    }
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=environment, check=True)
    return result.stdout.strip()
