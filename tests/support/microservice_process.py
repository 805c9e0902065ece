"""Start a real ``seldon-microservice`` process on free 127.0.0.1 ports, for tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
import requests

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Endpoints:
    """Where a served component listens on 127.0.0.1 (a process here, or a container's published ports)."""

    http_port: int
    grpc_port: int
    metrics_port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}"

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"


@dataclass(frozen=True)
class Microservice(Endpoints):
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def channel(self) -> grpc.Channel:
        return grpc.insecure_channel(self.grpc_target)

    def stop(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode


def wait_until_ready(service: Microservice, timeout: float = 30, grpc_enabled: bool = True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"seldon-microservice exited with {service.process.returncode}:\n{service.log()}")
        try:
            if requests.get(f"{service.url}/health/ping", timeout=1).text == "pong":
                if not grpc_enabled:
                    return
                with service.channel() as channel:
                    grpc.channel_ready_future(channel).result(timeout=1)
                return
        except (requests.ConnectionError, requests.Timeout, grpc.FutureTimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"seldon-microservice did not become ready in {timeout}s:\n{service.log()}")


def start(
    interface_name: str,
    folder: Path,
    log_dir: Path,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    wait: bool = True,
) -> Microservice:
    http_port, grpc_port, metrics_port = free_port(), free_port(), free_port()
    log_path = log_dir / f"{interface_name}-{http_port}.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PREDICTIVE_UNIT_", "PROMETHEUS_"))}
    environment.update(env or {})
    command = [
        str(BIN / "seldon-microservice"),
        interface_name,
        "--host",
        "127.0.0.1",
        "--http-port",
        str(http_port),
        "--grpc-port",
        str(grpc_port),
        "--metrics-port",
        str(metrics_port),
        *args,
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=environment)
    service = Microservice(http_port, grpc_port, metrics_port, process, log_path)
    if wait:
        try:
            wait_until_ready(service, grpc_enabled="--grpc-workers=0" not in args and _grpc_workers(args) != "0")
        except Exception:
            service.stop()
            raise
    return service


def _grpc_workers(args: Sequence[str]) -> str | None:
    items = list(args)
    if "--grpc-workers" in items:
        return items[items.index("--grpc-workers") + 1]
    return None


@contextmanager
def running(
    interface_name: str,
    folder: Path,
    log_dir: Path,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> Iterator[Microservice]:
    service = start(interface_name, folder, log_dir, args, env)
    try:
        yield service
    finally:
        service.stop()
