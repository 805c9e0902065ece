"""A graph seldon-engine cannot walk is refused at start: exit status 2, one line naming each bad node,
and nothing listening."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from engine_process import engine_environment
from microservice_process import BIN, free_port


def unit(name: str, port: int | None = 9000, **fields: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"name": name, **fields}
    if port:
        found["endpoint"] = {"service_host": "127.0.0.1", "httpPort": port, "type": "REST"}
    return found


def refused(environment: dict[str, str], *args: str) -> str:
    port = free_port()
    result = subprocess.run([str(BIN / "seldon-engine"), "--http-port", str(port), "--grpc-port", str(free_port()),
                             *args], env=environment, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "nothing may listen after a refused start"
    assert result.stdout == ""
    return result.stderr.strip()


PREFIX = "seldon-engine: error: ENGINE_PREDICTOR: "


@pytest.mark.parametrize(("graph", "message"), [
    (unit("a", children=[{"name": "ghost"}]),
     "the graph cannot be served: predictor.graph.children[0]: graph node 'ghost' has no endpoint "
     "(endpoint.service_host and a port)"),
    (unit("a", children=[unit("b", 9001, children=[unit("a", 9002)])]),
     "the graph cannot be served: predictor.graph.children[0].children[0]: graph node 'a' is its own ancestor "
     "(a → b → a); a graph cannot have a cycle"),
    (unit("a", None), "the graph cannot be served: predictor.graph: graph node 'a' has no endpoint "
                      "(endpoint.service_host and a port)"),
    (unit("a", children=[unit("b", 9001, type="MODLE")]),
     "predictor.graph.children[0].type: Input should be 'UNKNOWN_TYPE', 'ROUTER', 'COMBINER', 'MODEL', "
     "'TRANSFORMER' or 'OUTPUT_TRANSFORMER' (graph node 'b')"),
    (unit("r", type="ROUTER"), "the graph cannot be served: predictor.graph: router 'r' has no children to route to"),
    (unit("ab", None, implementation="RANDOM_ABTEST", children=[unit("b")]),
     "the graph cannot be served: predictor.graph: RANDOM_ABTEST node 'ab' needs exactly two children"),
    (unit("a", children=[unit("b", 9001), unit("b", 9002)]),
     "the graph cannot be served: predictor.graph: graph node name 'b' is used 2 times"),
    (unit("a", parameters=[{"name": "n", "value": "x", "type": "INT"}]),
     "the graph cannot be served: predictor.graph.parameters: graph node 'a': parameter 'n': 'x' is not a valid "
     "INT (invalid literal for int() with base 10: 'x')"),
], ids=["unknown-child", "cycle", "no-endpoint", "wrong-type", "router-without-children", "abtest-one-child",
        "duplicate-name", "bad-parameter"])
def test_a_bad_graph_is_refused_naming_the_node(graph: dict[str, Any], message: str) -> None:
    stderr = refused(engine_environment({"name": "default", "graph": graph}))
    assert stderr == PREFIX + message


def test_no_graph_or_an_unreadable_one_says_what_to_give(tmp_path: Path) -> None:
    environment = engine_environment({"name": "p", "graph": unit("a")})
    assert refused({**environment, "ENGINE_PREDICTOR": "not base64!"}).startswith(
        "seldon-engine: error: ENGINE_PREDICTOR is not base64 of a JSON predictor: ")
    del environment["ENGINE_PREDICTOR"]
    assert refused(environment) == (
        "seldon-engine: error: no graph to serve: set ENGINE_PREDICTOR (base64 of the predictor's JSON) "
        "or give --file <SeldonDeployment> [--predictor <name>]")
    two = tmp_path / "two.yaml"
    two.write_text("spec:\n  predictors:\n  - {name: a, graph: {name: m}}\n  - {name: b, graph: {name: m}}\n")
    assert refused(environment, "--file", str(two)) == (
        f"seldon-engine: error: {two}: has predictors ['a', 'b']; choose one with --predictor")
    assert refused(environment, "--file", str(two), "--predictor", "c") == (
        f"seldon-engine: error: {two}: no predictor named 'c' (it has a, b)")
    assert refused(environment, "--file", str(two), "--predictor", "b") == (
        f"seldon-engine: error: {two}: spec.predictors[1]: the graph cannot be served: predictor.graph: "
        "graph node 'm' has no endpoint (endpoint.service_host and a port)")


def test_a_taken_port_is_refused_naming_the_port_and_its_flag() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        result = subprocess.run(
            [str(BIN / "seldon-engine"), "--host", "127.0.0.1", "--http-port", str(free_port()),
             "--grpc-port", str(taken)],
            env=engine_environment({"name": "p", "graph": unit("a")}), capture_output=True, text=True, timeout=60,
            check=False)
    assert result.returncode == 2, result.stderr
    assert f"cannot listen on 127.0.0.1:{taken} for gRPC (--grpc-port)" in result.stderr
