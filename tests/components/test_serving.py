"""Every prepackaged component served by class name through the real wrapper, over REST and over gRPC."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
from component_serving import MEAN, seldon_parameters, serving
from google.protobuf import json_format
from microservice_process import Microservice
from prometheus_client.parser import text_string_to_metric_families
from seldon_s2i.protos import prediction_pb2 as pb
from seldon_s2i.protos import prediction_pb2_grpc as pb_grpc

ROW = [[1.0, 2.0]]


def aggregate_body(*outputs: list[list[float]], names: list[str] | None = None) -> dict[str, Any]:
    data = [{"data": {"names": names or [], "ndarray": output}} for output in outputs]
    return {"seldonMessages": data}


def feedback_body(arm: int, reward: float) -> dict[str, Any]:
    return {
        "request": {"data": {"ndarray": ROW}},
        "response": {"meta": {"routing": {"node": arm}}, "data": {"ndarray": [[0.0]]}},
        "reward": reward,
    }


@dataclass(frozen=True)
class Call:
    rest_path: str
    grpc: tuple[str, str, type]  # stub, method, request message
    body: dict[str, Any]
    check: Callable[[dict[str, Any]], None]


def routes_to(*allowed: int) -> Callable[[dict[str, Any]], None]:
    def check(answer: dict[str, Any]) -> None:
        assert answer["data"]["ndarray"][0][0] in allowed

    return check


def answers(expected: list[list[float]], names: list[str]) -> Callable[[dict[str, Any]], None]:
    def check(answer: dict[str, Any]) -> None:
        assert np.allclose(answer["data"]["ndarray"], expected)
        assert answer["data"]["names"] == names

    return check


def learned(answer: dict[str, Any]) -> None:
    assert answer["meta"]["tags"]["bandit_pulls"]["1"] >= 1


ROUTE = ("RouterStub", "Route", pb.SeldonMessage)
FEEDBACK = ("RouterStub", "SendFeedback", pb.Feedback)
AGGREGATE = ("CombinerStub", "Aggregate", pb.SeldonMessageList)
TRANSFORM = ("TransformerStub", "TransformInput", pb.SeldonMessage)
PROBABILITIES = ([[0.6, 0.4], [0.2, 0.8]], [[0.45, 0.55], [0.3, 0.7]], [[0.7, 0.3], [0.9, 0.1]])

CASES: dict[str, tuple[str, dict[str, Any], list[Call]]] = {
    "ABTest": ("ROUTER", {"weights": "0,0,1"}, [Call("/route", ROUTE, {"data": {"ndarray": ROW}}, routes_to(2))]),
    "EpsilonGreedy": (
        "ROUTER",
        {"n_branches": 2},
        [
            Call("/route", ROUTE, {"data": {"ndarray": ROW}}, routes_to(0, 1)),
            Call("/send-feedback", FEEDBACK, feedback_body(1, 1.0), learned),
        ],
    ),
    "ThompsonSampling": (
        "ROUTER",
        {"n_branches": 2, "prior_alpha": 2.0},
        [
            Call("/route", ROUTE, {"data": {"ndarray": ROW}}, routes_to(0, 1)),
            Call("/send-feedback", FEEDBACK, feedback_body(1, 0.5), learned),
        ],
    ),
    "Mean": ("COMBINER", {}, [Call("/aggregate", AGGREGATE, aggregate_body([[1, 2]], [[3, 6]], names=["x", "y"]), answers([[2, 4]], ["x", "y"]))]),
    "WeightedMean": (
        "COMBINER",
        {"weights": "3,1"},
        [Call("/aggregate", AGGREGATE, aggregate_body([[1, 2]], [[5, 6]], names=["x", "y"]), answers([[2, 3]], ["x", "y"]))],
    ),
    "MajorityVote": (
        "COMBINER",
        {},
        [Call("/aggregate", AGGREGATE, aggregate_body(*PROBABILITIES, names=["cat", "dog"]), answers([[1, 0], [0, 1]], ["cat", "dog"]))],
    ),
    "SoftVote": (
        "COMBINER",
        {"weights": "1,1,2"},
        [Call("/aggregate", AGGREGATE, aggregate_body(*PROBABILITIES, names=["cat", "dog"]), answers([[1, 0], [1, 0]], ["cat", "dog"]))],
    ),
    "StandardScaler": (
        "TRANSFORMER",
        {"mean": "1,2", "std": "2,0.5"},
        [Call("/transform-input", TRANSFORM, {"data": {"names": ["a", "b"], "ndarray": [[3, 2.5], [1, 2]]}}, answers([[1, 1], [0, 0]], ["a", "b"]))],
    ),
}


def grpc_call(service: Microservice, call: Call) -> dict[str, Any]:
    stub_name, method, message_type = call.grpc
    with service.channel() as channel:
        stub = getattr(pb_grpc, stub_name)(channel)
        reply = getattr(stub, method)(json_format.ParseDict(call.body, message_type()), timeout=30)
    answer: dict[str, Any] = json_format.MessageToDict(reply)
    return answer


def rest_call(service: Microservice, call: Call) -> dict[str, Any]:
    answer = requests.post(f"{service.url}{call.rest_path}", json=call.body, timeout=30)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


@pytest.mark.parametrize("name", list(CASES))
def test_component_over_rest_and_grpc(name: str, tmp_path: Path, log_dir: Path) -> None:
    service_type, parameters, calls = CASES[name]
    with serving(name, service_type, tmp_path, log_dir, seldon_parameters(**parameters), env={"PREDICTIVE_UNIT_ID": "node"}) as service:
        for call in calls:
            call.check(rest_call(service, call))
            call.check(grpc_call(service, call))
        metadata = requests.get(f"{service.url}/metadata", timeout=30).json()
        assert metadata["custom"]["component"] == f"seldon_s2i.components.{name}"


def scrape(service: Microservice, name: str) -> list[tuple[dict[str, str], float]]:
    text = requests.get(f"{service.metrics_url}/prometheus", timeout=10).text
    return [
        (sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


def test_outlier_detector_over_rest_and_grpc(tmp_path: Path, log_dir: Path, reference_file: Path) -> None:
    parameters = seldon_parameters(reference_path=str(reference_file), threshold=5.0)
    rows = [MEAN.tolist(), (MEAN + np.array([2.5, -2.5, 0.0, 0.0])).tolist()]
    call = Call("/transform-input", TRANSFORM, {"data": {"names": list("abcd"), "ndarray": rows}}, answers(rows, list("abcd")))
    with serving("MahalanobisOutlierDetector", "TRANSFORMER", tmp_path, log_dir, parameters) as service:
        for answer in (rest_call(service, call), grpc_call(service, call)):
            call.check(answer)
            assert answer["meta"]["tags"]["outlier"] == [False, True]
            assert answer["meta"]["tags"]["outlier_score"][0] == pytest.approx(0.0, abs=0.2)
        assert sum(value for _, value in scrape(service, "seldon_outliers_total")) == 2


def test_drift_detector_over_rest_and_grpc(tmp_path: Path, log_dir: Path, reference_file: Path) -> None:
    parameters = seldon_parameters(reference_path=str(reference_file), window_size=40)
    rng = np.random.default_rng(8)
    shifted = (np.asarray(MEAN) + rng.normal(size=(40, 4)) + [0, 0, 0, 3]).tolist()
    call = Call("/transform-input", TRANSFORM, {"data": {"names": list("abcd"), "ndarray": shifted}}, answers(shifted, list("abcd")))
    with serving("KSDriftDetector", "TRANSFORMER", tmp_path, log_dir, parameters, args=["--grpc-workers", "1"]) as service:
        for answer in (rest_call(service, call), grpc_call(service, call)):
            call.check(answer)
            assert answer["meta"]["tags"]["drift"] is True
            assert answer["meta"]["tags"]["drift_features"] == ["d"]
        gauges = scrape(service, "seldon_drift_p_value")
        assert {labels["feature"] for labels, _ in gauges} == set("abcd")
        assert all(value < 1e-6 for labels, value in gauges if labels["feature"] == "d")


def test_bandit_feedback_over_grpc_without_routing_is_refused_and_serving_goes_on(tmp_path: Path, log_dir: Path) -> None:
    state = tmp_path / "state.json"
    parameters = seldon_parameters(n_branches=2, state_path=str(state))
    with serving("EpsilonGreedy", "ROUTER", tmp_path, log_dir, parameters, env={"PREDICTIVE_UNIT_ID": "node"}) as service:
        body = feedback_body(1, 1.0)
        body["response"]["meta"]["routing"] = {"another-node": 1}
        answer = requests.post(f"{service.url}/send-feedback", json=body, timeout=30)
        assert answer.status_code == 400 and "meta.routing" in answer.json()["status"]["info"]
        out_of_range = requests.post(f"{service.url}/send-feedback", json=feedback_body(5, 1.0), timeout=30)
        assert out_of_range.status_code == 400 and "n_branches" in out_of_range.json()["status"]["info"]
        too_much = requests.post(f"{service.url}/send-feedback", json=feedback_body(0, 1.5), timeout=30)
        assert too_much.status_code == 400 and "reward" in too_much.json()["status"]["info"]
        assert rest_call(service, Call("/send-feedback", FEEDBACK, feedback_body(0, 1.0), lambda _: None))
        assert json.loads(state.read_text())["pulls"] == [1, 0]
