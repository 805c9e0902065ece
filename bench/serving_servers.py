"""The servers of the serving benchmark: how each is installed, started, stopped, and which settings it runs with.

Every server runs as its own process group in its own session (so its CPU can be summed and it can be stopped
whole), from a fresh temp folder holding its model code, on free ports of 127.0.0.1. Competitors run with their
documented defaults; only ports are set. Used by bench/serving.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
COMPONENTS = BENCH / "components"
PROJECT_BIN = Path(sys.executable).parent  # the project venv that runs this benchmark
SIDE_VENVS = REPO / ".venvs"

SELDON_CORE_REQUIREMENTS = ("seldon-core==1.18.2", "setuptools<81")  # gunicorn 20.1 needs pkg_resources
MLSERVER_REQUIREMENTS = ("mlserver==1.7.1", "uvloop==0.21.0")  # newer uvloop breaks MLServer's workers
MLSERVER_MODEL = "identity"
# Inherited variables that would silently change a server's settings away from its defaults.
SETTING_ENV_PREFIXES = ("PREDICTIVE_UNIT_", "GUNICORN_", "GRPC_", "SELDON_", "MLSERVER_", "GRANIAN_", "FLASK_")
STARTUP_SECONDS = 120

Protocol = Literal["seldon", "v2"]


class ServerError(RuntimeError):
    """A server could not be installed or started."""


@dataclass(frozen=True)
class Ports:
    http: int
    grpc: int
    metrics: int


@dataclass(frozen=True)
class ServerSpec:
    """How to run one contender."""

    key: str
    label: str
    protocol: Protocol
    settings: Callable[[], str]  # the settings it runs with, for the table's notes
    prepare: Callable[[Path, Ports], list[list[str]]]  # writes model files, returns the commands to start
    rest_path: str
    grpc_path: str
    missing: Callable[[], str | None] = field(default=lambda: None)  # why it cannot run, if it cannot


@dataclass
class RunningServer:
    spec: ServerSpec
    ports: Ports
    processes: list[subprocess.Popen[bytes]]
    log: Path

    @property
    def session_ids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.http}{self.spec.rest_path}"

    def grpc_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.grpc}{self.spec.grpc_path}"

    def exited(self) -> str | None:
        for process in self.processes:
            if process.poll() is not None:
                return f"exited with status {process.returncode}; last log lines:\n{tail(self.log)}"
        return None

    def stop(self) -> None:
        for process in self.processes:
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
            # Workers outliving their parent are still in the group.
            _signal_group(process, signal.SIGKILL)


def start(spec: ServerSpec, workdir: Path, extra_args: Sequence[str] = ()) -> RunningServer:
    """Start the server; `extra_args` go at the end of its first command (ours: `--workers 2`, say)."""
    ports = Ports(*free_ports(3))
    commands = spec.prepare(workdir, ports)
    commands[0] = [*commands[0], *extra_args]
    log = workdir / "server.log"
    environment = {key: value for key, value in os.environ.items() if not key.startswith(SETTING_ENV_PREFIXES)}
    processes = []
    with log.open("ab") as log_file:
        for command in commands:
            processes.append(
                subprocess.Popen(
                    command,
                    cwd=workdir,
                    env=environment,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
    server = RunningServer(spec, ports, processes, log)
    try:
        _wait_for_ports(server, (ports.http, ports.grpc))
    except ServerError:
        server.stop()
        raise
    return server


def _wait_for_ports(server: RunningServer, ports: tuple[int, ...]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    pending = list(ports)
    while pending:
        if (why := server.exited()) is not None:
            raise ServerError(f"{server.spec.label} {why}")
        if time.monotonic() > deadline:
            raise ServerError(f"{server.spec.label} did not listen on {pending} within {STARTUP_SECONDS}s")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", pending[0])) == 0:
                pending.pop(0)
                continue
        time.sleep(0.2)


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


# --------------------------------------------------------------------------------- side environments


def ensure_side_venv(name: str, requirements: tuple[str, ...], check: str) -> Path:
    """Create .venvs/<name> with `requirements` unless `check` (a Python statement) already runs there."""
    venv = SIDE_VENVS / name
    python = venv / "bin" / "python"
    if python.exists() and subprocess.run([python, "-c", check], capture_output=True, check=False).returncode == 0:
        return venv
    print(f"--> installing {' '.join(requirements)} into {venv.relative_to(REPO)}", file=sys.stderr, flush=True)
    base_python = getattr(sys, "_base_executable", None) or shutil.which("python3") or "python3"
    steps = [] if python.exists() else [[base_python, "-m", "venv", str(venv)]]
    steps.append([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *requirements])
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ServerError(f"could not set up {venv.relative_to(REPO)}: {(done.stdout + done.stderr)[-500:]}")
    return venv


# ---------------------------------------------------------------------------------------- the servers


@dataclass(frozen=True)
class ServingShape:
    """Processes and threads of ours by default; the bare ceiling copies them so it differs only by Seldon logic."""

    rest_workers: int = 1
    rest_threads: int = 1
    grpc_workers: int = 1
    grpc_threads: int = 1

    def describe(self) -> str:
        return (
            f"REST {self.rest_workers} worker(s) x {self.rest_threads} thread(s), "
            f"gRPC {self.grpc_workers} process(es) x {self.grpc_threads} thread(s)"
        )


def ours_shape() -> ServingShape:
    """Read ours' default shape from `seldon-microservice --help`, so the notes follow the lead's defaults."""
    done = subprocess.run([PROJECT_BIN / "seldon-microservice", "--help"], capture_output=True, text=True, check=False)
    help_text = " ".join(done.stdout.split())

    def default(flag: str) -> int:
        # The option's own entry (not the usage line): "--workers WORKERS <text> (default: 1)".
        found = re.search(rf"(?<![\w\[-]){flag} [A-Z_]+ (?:(?! --[a-z]).)*?\(default: (\d+)\)", help_text)
        return int(found.group(1)) if found else 1

    return ServingShape(
        default("--workers"), default("--threads"), default("--grpc-workers"), default("--grpc-threads")
    )


def _identity_model(workdir: Path, ports: Ports, executable: Path) -> list[list[str]]:
    shutil.copy(COMPONENTS / "Identity.py", workdir / "Identity.py")
    return [[
        str(executable), "Identity", "--service-type", "MODEL",
        "--http-port", str(ports.http), "--grpc-port", str(ports.grpc), "--metrics-port", str(ports.metrics),
    ]]  # fmt: skip


def _ours(workdir: Path, ports: Ports) -> list[list[str]]:
    return _identity_model(workdir, ports, PROJECT_BIN / "seldon-microservice")


def _ours_missing() -> str | None:
    binary = PROJECT_BIN / "seldon-microservice"
    if not binary.exists():
        return f"{binary} is not installed"
    done = subprocess.run([binary, "--help"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return f"seldon-microservice --help fails: {(done.stdout + done.stderr).strip().splitlines()[-1:]}"
    return None


# A second build of ours to compare against (an older checkout's venv), set by serving.py --baseline.
BASELINE: dict[str, Path] = {}


def _baseline(workdir: Path, ports: Ports) -> list[list[str]]:
    return _identity_model(workdir, ports, BASELINE["venv"] / "bin" / "seldon-microservice")


def _baseline_missing() -> str | None:
    if "venv" not in BASELINE:
        return "give --baseline VENV (a virtualenv with another build of seldon-microservice)"
    binary = BASELINE["venv"] / "bin" / "seldon-microservice"
    return None if binary.exists() else f"{binary} is not installed"


def _seldon_core(workdir: Path, ports: Ports) -> list[list[str]]:
    venv = ensure_side_venv("seldon-core", SELDON_CORE_REQUIREMENTS, "import seldon_core, pkg_resources")
    return _identity_model(workdir, ports, venv / "bin" / "seldon-core-microservice")


def _mlserver(workdir: Path, ports: Ports) -> list[list[str]]:
    venv = ensure_side_venv("mlserver", MLSERVER_REQUIREMENTS, "import mlserver, uvloop")
    shutil.copy(COMPONENTS / "identity_runtime.py", workdir / "identity_runtime.py")
    settings = {"http_port": ports.http, "grpc_port": ports.grpc, "metrics_port": ports.metrics}
    (workdir / "settings.json").write_text(json.dumps(settings))
    model = {"name": MLSERVER_MODEL, "implementation": "identity_runtime.IdentityRuntime"}
    (workdir / "model-settings.json").write_text(json.dumps(model))
    return [[str(venv / "bin" / "mlserver"), "start", str(workdir)]]


def _bare_grpc(workdir: Path, ports: Ports, shape: ServingShape) -> list[str]:
    shutil.copy(BENCH / "bare_echo.py", workdir / "bare_echo.py")
    return [str(PROJECT_BIN / "python"), "bare_echo.py", "grpc", str(ports.grpc), str(shape.grpc_threads)]


def _bare(workdir: Path, ports: Ports) -> list[list[str]]:
    shape = ours_shape()
    granian = [
        str(PROJECT_BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(ports.http),
        "--workers", str(shape.rest_workers), "--blocking-threads", str(shape.rest_threads), "--no-ws",
        "bare_echo:app",
    ]  # fmt: skip
    return [granian, _bare_grpc(workdir, ports, shape)]


def _bare_gunicorn(workdir: Path, ports: Ports) -> list[list[str]]:
    shape = ours_shape()
    gunicorn = [
        str(PROJECT_BIN / "gunicorn"), "--bind", f"127.0.0.1:{ports.http}", "--workers", str(shape.rest_workers),
        "--threads", str(shape.rest_threads), "--worker-class", "gthread", "bare_echo:app",
    ]  # fmt: skip
    return [gunicorn, _bare_grpc(workdir, ports, shape)]


def _gunicorn_missing() -> str | None:
    return None if (PROJECT_BIN / "gunicorn").exists() else "gunicorn is not installed in the project venv"


def _bare_settings(server: str) -> Callable[[], str]:
    def describe() -> str:
        shape = ours_shape()
        return (
            f"Flask on {server} and a grpcio server, echoing the body without parsing it; shaped like ours: "
            f"{shape.describe()}"
        )

    return describe


SELDON_REST_PATH = "/api/v1.0/predictions"
SELDON_GRPC_PATH = "/seldon.protos.Model/Predict"

SERVERS: tuple[ServerSpec, ...] = (
    ServerSpec(
        "ours", "ours (seldon-microservice)", "seldon", lambda: f"defaults: {ours_shape().describe()}", _ours,
        SELDON_REST_PATH, SELDON_GRPC_PATH, missing=_ours_missing,
    ),
    ServerSpec(
        "seldon-core", "seldon-core 1.18.2", "seldon",
        lambda: "defaults: gunicorn 1 worker x 1 thread (sync), gRPC 1 process x 1 thread, access log off",
        _seldon_core, SELDON_REST_PATH, SELDON_GRPC_PATH,
    ),
    ServerSpec(
        "mlserver", "MLServer 1.7.1", "v2",
        lambda: "defaults: parallel_workers=1 (inference in 1 worker process), debug=true (access logs on)",
        _mlserver, f"/v2/models/{MLSERVER_MODEL}/infer", "/inference.GRPCInferenceService/ModelInfer",
    ),
    ServerSpec(
        "bare", "bare echo (ceiling)", "seldon", _bare_settings("granian (WSGI)"), _bare,
        SELDON_REST_PATH, SELDON_GRPC_PATH,
    ),
    # Not run by default: ours from another checkout (serving.py --baseline VENV), to show a change's effect.
    ServerSpec(
        "baseline", "ours, baseline build", "seldon", lambda: f"defaults of the build in {BASELINE.get('venv')}",
        _baseline, SELDON_REST_PATH, SELDON_GRPC_PATH, missing=_baseline_missing,
    ),
    # Not run by default: answers whether granian or gunicorn is the faster home for the Flask app.
    ServerSpec(
        "bare-gunicorn", "bare echo on gunicorn", "seldon", _bare_settings("gunicorn (gthread)"), _bare_gunicorn,
        SELDON_REST_PATH, SELDON_GRPC_PATH, missing=_gunicorn_missing,
    ),
)  # fmt: skip
DEFAULT_SERVERS = ("ours", "seldon-core", "mlserver", "bare")
