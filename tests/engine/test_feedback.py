"""Feedback goes back down the path the prediction took (``meta.routing``), over REST and gRPC.

The routers and models on the path get the Feedback (a router learns which child it chose); the
branches not taken get nothing. Each node counts the feedback it got in its tags, read directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import grpc
import pytest
import requests
from engine_graphs import Graph, predict, predictor
from engine_process import running_engine
from google.protobuf import json_format
from microservice_process import Microservice
from seldon_s2i.protos import prediction_pb2, prediction_pb2_grpc


def feedback_seen(unit: Microservice, name: str, transport: str) -> dict[str, Any]:
    """The unit's feedback count, last reward and routing, asked directly (state is per serving process)."""
    message = {"data": {"ndarray": [[0.5]]}}
    if transport == "rest":
        document = requests.post(f"{unit.url}/predict", json=message, timeout=30).json()
    else:
        with grpc.insecure_channel(unit.grpc_target) as channel:
            answer = prediction_pb2_grpc.ModelStub(channel).Predict(
                json_format.ParseDict(message, prediction_pb2.SeldonMessage()), timeout=30)
        document = json_format.MessageToDict(answer)
    seen: dict[str, Any] = document["meta"]["tags"][name]
    return seen


def send_feedback(engine: Any, transport: str, response: dict[str, Any], reward: float) -> dict[str, Any]:
    feedback = {"request": {"data": {"ndarray": [[1.0]]}}, "response": response, "reward": reward}
    if transport == "rest":
        answer = requests.post(f"{engine.url}/api/v1.0/feedback", json=feedback, timeout=30)
        assert answer.status_code == 200, answer.text
        document: dict[str, Any] = answer.json()
        return document
    with grpc.insecure_channel(engine.grpc_target) as channel:
        reply = prediction_pb2_grpc.SeldonStub(channel).SendFeedback(
            json_format.ParseDict(feedback, prediction_pb2.Feedback()), timeout=30)
    return json_format.MessageToDict(reply)


@pytest.mark.parametrize("transport", ["rest", "grpc"])
def test_feedback_reaches_the_router_and_the_child_it_chose(graph: Graph, units: dict[str, Microservice],
                                                             tmp_path: Path, transport: str) -> None:
    root = graph.node("chooser", type="ROUTER", children=[graph.node("add1", type="MODEL"),
                                                          graph.node("add2", type="MODEL")])
    counts = {name: feedback_seen(units[name], name, transport)["feedback"] for name in ("chooser", "add1", "add2")}
    with running_engine(predictor(root), tmp_path) as engine:
        answer = predict(engine, transport, [[1.0]])
        assert answer["meta"]["routing"] == {"chooser": 1, "add2": -1}
        send_feedback(engine, transport, answer, 0.75)
        after_one = {name: feedback_seen(units[name], name, transport) for name in ("chooser", "add1", "add2")}
        # Route -1 recorded (or no routing at all): every child gets it.
        send_feedback(engine, transport, {"meta": {"routing": {"chooser": -1}}}, 0.25)
        send_feedback(engine, transport, {"meta": {}}, 0.25)
        after_all = {name: feedback_seen(units[name], name, transport)["feedback"] for name in ("add1", "add2")}
    assert after_one["chooser"]["feedback"] == counts["chooser"] + 1
    assert after_one["chooser"]["routing"] == 1 and after_one["chooser"]["reward"] == 0.75
    assert after_one["add2"]["feedback"] == counts["add2"] + 1
    assert after_one["add2"]["routing"] == -1
    assert after_one["add1"]["feedback"] == counts["add1"], "the branch not taken gets no feedback"
    assert after_all == {"add1": counts["add1"] + 2, "add2": counts["add2"] + 3}


def test_feedback_routing_to_a_child_that_does_not_exist_is_refused(graph: Graph, tmp_path: Path) -> None:
    root = graph.node("chooser", type="ROUTER", children=[graph.node("add1", type="MODEL")])
    with running_engine(predictor(root), tmp_path) as engine:
        answer = requests.post(f"{engine.url}/api/v1.0/feedback", timeout=30, json={
            "response": {"meta": {"routing": {"chooser": 3}}}, "reward": 1.0})
    assert answer.status_code == 400
    assert answer.json()["status"]["info"] == "feedback routing sends router 'chooser' to child 3, but it has 1"
