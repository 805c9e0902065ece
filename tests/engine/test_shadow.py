"""Predictions mirrored to a shadow predictor's engine (ENGINE_SHADOW_ENDPOINTS): it gets a copy of each, the
caller gets the main graph's answer and never waits for the shadow."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import requests
from engine_graphs import Graph, predictor, rest_predict, values
from engine_process import engine_environment, running_engine
from microservice_process import BIN, free_port


def predictions_answered(url: str) -> int:
    text = requests.get(f"{url}/prometheus", timeout=10).text
    found = re.search(r'seldon_api_executor_server_requests_seconds_count\{[^}]*service="predictions"[^}]*\} (\S+)', text)
    return int(float(found.group(1))) if found else 0


def test_each_prediction_is_mirrored_to_the_shadow(graph: Graph, tmp_path: Path) -> None:
    with running_engine(predictor(graph.node("add2", type="MODEL"), name="shadow"), tmp_path) as shadow, \
            running_engine(predictor(graph.node("add1", type="MODEL")), tmp_path,
                           env={"ENGINE_SHADOW_ENDPOINTS": shadow.url}) as main:
        answers = [rest_predict(main.url, [[float(i)]]) for i in range(3)]
        deadline = time.monotonic() + 20
        while predictions_answered(shadow.url) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        mirrored = predictions_answered(shadow.url)
    assert [values(answer.json()) for answer in answers] == [[[1.0]], [[2.0]], [[3.0]]]
    assert mirrored == 3


def test_a_shadow_url_that_is_not_http_is_refused_at_start() -> None:
    environment = engine_environment({"name": "p", "graph": {"name": "a", "endpoint": {
        "service_host": "127.0.0.1", "httpPort": 9000}}}, {"ENGINE_SHADOW_ENDPOINTS": "shadow:8000"})
    result = subprocess.run([str(BIN / "seldon-engine"), "--http-port", str(free_port()), "--grpc-port",
                             str(free_port())], env=environment, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == ("seldon-engine: error: ENGINE_SHADOW_ENDPOINTS: 'shadow:8000' is not an "
                                     "http:// base URL of a shadow's engine")
