"""The engine walking a graph of Seldon Core 1.18.2's own ``seldon-core-microservice`` nodes, over REST and gRPC.

Users move graphs whose images still run Seldon's Python wrapper: the internal calls (predict, route,
aggregate with a SeldonMessageList, send-feedback, transform-input/output) must be what that wrapper
expects, and its answers (routes, errors, meta) must be read as Seldon's executor reads them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import requests
from engine_graphs import (
    UNIT_PARAMETERS,
    endpoint,
    grpc_predict,
    predict,
    predictor,
    rest_predict,
    start_seldon_unit,
    stop_seldon_unit,
    values,
)
from engine_process import running_engine
from microservice_process import Microservice


@pytest.fixture(scope="module")
def seldon_units(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Microservice]]:
    log_dir = tmp_path_factory.mktemp("seldon-units")
    started: dict[str, Microservice] = {}
    try:
        for name in ("add1", "add2", "chooser"):
            started[name] = start_seldon_unit(name, log_dir, UNIT_PARAMETERS[name])
        yield started
    finally:
        for service in started.values():
            stop_seldon_unit(service)


def node(units: dict[str, Microservice], name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "endpoint": endpoint(units[name]), **fields}


@pytest.mark.parametrize("transport", ["rest", "grpc"])
def test_chain_router_and_combiner_of_seldon_nodes(seldon_units: dict[str, Microservice], tmp_path: Path,
                                                   transport: str) -> None:
    children = [node(seldon_units, "add1", type="MODEL"), node(seldon_units, "add2", type="MODEL")]
    with running_engine(predictor(node(seldon_units, "chooser", type="ROUTER", children=children)), tmp_path) as router, \
            running_engine(predictor(node(seldon_units, "chooser", type="COMBINER", children=children)),
                           tmp_path) as combiner, \
            running_engine(predictor(node(seldon_units, "add1", type="MODEL", children=[children[1]])),
                           tmp_path) as chain:
        routed = predict(router, transport, [[1.0, 5.0]])
        skipped = predict(router, transport, [[-2.0, 5.0]])
        combined = predict(combiner, transport, [[1.0, 5.0]])
        chained = predict(chain, transport, [[1.0, 5.0]])
    assert values(routed) == [[3.0, 7.0]] and routed["meta"]["routing"] == {"chooser": 1, "add2": -1}
    assert values(skipped) == [[-2.0, 5.0]] and skipped["meta"]["routing"] == {"chooser": -2}
    assert values(combined) == [[5.0, 13.0]]
    assert values(chained) == [[4.0, 8.0]]
    assert {"add1", "add2"} <= set(chained["meta"]["tags"])


def test_feedback_and_errors_of_seldon_nodes(seldon_units: dict[str, Microservice], tmp_path: Path) -> None:
    children = [node(seldon_units, "add1", type="MODEL"), node(seldon_units, "add2", type="MODEL")]

    def seen(name: str) -> dict[str, Any]:
        answer = requests.post(f"{seldon_units[name].url}/predict", json={"data": {"ndarray": [[0.5]]}}, timeout=30)
        found: dict[str, Any] = answer.json()["meta"]["tags"][name]
        return found

    before = {name: seen(name)["feedback"] for name in ("chooser", "add1", "add2")}
    direct = requests.post(f"{seldon_units['add1'].url}/predict", json={"data": {"ndarray": [[13.0]]}}, timeout=30)
    chain = node(seldon_units, "add2", type="MODEL", children=[node(seldon_units, "add1", type="MODEL")])
    with running_engine(predictor(node(seldon_units, "chooser", type="ROUTER", children=children)),
                        tmp_path) as router, running_engine(predictor(chain), tmp_path) as failing:
        answer = rest_predict(router.url, [[1.0]]).json()
        feedback = requests.post(f"{router.url}/api/v1.0/feedback", timeout=30,
                                 json={"request": {"data": {"ndarray": [[1.0]]}}, "response": answer, "reward": 1.0})
        error = rest_predict(failing.url, [[11.0]])  # add2 makes it 13: add1 refuses it
        with pytest.raises(grpc.RpcError) as raised:
            grpc_predict(failing.grpc_target, [[11.0]])
    after = {name: seen(name) for name in ("chooser", "add1", "add2")}
    assert feedback.status_code == 200, feedback.text
    assert after["chooser"]["feedback"] == before["chooser"] + 1 and after["chooser"]["routing"] == 1
    assert after["add2"]["feedback"] == before["add2"] + 1
    assert after["add1"]["feedback"] == before["add1"]
    # A Seldon node's error comes back with its status and body.
    assert direct.status_code == 400
    assert (error.status_code, error.json()) == (direct.status_code, direct.json())
    # Over gRPC, Seldon's wrapper answers UNKNOWN "Exception calling application: ": passed on as it is.
    with pytest.raises(grpc.RpcError) as direct_grpc:
        grpc_predict(seldon_units["add1"].grpc_target, [[13.0]], service="Model")
    assert (raised.value.code(), raised.value.details()) == (direct_grpc.value.code(), direct_grpc.value.details())
