"""What the caller gets when a node fails, is slow or is gone, and that the graph recovers.

A node's own error comes back with that node's status and Seldon error body; a node that is down
answers fast with 503 / UNAVAILABLE naming the node and its address, and the graph serves again as
soon as the node is back; a node slower than the per-node timeout gives 504 / DEADLINE_EXCEEDED.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import grpc
import pytest
import requests
from engine_graphs import Graph, grpc_predict, predictor, rest_predict, restart_unit, start_unit, values
from engine_process import running_engine


def test_a_nodes_error_comes_back_with_its_status_and_body(graph: Graph, units: dict, tmp_path: Path) -> None:
    direct = requests.post(f"{units['add1'].url}/predict", json={"data": {"ndarray": [[13.0]]}}, timeout=30)
    root = graph.node("add2", type="MODEL", children=[graph.node("add1", type="MODEL")])
    with running_engine(predictor(root), tmp_path) as engine:
        through = rest_predict(engine.url, [[11.0]])  # add2 makes it 13: add1 refuses it
        with pytest.raises(grpc.RpcError) as raised:
            grpc_predict(engine.grpc_target, [[11.0]])
        fine = rest_predict(engine.url, [[1.0]])
    assert direct.status_code == 400
    assert (through.status_code, through.json()) == (direct.status_code, direct.json())
    assert through.json()["status"]["info"] == "add1 refuses 13"
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert raised.value.details() == "add1 refuses 13"
    assert values(fine.json()) == [[4.0]]


def _kill(service: object) -> None:
    process = service.process  # type: ignore[attr-defined]
    os.kill(process.pid, signal.SIGKILL)  # its workers follow (they die with their parent)
    process.wait(10)


def _recovered(engine: object, deadline: float) -> tuple[requests.Response, dict]:
    while True:
        try:
            answer = rest_predict(engine.url, [[1.0]], timeout=10)  # type: ignore[attr-defined]
            if answer.status_code == 200:
                return answer, grpc_predict(engine.grpc_target, [[1.0]], timeout=10)  # type: ignore[attr-defined]
        except grpc.RpcError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("the graph did not recover within 30 s of the node's return")
        time.sleep(0.2)


def test_a_node_killed_mid_run_fails_fast_naming_it_and_the_graph_recovers(graph: Graph, tmp_path: Path) -> None:
    victim = start_unit("victim", tmp_path, {"add": ("100", "FLOAT")})
    try:
        from engine_graphs import endpoint

        root = graph.node("add1", type="MODEL", children=[
            graph.node("victim", type="MODEL", endpoint=endpoint(victim))])
        with running_engine(predictor(root), tmp_path) as engine:
            assert values(rest_predict(engine.url, [[1.0]]).json()) == [[102.0]]
            assert values(grpc_predict(engine.grpc_target, [[1.0]])) == [[102.0]]
            _kill(victim)

            started = time.monotonic()
            down = rest_predict(engine.url, [[1.0]], timeout=10)
            rest_seconds = time.monotonic() - started
            started = time.monotonic()
            with pytest.raises(grpc.RpcError) as raised:
                grpc_predict(engine.grpc_target, [[1.0]], timeout=10)
            grpc_seconds = time.monotonic() - started
            ready = requests.get(f"{engine.url}/ready", timeout=10)

            victim = restart_unit("victim", victim, tmp_path)
            back, back_grpc = _recovered(engine, time.monotonic() + 30)
            ready_again = requests.get(f"{engine.url}/ready", timeout=10)
    finally:
        victim.stop()
    where = f"127.0.0.1:{victim.http_port}"
    assert down.status_code == 503
    assert down.json()["status"]["info"].startswith(f"graph node 'victim' is unavailable at {where}: ")
    assert down.json()["status"]["reason"] == "GRAPH_NODE_UNAVAILABLE"
    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
    assert (raised.value.details() or "").startswith(f"graph node 'victim' is unavailable at 127.0.0.1:{victim.grpc_port}")
    # Fast, not a hang: the default node timeout is 60 s; bounds generous for a loaded 2-core machine.
    assert rest_seconds < 5 and grpc_seconds < 5, (rest_seconds, grpc_seconds)
    assert ready.status_code == 503 and "victim" in ready.json()["status"]["info"]
    # The restarted node has its default add (0): 1 + 1 + 0.
    assert values(back.json()) == [[2.0]] and values(back_grpc) == [[2.0]]
    assert ready_again.status_code == 200


def test_a_node_slower_than_its_timeout_gives_504_naming_it(graph: Graph, tmp_path: Path) -> None:
    root = graph.node("add2", type="MODEL")
    annotations = {"seldon.io/rest-timeout": "500", "seldon.io/grpc-timeout": "500"}
    with running_engine(predictor(root, annotations=annotations), tmp_path) as engine:
        started = time.monotonic()
        slow = rest_predict(engine.url, [[77.0]])
        rest_seconds = time.monotonic() - started
        with pytest.raises(grpc.RpcError) as raised:
            grpc_predict(engine.grpc_target, [[77.0]])
        deadline = time.monotonic() + 30
        fast = rest_predict(engine.url, [[1.0]])
        while fast.status_code == 504 and time.monotonic() < deadline:  # until the node is done with the slow ones
            time.sleep(0.5)
            fast = rest_predict(engine.url, [[1.0]])
    assert slow.status_code == 504
    assert slow.json()["status"]["info"] == (
        f"graph node 'add2' at 127.0.0.1:{graph.units['add2'].http_port} did not answer /predict within 0.5 s")
    assert rest_seconds < 4  # answered at the 0.5 s timeout, not after the node's 6 s
    assert raised.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert "graph node 'add2'" in (raised.value.details() or "")
    assert fast.status_code == 200
