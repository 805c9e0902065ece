"""``seldon-s2i run`` and ``seldon-s2i graph`` as a user runs them, on the repository's example graphs.

From a fresh clone (only what is committed), ``run`` starts every component and the orchestrator,
prints the endpoints, serves predictions over REST and gRPC, and SIGTERM leaves no process behind. A
component that cannot start is reported with its log tail, and nothing is left running.
"""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path

import pytest
import requests
from engine_graphs import grpc_predict, values
from microservice_process import REPO, free_port
from s2i_run import SEL, processes_mentioning, running, wait_for


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("clone") / "seldon-s2i"
    subprocess.run(["git", "clone", "-q", str(REPO), str(target)], check=True, timeout=120)
    return target


def test_run_serves_an_example_graph_from_a_fresh_clone_and_sigterm_leaves_nothing(clone: Path, tmp_path: Path) -> None:
    http, grpc_port = free_port(), free_port()
    log = tmp_path / "run.log"
    graph = clone / "examples" / "graphs" / "router-feedback.yaml"
    with running(graph, log, "--http-port", str(http), "--grpc-port", str(grpc_port)) as process:
        output = wait_for(log, "Ctrl-C stops the graph.", process)
        rest = requests.post(f"http://127.0.0.1:{http}/api/v1.0/predictions", timeout=30,
                             json={"data": {"ndarray": [[5.1, 3.5, 1.4, 0.2]]}})
        grpc_answer = grpc_predict(f"127.0.0.1:{grpc_port}", [[-5.1, 3.5, 1.4, 0.2]])
        process.send_signal(signal.SIGTERM)
        status = process.wait(60)
    assert f"REST  http://127.0.0.1:{http}/api/v1.0/predictions" in output
    assert f"gRPC  127.0.0.1:{grpc_port}" in output
    node_ports = re.findall(r"node (\S+): REST http://127\.0\.0\.1:(\d+)", output)
    assert sorted(name for name, _ in node_ports) == ["model-a", "model-b", "router"]
    assert "[router] " in output and "[seldon-engine] " in output, "each log line carries its component's name"
    assert rest.status_code == 200, rest.text
    assert rest.json()["meta"]["routing"] == {"router": 1, "model-b": -1}
    assert rest.json()["data"]["names"] == ["setosa", "versicolor", "virginica"]
    assert grpc_answer["meta"]["routing"] == {"router": 0, "model-a": -1}
    assert status == 0
    assert processes_mentioning(str(clone), f"--http-port {http}", *(f"--http-port {port}" for _, port in node_ports)) == []


def test_a_component_that_cannot_start_is_reported_and_nothing_is_left(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    (broken / ".s2i").mkdir(parents=True)
    (broken / ".s2i" / "environment").write_text("MODEL_NAME=Broken\n")
    (broken / "Broken.py").write_text(
        "class Broken:\n    def __init__(self):\n        raise RuntimeError('no weights file here')\n"
        "    def predict(self, X, names):\n        return X\n")
    graph = tmp_path / "graph.yaml"
    graph.write_text(f"""
apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata: {{name: half-broken}}
spec:
  predictors:
  - name: default
    componentSpecs:
    - spec:
        containers:
        - {{name: model, image: {REPO / 'examples' / 'model'}}}
        - {{name: broken, image: ./broken}}
    graph:
      name: model
      type: MODEL
      children:
      - {{name: broken, type: MODEL}}
""")
    log = tmp_path / "run.log"
    http = free_port()
    with running(graph, log, "--http-port", str(http), "--grpc-port", str(free_port())) as process:
        status = process.wait(120)
    output = log.read_text()
    assert status == 1
    assert "seldon-s2i run: error: component 'broken' exited with status 1 before it was ready; its last log lines:" \
        in output
    assert "[broken] " in output and "no weights file here" in output.split("its last log lines:")[1]
    assert processes_mentioning(str(tmp_path), str(REPO / "examples" / "model"), f"--http-port {http}") == []


def test_run_refuses_a_graph_it_cannot_start(tmp_path: Path) -> None:
    graph = tmp_path / "graph.yaml"
    graph.write_text("""
metadata: {name: g}
spec:
  predictors:
  - name: default
    componentSpecs:
    - spec:
        containers:
        - {name: model, image: quay.io/someone/model:1}
        - {name: bare}
    graph:
      name: model
      children:
      - {name: extra}
      - {name: bare}
""")
    result = subprocess.run([SEL, "run", str(graph)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"seldon-s2i run: error: {graph}: spec.predictors[0]: container 'model': image 'quay.io/someone/model:1' "
        "is not a source folder (a path relative to graph.yaml); give one, or run images with --containers; "
        "container 'bare' has no image (a source folder relative to graph.yaml, or with --containers an image "
        "built by seldon-s2i build); graph node 'extra' has no container of that name in componentSpecs")


def test_graph_draws_dot_text_and_svg(tmp_path: Path) -> None:
    graph = REPO / "examples" / "graphs" / "ab-test.yaml"
    dot = subprocess.run([SEL, "graph", str(graph)], capture_output=True, text=True, timeout=60, check=True).stdout
    assert dot.startswith('digraph "ab-test/default" {')
    assert '"random-ab-test" -> "model-a" [label="0: 0.5"];' in dot
    assert '"model-b" [label="model-b\\nMODEL\\npredict"];' in dot
    svg = tmp_path / "graph.svg"
    subprocess.run([SEL, "graph", str(graph), "-o", str(svg)], capture_output=True, timeout=60, check=True)
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text and "RANDOM_ABTEST" in text


EXAMPLE_GRAPHS = {
    # graph: (the answer's routing (None: either branch of the A/B test), its column names)
    "pipeline.yaml": ({"best-class": -1, "scaler": -1, "classifier": -1}, ["class"]),
    # The example combiner averages arrays and names no columns: Seldon's default names.
    "ensemble.yaml": ({"average": -1, "warm": -1, "cool": -1}, ["t:0", "t:1", "t:2"]),
    "router-feedback.yaml": ({"router": 1, "model-b": -1}, ["setosa", "versicolor", "virginica"]),
    "ab-test.yaml": (None, ["setosa", "versicolor", "virginica"]),
}


@pytest.mark.parametrize("name", sorted(EXAMPLE_GRAPHS))
def test_each_example_graph_answers_over_rest_and_grpc(name: str, tmp_path: Path) -> None:
    routing, names = EXAMPLE_GRAPHS[name]
    http, grpc_port = free_port(), free_port()
    log = tmp_path / "run.log"
    rows = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]
    with running(REPO / "examples" / "graphs" / name, log, "--http-port", str(http),
                 "--grpc-port", str(grpc_port)) as process:
        wait_for(log, "Ctrl-C stops the graph.", process)
        rest = requests.post(f"http://127.0.0.1:{http}/api/v1.0/predictions", timeout=30,
                             json={"data": {"ndarray": rows}})
        over_grpc = grpc_predict(f"127.0.0.1:{grpc_port}", rows)
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
    assert rest.status_code == 200, rest.text
    for answer in (rest.json(), over_grpc):
        assert answer["data"]["names"] == names
        assert len(values(answer)) == 2
        if routing is not None:
            assert answer["meta"]["routing"] == routing
        else:
            assert answer["meta"]["routing"] in ({"random-ab-test": 0, "model-a": -1},
                                                 {"random-ab-test": 1, "model-b": -1})
    if name == "pipeline.yaml":
        assert values(rest.json()) == [[0.0], [2.0]]  # the best class of each row
