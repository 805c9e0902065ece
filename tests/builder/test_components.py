"""Each example component, built with the real builder and run as OpenShift runs it.

Checks, for the model, router, combiner, transformer and output transformer of
examples/: `seldon-s2i build` makes an image carrying s2i's labels; the image
runs under a random UID in group 0 with a read-only root file system; it answers
its service type's request over REST and over gRPC and counts it in Prometheus
metrics; the server is PID 1 and stops promptly on SIGTERM.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import numpy as np
import pytest
import requests
from google.protobuf import json_format
from model_images import EXAMPLES, image_inspect, remove_image, running_container, s2i_build, session_image
from seldon_s2i.protos import prediction_pb2, prediction_pb2_grpc

pytestmark = [pytest.mark.container, pytest.mark.slow, pytest.mark.timeout(900)]


@dataclass(frozen=True)
class Component:
    example: str
    class_name: str
    rest_path: str
    request: dict[str, Any]
    expected: list[Any]
    call_grpc: Callable[[grpc.Channel, dict[str, Any]], Any]
    method_label: str


def _message(body: dict[str, Any]) -> prediction_pb2.SeldonMessage:
    return json_format.ParseDict(body, prediction_pb2.SeldonMessage())


def _message_list(body: dict[str, Any]) -> prediction_pb2.SeldonMessageList:
    return json_format.ParseDict(body, prediction_pb2.SeldonMessageList())


COMPONENTS = [
    Component(
        "model", "MyModel", "/api/v1.0/predictions", {"data": {"ndarray": [[5.0, 3.4, 1.5, 0.2]]}}, [],
        lambda channel, body: prediction_pb2_grpc.ModelStub(channel).Predict(_message(body), timeout=10),
        "predict",
    ),
    Component(
        "router", "MyRouter", "/route", {"data": {"ndarray": [[2.5, 1.0]]}}, [[1]],
        lambda channel, body: prediction_pb2_grpc.RouterStub(channel).Route(_message(body), timeout=10),
        "route",
    ),
    Component(
        "transformer", "MyTransformer", "/transform-input", {"data": {"ndarray": [[7.0, 5.0]]}}, [[1.0, 0.0]],
        lambda channel, body: prediction_pb2_grpc.TransformerStub(channel).TransformInput(_message(body), timeout=10),
        "transform_input",
    ),
    Component(
        "output-transformer", "MyOutputTransformer", "/transform-output",
        {"data": {"ndarray": [[0.1, 0.7, 0.2]]}}, [[1]],
        lambda channel, body: prediction_pb2_grpc.OutputTransformerStub(channel).TransformOutput(
            _message(body), timeout=10
        ),
        "transform_output",
    ),
    Component(
        "combiner", "MyCombiner", "/aggregate",
        {"seldonMessages": [{"data": {"ndarray": [[1.0, 3.0]]}}, {"data": {"ndarray": [[3.0, 5.0]]}}]},
        [[2.0, 4.0]],
        lambda channel, body: prediction_pb2_grpc.CombinerStub(channel).Aggregate(_message_list(body), timeout=10),
        "aggregate",
    ),
]


@pytest.fixture(scope="module", params=COMPONENTS, ids=[component.example for component in COMPONENTS])
def built(request: pytest.FixtureRequest, builder_image: str) -> Iterator[tuple[Component, str]]:
    component: Component = request.param
    image = session_image(component.example)
    result = s2i_build(str(EXAMPLES / component.example), builder_image, image, "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == image
    yield component, image
    remove_image(image)


def _values(body: dict[str, Any]) -> Any:
    data = body["data"]
    return data.get("ndarray", data.get("tensor"))


def test_image_carries_s2i_labels_and_runs_the_run_script(built: tuple[Component, str], builder_image: str) -> None:
    component, image = built
    details = image_inspect(image)
    config = details["Config"]
    assert isinstance(config, dict)
    labels = config["Labels"]
    assert labels["io.openshift.s2i.build.image"] == builder_image
    assert labels["io.openshift.s2i.build.source-location"] == str(EXAMPLES / component.example)
    assert labels["io.k8s.display-name"] == image
    assert config["Cmd"] == ["/usr/libexec/s2i/run"]
    assert config["User"] == "1001"
    assert f"MODEL_NAME={component.class_name}" in config["Env"]


def test_serves_rest_grpc_and_metrics_as_a_random_uid_on_a_read_only_root(built: tuple[Component, str]) -> None:
    component, image = built
    with running_container(image) as container:
        response = requests.post(container.url + component.rest_path, json=component.request, timeout=10)
        assert response.status_code == 200, response.text
        rest_values = _values(response.json())

        with grpc.insecure_channel(container.grpc_target) as channel:
            reply = component.call_grpc(channel, component.request)
        grpc_values = _values(json_format.MessageToDict(reply))

        if component.example == "model":
            assert response.json()["data"]["names"] == ["setosa", "versicolor", "virginica"]
            assert abs(sum(rest_values[0]) - 1.0) < 1e-9
            np.testing.assert_allclose(grpc_values, rest_values)
        else:
            assert rest_values == component.expected
            np.testing.assert_allclose(grpc_values, component.expected)

        metrics = requests.get(container.metrics_url + "/prometheus", timeout=10).text
        assert f'method="{component.method_label}"' in metrics

        top = subprocess.run(["podman", "top", container.id, "user", "pid", "args"], capture_output=True, text=True)
        pid_one = next(line for line in top.stdout.splitlines()[1:] if line.split()[1] == "1")
        assert pid_one.split()[0] == "12345"
        assert "seldon-microservice " + component.class_name in pid_one

        started = time.monotonic()
        subprocess.run(["podman", "stop", "--time", "20", container.id], capture_output=True, check=True)
        assert time.monotonic() - started < 10, "SIGTERM must reach the server (PID 1) and stop it"
