"""Every graph shape through a real seldon-engine, over REST and gRPC, with real nodes (tests/engine/units).

The numbers tell the order of the walk: ``add1`` adds 1, ``add2`` adds 2, ``times10`` multiplies by
10, ``chooser`` routes to the child its first feature names and, as a combiner, sums. Each answer also
carries ``meta.routing`` (every node that took the message, every router's choice), the nodes' merged
tags and a ``meta.puid``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import grpc
import pytest
from engine_graphs import Graph, grpc_predict, predict, predictor, rest_predict, values
from engine_process import running_engine
from google.protobuf import empty_pb2
from seldon_s2i.protos import prediction_pb2_grpc

TRANSPORTS = ["rest", "grpc"]
ROWS = [[1.0, 2.0], [3.0, 4.0]]


def shifted(rows: list[list[float]], function: Any) -> list[list[float]]:
    return [[function(value) for value in row] for row in rows]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_one_model(graph: Graph, tmp_path: Path, transport: str) -> None:
    with running_engine(predictor(graph.node("add1", type="MODEL")), tmp_path) as engine:
        answer = predict(engine, transport, ROWS)
    assert values(answer) == shifted(ROWS, lambda x: x + 1)
    assert answer["meta"]["routing"] == {"add1": -1}
    assert answer["meta"]["puid"]
    assert "add1" in answer["meta"]["tags"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_models_with_children_are_a_chain(graph: Graph, tmp_path: Path, transport: str) -> None:
    root = graph.node("add1", type="MODEL", children=[
        graph.node("add2", type="MODEL", children=[graph.node("times10", type="MODEL")])])
    with running_engine(predictor(root), tmp_path) as engine:
        answer = predict(engine, transport, ROWS)
    assert values(answer) == shifted(ROWS, lambda x: (x + 3) * 10)
    assert answer["meta"]["routing"] == {"add1": -1, "add2": -1, "times10": -1}
    assert {"add1", "add2", "times10"} <= set(answer["meta"]["tags"])
    assert set(answer["meta"]["requestPath"]) == {"add1", "add2", "times10"}


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_transformer_model_output_transformer(graph: Graph, tmp_path: Path, transport: str) -> None:
    # The output transformer is the root: its transform-output runs on the way back.
    root = graph.node("out", "times10", type="OUTPUT_TRANSFORMER", children=[
        graph.node("in", "times10", type="TRANSFORMER", children=[graph.node("add1", type="MODEL")])])
    with running_engine(predictor(root), tmp_path) as engine:
        answer = predict(engine, transport, ROWS)
    assert values(answer) == shifted(ROWS, lambda x: (x * 10 + 1) * 10)
    assert answer["meta"]["routing"] == {"out": -1, "in": -1, "add1": -1}


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_declared_methods_decide_the_calls(graph: Graph, tmp_path: Path, transport: str) -> None:
    # No type: TRANSFORM_INPUT and TRANSFORM_OUTPUT both run on the same node, around its child.
    root = graph.node("both", "times10", methods=["TRANSFORM_INPUT", "TRANSFORM_OUTPUT"],
                      children=[graph.node("add2", type="MODEL")])
    with running_engine(predictor(root), tmp_path) as engine:
        answer = predict(engine, transport, ROWS)
    assert values(answer) == shifted(ROWS, lambda x: (x * 10 + 2) * 10)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_combiner_gets_every_childs_answer(graph: Graph, tmp_path: Path, transport: str) -> None:
    root = graph.node("chooser", type="COMBINER", children=[graph.node("add1", type="MODEL"),
                                                            graph.node("add2", type="MODEL")])
    with running_engine(predictor(root), tmp_path) as engine:
        answer = predict(engine, transport, ROWS)
    assert values(answer) == shifted(ROWS, lambda x: 2 * x + 3)
    assert answer["meta"]["routing"] == {"chooser": -1, "add1": -1, "add2": -1}
    assert {"add1", "add2"} <= set(answer["meta"]["tags"])


def router_graph(graph: Graph) -> dict[str, Any]:
    return predictor(graph.node("chooser", type="ROUTER", children=[graph.node("add1", type="MODEL"),
                                                                    graph.node("add2", type="MODEL")]))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_router_routes_minus_one_minus_two_and_n(graph: Graph, tmp_path: Path, transport: str) -> None:
    with running_engine(router_graph(graph), tmp_path) as engine:
        one = predict(engine, transport, [[1.0, 5.0]])
        zero = predict(engine, transport, [[0.0, 5.0]])
        every = predict(engine, transport, [[-1.0, 5.0]])
        none = predict(engine, transport, [[-2.0, 5.0]])
    assert values(one) == [[3.0, 7.0]]
    assert one["meta"]["routing"] == {"chooser": 1, "add2": -1}
    assert values(zero) == [[1.0, 6.0]]
    assert zero["meta"]["routing"] == {"chooser": 0, "add1": -1}
    # -1: every child runs; without a combiner the first child's answer is returned (as Seldon).
    assert values(every) == [[0.0, 6.0]]
    assert every["meta"]["routing"] == {"chooser": -1, "add1": -1, "add2": -1}
    # -2: the children are skipped and the router's input comes back.
    assert values(none) == [[-2.0, 5.0]]
    assert none["meta"]["routing"] == {"chooser": -2}


def test_route_out_of_range_is_an_error_naming_the_router(graph: Graph, tmp_path: Path) -> None:
    with running_engine(router_graph(graph), tmp_path) as engine:
        answer = rest_predict(engine.url, [[5.0, 0.0]])
        with pytest.raises(grpc.RpcError) as raised:
            grpc_predict(engine.grpc_target, [[5.0, 0.0]])
        after = rest_predict(engine.url, [[1.0, 0.0]])
    assert answer.status_code == 500
    assert answer.json()["status"]["info"] == "router 'chooser' chose child 5, but it has 2 (0 to 1; -1 for all, -2 for none)"
    assert answer.json()["status"]["reason"] == "GRAPH_BAD_ROUTE"
    assert raised.value.code() == grpc.StatusCode.INTERNAL
    assert "router 'chooser' chose child 5" in (raised.value.details() or "")
    assert after.status_code == 200, "the engine keeps serving"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_random_abtest_follows_ratio_a(graph: Graph, tmp_path: Path, transport: str) -> None:
    def ab(ratio: str) -> dict[str, Any]:
        return predictor(graph.node("ab", implementation="RANDOM_ABTEST",
                                    parameters=[{"name": "ratioA", "value": ratio, "type": "FLOAT"}],
                                    children=[graph.node("add1", type="MODEL"), graph.node("add2", type="MODEL")]))

    with running_engine(ab("1.0"), tmp_path) as always_a:
        firsts = [predict(always_a, transport, [[0.0]]) for _ in range(5)]
    assert {tuple(values(answer)[0]) for answer in firsts} == {(1.0,)}
    assert firsts[0]["meta"]["routing"] == {"ab": 0, "add1": -1}
    with running_engine(ab("0.5"), tmp_path) as split:
        seen = {predict(split, transport, [[0.0]])["meta"]["routing"]["ab"] for _ in range(40)}
    assert seen == {0, 1}  # both branches within 40 draws (all alike: probability 2 * 2^-40)


def test_a_grpc_node_inside_a_rest_graph(graph: Graph, units: Any, tmp_path: Path) -> None:
    from engine_graphs import endpoint

    grpc_only = graph.node("add2", type="MODEL", endpoint=endpoint(units["add2"], "GRPC", http=False))
    root = graph.node("add1", type="MODEL", children=[grpc_only])
    with running_engine(predictor(root), tmp_path) as engine:
        answer = rest_predict(engine.url, ROWS)
    assert answer.status_code == 200, answer.text
    assert values(answer.json()) == shifted(ROWS, lambda x: x + 3)
    assert answer.json()["meta"]["routing"] == {"add1": -1, "add2": -1}


def test_graph_metadata(graph: Graph, tmp_path: Path) -> None:
    import requests

    root = graph.node("in", "times10", type="TRANSFORMER", children=[graph.node("add1", type="MODEL")])
    with running_engine(predictor(root), tmp_path) as engine:
        document = requests.get(f"{engine.url}/api/v1.0/metadata", timeout=30).json()
        node = requests.get(f"{engine.url}/api/v1.0/metadata/add1", timeout=30)
        unknown = requests.get(f"{engine.url}/api/v1.0/metadata/nope", timeout=30)
        with grpc.insecure_channel(engine.grpc_target) as channel:
            over_grpc = prediction_pb2_grpc.SeldonStub(channel).GraphMetadata(empty_pb2.Empty(), timeout=30)
    assert document["name"] == "default"
    assert over_grpc.name == "default" and set(over_grpc.models) == {"in", "add1"}
    assert set(document["models"]) == {"in", "add1"}
    assert node.status_code == 200 and "name" in node.json()
    assert unknown.status_code == 404
    assert unknown.json()["status"]["info"] == "the graph has no node 'nope'"
