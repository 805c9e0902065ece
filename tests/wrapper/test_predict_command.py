"""``seldon-s2i predict`` against a running model, and the README's main command from a fresh clone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from microservice_process import BIN, REPO, Microservice, free_port


def predict(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "seldon-s2i"), "predict", *args], capture_output=True, text=True, timeout=60)


def test_predict_over_rest_and_grpc(model: Microservice) -> None:
    rest = predict("--endpoint", f"127.0.0.1:{model.http_port}", "--data", "[[5.1, 3.5, 1.4, 0.2]]")
    assert rest.returncode == 0, rest.stderr
    assert json.loads(rest.stdout)["data"]["names"] == ["setosa", "versicolor", "virginica"]
    message = '{"data": {"tensor": {"shape": [1, 4], "values": [6.7, 3.0, 5.2, 2.3]}}}'
    grpc = predict("--grpc", "--endpoint", model.grpc_target, "--json", message)
    assert grpc.returncode == 0, grpc.stderr
    assert json.loads(grpc.stdout)["data"]["tensor"]["shape"] == [1, 3]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "[[1, 2"], "the payload is not valid JSON"),
        (["--method", "route", "--data", "[1]"], "HTTP 400: Route not defined"),
        (["--grpc", "--method", "route", "--data", "[1]"], "gRPC INVALID_ARGUMENT: Route not defined"),
        (["--file", "/nonexistent/message.json"], "cannot read /nonexistent/message.json"),
    ],
)
def test_predict_errors_are_one_clear_line(model: Microservice, args: list[str], message: str) -> None:
    endpoint = model.grpc_target if "--grpc" in args else f"127.0.0.1:{model.http_port}"
    result = predict("--endpoint", endpoint, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_predict_unreachable_server() -> None:
    result = predict("--endpoint", f"127.0.0.1:{free_port()}", "--data", "[1]")
    assert result.returncode == 2 and "cannot reach" in result.stderr


@pytest.mark.slow
def test_readme_main_command_from_a_fresh_clone(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True, timeout=120)
    # The clone has what is committed; the command must work from that alone.
    env = {**os.environ, "HTTP_PORT": str(free_port()), "GRPC_PORT": str(free_port()), "METRICS_PORT": str(free_port())}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run(["scripts/run-example"], cwd=clone, capture_output=True, text=True, timeout=900, env=env)
    shutil.rmtree(clone, ignore_errors=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert '"setosa"' in result.stdout
    assert "mymodel_predictions_total" in result.stdout
