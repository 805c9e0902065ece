"""Seldon Core 1.18.2's ``seldon-core-microservice`` and our ``seldon-microservice``, side by side.

Both serve the same user class from ``components/`` on free 127.0.0.1 ports, so a test can send one
request to both and compare the answers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from microservice_process import REPO, Microservice, free_port, start, wait_until_ready

COMPONENTS = Path(__file__).parent / "components"
SELDON_VENV = REPO / ".venvs" / "seldon-core"
SELDON_MICROSERVICE = SELDON_VENV / "bin" / "seldon-core-microservice"


@dataclass(frozen=True)
class Pair:
    """The same class served by Seldon Core 1.18.2 and by us."""

    seldon: Microservice
    ours: Microservice

    def __iter__(self) -> Iterator[Microservice]:
        return iter((self.seldon, self.ours))


def start_seldon(
    interface_name: str, log_dir: Path, service_type: str = "MODEL", env: Mapping[str, str] | None = None
) -> Microservice:
    assert SELDON_MICROSERVICE.exists(), "scripts/setup-dev installs seldon-core==1.18.2 into .venvs/seldon-core"
    http_port, grpc_port, metrics_port = free_port(), free_port(), free_port()
    log_path = log_dir / f"seldon-{interface_name}-{http_port}.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PREDICTIVE_UNIT_", "PROMETHEUS_"))}
    environment.update(env or {})
    command = [
        str(SELDON_MICROSERVICE),
        interface_name,
        "--service-type",
        service_type,
        "--http-port",
        str(http_port),
        "--grpc-port",
        str(grpc_port),
        "--metrics-port",
        str(metrics_port),
    ]
    with log_path.open("wb") as log:
        # A session of its own, so that its gunicorn, gRPC and metrics processes can be stopped together.
        process = subprocess.Popen(
            command, cwd=COMPONENTS, stdout=log, stderr=subprocess.STDOUT, env=environment, start_new_session=True
        )
    service = Microservice(http_port, grpc_port, metrics_port, process, log_path)
    try:
        wait_until_ready(service, timeout=60)
    except Exception:
        stop_seldon(service)
        raise
    return service


def stop_seldon(service: Microservice) -> None:
    """Stop Seldon's process group: its main process waits for its gRPC process, which ignores SIGTERM for long."""
    group = service.process.pid  # the group of the session it leads
    for signum, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signum)
        try:
            service.process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def start_ours(
    interface_name: str, log_dir: Path, service_type: str = "MODEL", env: Mapping[str, str] | None = None
) -> Microservice:
    return start(interface_name, COMPONENTS, log_dir, ["--service-type", service_type], env)


@contextmanager
def serving_pair(
    interface_name: str, log_dir: Path, service_type: str = "MODEL", env: Mapping[str, str] | None = None
) -> Iterator[Pair]:
    seldon = start_seldon(interface_name, log_dir, service_type, env)
    try:
        ours = start_ours(interface_name, log_dir, service_type, env)
    except Exception:
        stop_seldon(seldon)
        raise
    try:
        yield Pair(seldon, ours)
    finally:
        ours.stop()
        stop_seldon(seldon)
