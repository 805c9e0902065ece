"""Graph nodes for the orchestrator tests: real seldon-microservice processes of tests/engine/units/GraphUnit.

Four processes serve every graph of the session: ``add1`` (X+1, refuses a first feature of 13),
``add2`` (X+2, sleeps 6 s on a first feature of 77), ``times10`` (X*10) and ``chooser`` (routes to
the child its first feature names; as a combiner it sums). A graph names them as nodes
(``graph.node("add1")``); the orchestrator is started per graph.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import grpc
import requests
from google.protobuf import json_format
from microservice_process import BIN, REPO, Microservice, free_port, start, wait_until_ready
from seldon_s2i.protos import prediction_pb2, prediction_pb2_grpc

UNITS = Path(__file__).resolve().parents[1] / "engine" / "units"
UNIT_PARAMETERS = {
    "add1": {"add": ("1", "FLOAT"), "fail_on": ("13", "FLOAT")},
    "add2": {"add": ("2", "FLOAT"), "sleep_on": ("77", "FLOAT"), "sleep": ("6", "FLOAT")},
    "times10": {"scale": ("10", "FLOAT")},
    "chooser": {},
}


def unit_parameters(name: str, values: dict[str, tuple[str, str]]) -> str:
    listed = [{"name": "name", "value": name, "type": "STRING"}]
    listed += [{"name": key, "value": value, "type": kind} for key, (value, kind) in values.items()]
    return json.dumps(listed)


def start_unit(name: str, log_dir: Path, values: dict[str, tuple[str, str]] | None = None) -> Microservice:
    return start("GraphUnit", UNITS, log_dir, args=["--parameters", unit_parameters(name, values or {})],
                 env={"PREDICTIVE_UNIT_ID": name})


SELDON_MICROSERVICE = REPO / ".venvs" / "seldon-core" / "bin" / "seldon-core-microservice"


def start_seldon_unit(name: str, log_dir: Path, values: dict[str, tuple[str, str]] | None = None) -> Microservice:
    """The unit served by Seldon Core 1.18.2's ``seldon-core-microservice`` (in a session of its own)."""
    assert SELDON_MICROSERVICE.exists(), "scripts/setup-dev installs seldon-core==1.18.2 into .venvs/seldon-core"
    http_port, grpc_port, metrics_port = free_port(), free_port(), free_port()
    log_path = log_dir / f"seldon-{name}-{http_port}.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PREDICTIVE_UNIT_", "PROMETHEUS_"))}
    environment.update({"PREDICTIVE_UNIT_ID": name, "PREDICTIVE_UNIT_PARAMETERS": unit_parameters(name, values or {})})
    command = [str(SELDON_MICROSERVICE), "GraphUnit", "--service-type", "MODEL", "--http-port", str(http_port),
               "--grpc-port", str(grpc_port), "--metrics-port", str(metrics_port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=UNITS, stdout=log, stderr=subprocess.STDOUT, env=environment,
                                   start_new_session=True)
    service = Microservice(http_port, grpc_port, metrics_port, process, log_path)
    try:
        wait_until_ready(service, timeout=60)
    except Exception:
        stop_seldon_unit(service)
        raise
    return service


def stop_seldon_unit(service: Microservice) -> None:
    """Seldon's gRPC process ignores SIGTERM for long: its whole session goes, then SIGKILL if need be."""
    for signum, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(service.process.pid, signum)
        try:
            service.process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def restart_unit(name: str, old: Microservice, log_dir: Path) -> Microservice:
    """The unit started again on the ports ``old`` had (a node coming back after a crash)."""
    command = [str(BIN / "seldon-microservice"), "GraphUnit", "--host", "127.0.0.1",
               "--http-port", str(old.http_port), "--grpc-port", str(old.grpc_port),
               "--metrics-port", str(old.metrics_port), "--parameters", unit_parameters(name, {})]
    log_path = log_dir / f"{name}-restarted.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PREDICTIVE_UNIT_", "PROMETHEUS_"))}
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=UNITS, stdout=log, stderr=subprocess.STDOUT,
                                   env={**environment, "PREDICTIVE_UNIT_ID": name})
    service = Microservice(old.http_port, old.grpc_port, old.metrics_port, process, log_path)
    wait_until_ready(service, timeout=60)
    return service


def endpoint(service: Microservice, kind: str = "REST", http: bool = True, grpc_port: bool = True) -> dict[str, Any]:
    found: dict[str, Any] = {"service_host": "127.0.0.1", "type": kind}
    if http:
        found["httpPort"] = service.http_port
    if grpc_port:
        found["grpcPort"] = service.grpc_port
    return found


class Graph:
    """Builds graph nodes backed by the unit processes."""

    def __init__(self, units: dict[str, Microservice]) -> None:
        self.units = units

    def node(self, name: str, unit: str | None = None, children: list[dict[str, Any]] | None = None,
             **fields: Any) -> dict[str, Any]:
        built: dict[str, Any] = {"name": name, **fields}
        if "endpoint" not in fields and fields.get("implementation") != "RANDOM_ABTEST":
            built["endpoint"] = endpoint(self.units[unit or name])
        if children:
            built["children"] = children
        return built


def predictor(root: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"name": "default", "graph": root, **fields}


# ---- clients -------------------------------------------------------------------------------------------------
def rest_predict(url: str, rows: list[list[float]], headers: dict[str, str] | None = None,
                 timeout: float = 30) -> requests.Response:
    return requests.post(f"{url}/api/v1.0/predictions", json={"data": {"ndarray": rows}}, headers=headers,
                         timeout=timeout)


def grpc_predict(target: str, rows: list[list[float]], metadata: tuple[tuple[str, str], ...] = (),
                 timeout: float = 30, service: str = "Seldon") -> dict[str, Any]:
    """The answer as a JSON document (``service``: Seldon for an engine, Model for a node); grpc.RpcError when
    the call fails."""
    request = json_format.ParseDict({"data": {"ndarray": rows}}, prediction_pb2.SeldonMessage())
    stub = prediction_pb2_grpc.SeldonStub if service == "Seldon" else prediction_pb2_grpc.ModelStub
    with grpc.insecure_channel(target) as channel:
        answer = stub(channel).Predict(request, timeout=timeout, metadata=metadata)
    document: dict[str, Any] = json_format.MessageToDict(answer)
    return document


def predict(engine: Any, transport: str, rows: list[list[float]]) -> dict[str, Any]:
    """The answer document over ``transport``; fails the test on an error answer."""
    if transport == "rest":
        answer = rest_predict(engine.url, rows)
        assert answer.status_code == 200, answer.text
        document: dict[str, Any] = answer.json()
        return document
    return grpc_predict(engine.grpc_target, rows)


def values(document: dict[str, Any]) -> list[list[float]]:
    data = document["data"]
    if "ndarray" in data:
        return [[float(v) for v in row] for row in data["ndarray"]]
    tensor = data["tensor"]
    rows, columns = (int(size) for size in tensor["shape"])
    flat = [float(v) for v in tensor["values"]]
    return [flat[r * columns:(r + 1) * columns] for r in range(rows)]
