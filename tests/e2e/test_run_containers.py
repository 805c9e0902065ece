"""End to end with real containers: ``seldon-s2i run --containers`` on examples/graphs/pipeline.yaml, its
components being the images ``seldon-s2i build`` made of the example folders (output transformer -> transformer
-> model), runs each image with podman and the orchestrator in front of them. The orchestrator answers what
the example classes compute over REST and gRPC, and SIGTERM stops everything: the command exits 0 well within
its grace period, and leaves no container and no process behind.

The expected answer is computed here by the example classes themselves, composed as the graph composes them,
with the scaler's parameters from the graph file: the rows are one flower of each class, and the class's own
default parameters would classify all three differently, so the answer also shows that the parameters reached
the container.

A SIGTERM while the graph is still starting (the containers run, their servers are not up yet) stops it just
as promptly: each server runs under podman's init, which hands it the signal (as PID 1 it would not see one
that came before it set its handler).

A second run of the same graph while the first still runs is refused before it starts anything (the containers'
names are the first run's, and removing them would break its graph); a leftover container of an earlier run that
is gone (no owner label, or its owner's pid is dead or not a seldon-s2i run) is removed as before.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from engine_graphs import grpc_predict, values
from microservice_process import free_port
from model_images import PIPELINE, graph_sources
from s2i_run import processes_mentioning, running, wait_for
from seldon_s2i.imagebuild.source import read_environment_file

pytestmark = [pytest.mark.container, pytest.mark.slow, pytest.mark.timeout(600)]

# A setosa-like, a virginica-like and a versicolor-like flower (sepal and petal length and width, in cm).
ROWS = [[5.0, 3.4, 1.5, 0.2], [6.5, 3.0, 5.5, 2.0], [5.9, 2.8, 4.3, 1.3]]
GRACE = 10.0  # seldon-s2i run's default --grace: no component should need killing
PROMPT = 10.0  # seconds a stop may take


def _example_instance(folder: Path, **parameters: float) -> Any:
    """An instance of the class an example folder serves (``MODEL_NAME`` in its .s2i/environment)."""
    class_name = read_environment_file(folder / ".s2i" / "environment")["MODEL_NAME"]
    spec = importlib.util.spec_from_file_location(f"example_{folder.name.replace('-', '_')}", folder / f"{class_name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, class_name)(**parameters)


def _float_parameters(node: dict[str, Any]) -> dict[str, float]:
    assert all(parameter["type"] == "FLOAT" for parameter in node.get("parameters", []))
    return {parameter["name"]: float(parameter["value"]) for parameter in node.get("parameters", [])}


def _pipeline_answer(graph: dict[str, Any], rows: list[list[float]], use_parameters: bool = True) -> list[list[float]]:
    """What the pipeline computes: best-class (OUTPUT_TRANSFORMER) -> scaler (TRANSFORMER) -> classifier (MODEL).

    The request goes down through the scaler's transform_input to the classifier's predict; the answer comes
    back up through best-class's transform_output (the scaler has no output step, best-class no input step).
    """
    sources = graph_sources(PIPELINE)
    root = graph["spec"]["predictors"][0]["graph"]
    (scaler_node,) = root["children"]
    (classifier_node,) = scaler_node["children"]
    assert (root["type"], scaler_node["type"], classifier_node["type"]) == ("OUTPUT_TRANSFORMER", "TRANSFORMER", "MODEL")
    scaler = _example_instance(sources[scaler_node["name"]],
                               **(_float_parameters(scaler_node) if use_parameters else {}))
    classifier = _example_instance(sources[classifier_node["name"]], **_float_parameters(classifier_node))
    classifier.load()  # the wrapper calls load() once before serving
    best_class = _example_instance(sources[root["name"]], **_float_parameters(root))
    probabilities = classifier.predict(scaler.transform_input(rows, None), None)
    return [[float(value) for value in row] for row in best_class.transform_output(probabilities, None).tolist()]


def _graph_with_images(tmp_path: Path, images: dict[str, str], deployment: str) -> Path:
    graph = yaml.safe_load(PIPELINE.read_text())
    graph["metadata"]["name"] = deployment
    for component in graph["spec"]["predictors"][0]["componentSpecs"]:
        for container in component["spec"]["containers"]:
            container["image"] = images[container["name"]]
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(graph, sort_keys=False))
    return path


def _containers(prefix: str, every: bool = True) -> dict[str, str]:
    """Name -> id of every container (or only the running ones) whose name starts with ``prefix``."""
    listed = subprocess.run(["podman", "ps", *(["--all"] if every else []), "--format", "{{.Names}} {{.ID}}"],
                            capture_output=True, text=True, timeout=60, check=True).stdout
    return {name: container_id for name, container_id in (line.split() for line in listed.splitlines() if line.strip())
            if name.startswith(prefix)}


def _stop(process: subprocess.Popen[bytes]) -> tuple[int, float]:
    """SIGTERM, as Ctrl-C or a service manager sends it; the exit status and the seconds the stop took."""
    sent_at = time.monotonic()
    process.send_signal(signal.SIGTERM)
    status = process.wait(90)
    return status, time.monotonic() - sent_at


def _assert_stopped_cleanly(status: int, seconds: float, output: str, http: int, prefix: str,
                            started: dict[str, str]) -> None:
    assert status == 0, output[-4000:]
    assert seconds < PROMPT, f"stopped in {seconds:.1f} s:\n{output[-4000:]}"
    assert "did not stop within" not in output
    assert _containers(prefix) == {}
    # The engine (its --http-port), the podman clients and conmon (the container names), conmon's cleanup and the
    # processes inside the containers (the container ids: in conmon's arguments and the processes' cgroups).
    assert processes_mentioning(f"--http-port {http}", prefix, *started.values()) == []


def test_run_containers_serves_the_built_pipeline_and_sigterm_leaves_nothing(
        pipeline_images: dict[str, str], tmp_path: Path) -> None:
    deployment = f"pipeline-run-{os.getpid()}"  # test sessions side by side never share a container name
    graph = _graph_with_images(tmp_path, pipeline_images, deployment)
    document = yaml.safe_load(graph.read_text())
    expected = _pipeline_answer(document, ROWS)
    assert expected == [[0.0], [2.0], [1.0]], "one flower of each class"
    assert _pipeline_answer(document, ROWS, use_parameters=False) != expected, "the parameters matter"
    # The runner names each container seldon-s2i-<deployment>-<container>.
    prefix = f"seldon-s2i-{deployment}-"
    assert _containers(prefix) == {}

    http, grpc_port = free_port(), free_port()
    log = tmp_path / "run.log"
    with running(graph, log, "--containers", "--http-port", str(http), "--grpc-port", str(grpc_port)) as process:
        output = wait_for(log, "Ctrl-C stops the graph.", process, timeout=240)
        started = _containers(prefix)
        rest = requests.post(f"http://127.0.0.1:{http}/api/v1.0/predictions", json={"data": {"ndarray": ROWS}},
                             timeout=30)
        over_grpc = grpc_predict(f"127.0.0.1:{grpc_port}", ROWS)
        status, seconds = _stop(process)
    output = log.read_text(errors="replace")

    assert f"REST  http://127.0.0.1:{http}/api/v1.0/predictions" in output
    assert f"gRPC  127.0.0.1:{grpc_port}" in output
    node_ports = dict(re.findall(r"node (\S+): REST http://127\.0\.0\.1:(\d+)", output))
    assert sorted(node_ports) == sorted(pipeline_images)
    assert sorted(started) == sorted(prefix + name for name in pipeline_images), "one container per graph node"
    assert "[classifier] " in output and "[seldon-engine] " in output, "each log line carries its component's name"

    assert rest.status_code == 200, rest.text
    for answer in (rest.json(), over_grpc):
        assert values(answer) == expected
        assert answer["data"]["names"] == ["class"]
        assert answer["meta"]["routing"] == dict.fromkeys(pipeline_images, -1)
        assert answer["meta"]["requestPath"] == pipeline_images, "every node answered from its built image"
    assert seconds < GRACE
    _assert_stopped_cleanly(status, seconds, output, http, prefix, started)


def test_sigterm_while_the_containers_start_stops_them_promptly(pipeline_images: dict[str, str],
                                                               tmp_path: Path) -> None:
    deployment = f"pipeline-start-{os.getpid()}"
    graph = _graph_with_images(tmp_path, pipeline_images, deployment)
    prefix = f"seldon-s2i-{deployment}-"
    http = free_port()
    log = tmp_path / "run.log"
    # A long grace: a server that missed the signal would hold the stop for a minute, not for PROMPT seconds.
    with running(graph, log, "--containers", "--http-port", str(http), "--grpc-port", str(free_port()),
                 "--grace", "60") as process:
        deadline = time.monotonic() + 120
        while len(started := _containers(prefix, every=False)) < len(pipeline_images):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")[-4000:]
            time.sleep(0.05)
        status, seconds = _stop(process)
    output = log.read_text(errors="replace")
    assert "is ready" not in output, "stopped while starting"
    _assert_stopped_cleanly(status, seconds, output, http, prefix, started)


def _leftover(image: str, name: str, *labels: str) -> None:
    """A container under one of the graph's names, as a killed run may leave it (created, never started)."""
    subprocess.run(["podman", "create", "--name", name, *(f"--label={label}" for label in labels), image, "true"],
                   capture_output=True, timeout=60, check=True)


