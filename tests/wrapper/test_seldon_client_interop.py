"""Seldon Core 1.18.2's own Python client (PyPI seldon-core, in its own virtual environment) talks to our server."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from microservice_process import REPO, Microservice, running

COMPONENTS = Path(__file__).parent / "components"
SELDON_PYTHON = REPO / ".venvs" / "seldon-core" / "bin" / "python"


@pytest.fixture(scope="module")
def client_results(log_dir: Path) -> Iterator[dict[str, dict]]:
    assert SELDON_PYTHON.exists(), "scripts/setup-dev creates .venvs/seldon-core with seldon-core==1.18.2"
    with running("Described", COMPONENTS, log_dir) as service:
        yield _run_client(service)


def _run_client(service: Microservice) -> dict[str, dict]:
    script = Path(__file__).parent / "seldon_client_calls.py"
    done = subprocess.run(
        [str(SELDON_PYTHON), str(script), f"127.0.0.1:{service.http_port}", service.grpc_target],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("transport", ["rest", "grpc"])
@pytest.mark.parametrize("mode", ["micro", "gateway"])
@pytest.mark.parametrize("payload", ["ndarray", "tensor"])
def test_seldon_client_predicts(client_results: dict[str, dict], transport: str, mode: str, payload: str) -> None:
    result = client_results[f"{transport}-{mode}-{payload}"]
    assert result["success"], result["msg"]
    data = result["response"]["data"]
    values = data["ndarray"] if payload == "ndarray" else data["tensor"]["values"]
    flat = [v for row in values for v in row] if payload == "ndarray" else values
    assert flat == [5.1, 3.5, 1.4, 0.2]


@pytest.mark.parametrize("transport", ["rest", "grpc"])
def test_seldon_client_other_payloads_and_feedback(client_results: dict[str, dict], transport: str) -> None:
    assert client_results[f"{transport}-str"]["response"]["strData"] == "HELLO"
    assert client_results[f"{transport}-json"]["response"]["jsonData"]["received"] == {"a": 1}
    assert client_results[f"{transport}-bin"]["response"]["binData"] == "AgE="  # b"\x02\x01", reversed by the model
    feedback = client_results[f"{transport}-feedback"]
    assert feedback["success"], feedback["msg"]
