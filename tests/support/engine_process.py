"""Start a real ``seldon-engine`` process on free 127.0.0.1 ports for a predictor, for tests."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import requests
from microservice_process import BIN, free_port


@dataclass(frozen=True)
class Engine:
    http_port: int
    grpc_port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode


def engine_environment(predictor: Mapping[str, Any], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("ENGINE_", "PREDICTIVE_UNIT_"))}
    environment["ENGINE_PREDICTOR"] = base64.b64encode(json.dumps(predictor).encode()).decode()
    environment["SELDON_DEPLOYMENT_ID"] = "test-graph"
    environment.update(extra or {})
    return environment


def start_engine(predictor: Mapping[str, Any], log_dir: Path, env: Mapping[str, str] | None = None,
                 timeout: float = 60) -> Engine:
    http_port, grpc_port = free_port(), free_port()
    log_path = log_dir / f"engine-{http_port}.log"
    command = [str(BIN / "seldon-engine"), "--host", "127.0.0.1", "--http-port", str(http_port),
               "--grpc-port", str(grpc_port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   env=engine_environment(predictor, env))
    engine = Engine(http_port, grpc_port, process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"seldon-engine exited with {process.returncode}:\n{engine.log()}")
        try:
            if requests.get(f"{engine.url}/live", timeout=1).status_code == 200:
                with grpc.insecure_channel(engine.grpc_target) as channel:
                    grpc.channel_ready_future(channel).result(timeout=2)
                return engine
        except (requests.ConnectionError, requests.Timeout, grpc.FutureTimeoutError):
            pass
        time.sleep(0.1)
    engine.stop()
    raise RuntimeError(f"seldon-engine did not start in {timeout}s:\n{engine.log()}")


@contextmanager
def running_engine(predictor: Mapping[str, Any], log_dir: Path, env: Mapping[str, str] | None = None
                   ) -> Iterator[Engine]:
    engine = start_engine(predictor, log_dir, env)
    try:
        yield engine
    finally:
        engine.stop()
