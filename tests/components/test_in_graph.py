"""A bandit router in a graph run by the orchestrator (seldon-engine) learns from feedback sent to the graph."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import requests
from component_serving import seldon_parameters, serving
from microservice_process import BIN, Microservice, free_port, running

ARM = '''
class Arm:
    """A child that answers its own label, so the test sees which branch served a request."""

    def __init__(self, label=0.0):
        self.label = float(label)

    def predict(self, X, names):
        return [[self.label]]
'''
SUCCESS = {0: 0.25, 1: 0.75}  # Bernoulli reward probability of each child
ROUNDS = 200


def node(name: str, node_type: str, service: Microservice, children: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "type": node_type,
        "endpoint": {"service_host": "127.0.0.1", "httpPort": service.http_port, "grpcPort": service.grpc_port},
        "children": children or [],
    }


@contextmanager
def engine(graph: dict[str, Any], folder: Path, log_dir: Path) -> Iterator[str]:
    deployment = {
        "apiVersion": "machinelearning.seldon.io/v1",
        "kind": "SeldonDeployment",
        "metadata": {"name": "bandit-graph"},
        "spec": {"predictors": [{"name": "default", "graph": graph, "componentSpecs": [{"spec": {"containers": [
            {"name": name, "image": "unused"} for name in ("bandit", "arm-a", "arm-b")
        ]}}]}]},
    }
    (folder / "graph.json").write_text(json.dumps(deployment))
    port = free_port()
    log = (log_dir / f"engine-{port}.log").open("wb")
    command = [str(BIN / "seldon-engine"), "--file", str(folder / "graph.json"), "--host", "127.0.0.1",
               "--http-port", str(port), "--grpc-port", str(free_port())]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (log_dir / log.name).read_text()
            try:
                if requests.get(f"{url}/ready", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "seldon-engine did not become ready"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def test_thompson_router_in_a_graph_learns_the_better_child_from_graph_feedback(tmp_path: Path, log_dir: Path) -> None:
    (tmp_path / "Arm.py").write_text(ARM)
    state = tmp_path / "arms.json"
    with ExitStack() as stack:
        children = [
            stack.enter_context(running("Arm", tmp_path, log_dir, [], {
                "PREDICTIVE_UNIT_ID": name, "PREDICTIVE_UNIT_PARAMETERS": seldon_parameters(label=float(index))}))
            for index, name in enumerate(("arm-a", "arm-b"))
        ]
        bandit = stack.enter_context(serving(
            "ThompsonSampling", "ROUTER", tmp_path, log_dir,
            seldon_parameters(n_branches=2, state_path=str(state), seed=4), env={"PREDICTIVE_UNIT_ID": "bandit"},
        ))
        graph = node("bandit", "ROUTER", bandit, [node("arm-a", "MODEL", children[0]), node("arm-b", "MODEL", children[1])])
        url = stack.enter_context(engine(graph, tmp_path, log_dir))
        rng = np.random.default_rng(21)
        chosen = []
        for _ in range(ROUNDS):
            request = {"data": {"ndarray": [[1.0, 2.0]]}}
            answer = requests.post(f"{url}/api/v1.0/predictions", json=request, timeout=30)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            arm = body["meta"]["routing"]["bandit"]
            assert body["data"]["ndarray"] == [[float(arm)]]  # the chosen child answered
            reward = float(rng.random() < SUCCESS[arm])
            sent = requests.post(f"{url}/api/v1.0/feedback", json={"request": request, "response": body, "reward": reward}, timeout=30)
            assert sent.status_code == 200, sent.text
            chosen.append(arm)
    counts = json.loads(state.read_text())
    assert sum(counts["pulls"]) == ROUNDS  # every graph feedback reached the router, with its choice
    assert counts["pulls"] == np.bincount(chosen, minlength=2).tolist()
    assert np.mean(np.array(chosen[-100:]) == 1) >= 0.8