def test_a_second_run_of_a_running_graph_is_refused_and_the_first_keeps_serving(
        pipeline_images: dict[str, str], tmp_path: Path) -> None:
    deployment = f"pipeline-twice-{os.getpid()}"
    graph = _graph_with_images(tmp_path, pipeline_images, deployment)
    prefix = f"seldon-s2i-{deployment}-"
    # Leftovers the first run removes: no owner label; an owner that is dead; a live owner that is no seldon-s2i run.
    dead = subprocess.Popen(["true"])
    dead.wait()
    owners = [(), (f"io.seldon-s2i.run-pid={dead.pid}",), (f"io.seldon-s2i.run-pid={os.getpid()}",)]
    for (node, image), labels in zip(sorted(pipeline_images.items()), owners, strict=True):
        _leftover(image, prefix + node, *labels)
    http, second_http = free_port(), free_port()
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    with running(graph, first_log, "--containers", "--http-port", str(http), "--grpc-port", str(free_port())) as first:
        wait_for(first_log, "Ctrl-C stops the graph.", first, timeout=240)
        started = _containers(prefix)
        with running(graph, second_log, "--containers", "--http-port", str(second_http),
                     "--grpc-port", str(free_port())) as second:
            refused = second.wait(PROMPT)
        still = _containers(prefix)
        rest = requests.post(f"http://127.0.0.1:{http}/api/v1.0/predictions", json={"data": {"ndarray": ROWS}},
                             timeout=30)
        status, seconds = _stop(first)
    refusal = second_log.read_text(errors="replace")
    output = first_log.read_text(errors="replace")

    assert sorted(started) == sorted(prefix + name for name in pipeline_images), output[-4000:]
    assert refused == 2, refusal
    assert refusal.startswith("seldon-s2i run: error: containers "), refusal
    assert all(name in refusal for name in started), refusal
    assert f"the seldon-s2i run with pid {first.pid}, which is still running" in refusal
    assert "Nothing was started" in refusal and "metadata.name" in refusal
    assert "[seldon-engine]" not in refusal and not any(f"[{node}]" in refusal for node in pipeline_images)
    assert still == started, "the first run's containers are the same ones, untouched"
    assert rest.status_code == 200, rest.text
    assert values(rest.json()) == _pipeline_answer(yaml.safe_load(graph.read_text()), ROWS)
    assert processes_mentioning(f"--http-port {second_http}") == []
    _assert_stopped_cleanly(status, seconds, output, http, prefix, started)
