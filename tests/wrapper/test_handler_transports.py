"""Every Seldon operation × high-level or ``*_raw`` method × REST or gRPC, served in this process.

The REST app and the gRPC server are the real ones (``create_app``, ``build_server``);
only the processes around them are left out, so each combination is cheap to check.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from inprocess_servers import GrpcCaller, RestCaller, seldon_service, serving
from seldon_s2i.protos import prediction_pb2

TRANSPORTS = ("rest", "grpc")


def _transport_of(raw: Any) -> str:
    return "rest" if isinstance(raw, dict | list) else "grpc"


class HighLevel:
    """Every high-level method, each answering something that shows it ran on the decoded payload."""

    def __init__(self) -> None:
        self.feedback: list[tuple[list[Any], float, list[Any], Any]] = []

    def predict(self, X: np.ndarray, names: list[str]) -> np.ndarray:
        return X * 2

    def transform_input(self, X: np.ndarray, names: list[str]) -> np.ndarray:
        return X + 1

    def transform_output(self, X: np.ndarray, names: list[str]) -> np.ndarray:
        return X - 1

    def route(self, X: np.ndarray, names: list[str]) -> int:
        return 1

    def aggregate(self, Xs: list[np.ndarray], names: list[list[str]]) -> np.ndarray:
        return Xs[0] + Xs[1]

    def send_feedback(self, features: Any, names: list[str], reward: float, truth: Any, routing: Any = None) -> None:
        self.feedback.append((np.asarray(features).tolist(), reward, np.asarray(truth).tolist(), routing))

    def health_status(self) -> dict[str, Any]:
        return {"healthy": True}

    def init_metadata(self) -> dict[str, Any]:
        return {"name": "high-level", "versions": ["v7"]}


class RawMethods:
    """Every ``*_raw`` method; answers are dicts or protos whatever the transport, as Seldon allows."""

    def __init__(self) -> None:
        self.feedback_types: list[str] = []

    def predict_raw(self, message: Any) -> dict[str, Any]:
        return {"jsonData": {"via": _transport_of(message)}}

    def transform_input_raw(self, message: Any) -> Any:
        return prediction_pb2.SeldonMessage(strData=f"input via {_transport_of(message)}")

    def transform_output_raw(self, message: Any) -> Any:
        return message  # the request as received, sent back unchanged

    def route_raw(self, message: Any) -> dict[str, Any]:
        return {"data": {"ndarray": [[0]]}, "meta": {"tags": {"router": _transport_of(message)}}}

    def aggregate_raw(self, messages: Any) -> dict[str, Any]:
        if isinstance(messages, dict):  # REST: the JSON list, bare or as {"seldonMessages": [...]}
            messages = messages["seldonMessages"]
        listed = messages if isinstance(messages, list) else messages.seldonMessages
        return {"jsonData": {"count": len(listed), "via": "rest" if isinstance(listed, list) else "grpc"}}

    def send_feedback_raw(self, feedback: Any) -> Any:
        # Seldon hands send_feedback_raw a Feedback proto over both transports.
        self.feedback_types.append(type(feedback).__name__)
        return prediction_pb2.SeldonMessage(strData=f"reward {feedback.reward}")

    def health_status_raw(self) -> dict[str, Any]:
        return {"jsonData": {"raw": True}}


REQUEST = {"data": {"ndarray": [[1.0, 2.0]]}}
FEEDBACK = {
    "request": {"data": {"ndarray": [[1.0, 2.0]]}},
    "response": {"meta": {"routing": {"0": 1}}},
    "reward": 0.5,
    "truth": {"data": {"ndarray": [[3.0]]}},
}


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def high_level(transport: str) -> Iterator[tuple[HighLevel, RestCaller | GrpcCaller]]:
    user = HighLevel()
    with serving(seldon_service(user), transport) as caller:
        yield user, caller


@pytest.fixture
def raw(transport: str) -> Iterator[tuple[RawMethods, RestCaller | GrpcCaller]]:
    user = RawMethods()
    with serving(seldon_service(user), transport) as caller:
        yield user, caller


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ("predict", [[2.0, 4.0]]),
        ("transform_input", [[2.0, 3.0]]),
        ("transform_output", [[0.0, 1.0]]),
        ("route", [[1]]),
    ],
)
def test_high_level_message_methods(high_level: tuple[HighLevel, Any], operation: str, expected: Any) -> None:
    _, caller = high_level
    answer = caller.call(operation, REQUEST)
    assert answer.status in (200, "OK"), answer.details
    assert answer.document["data"]["ndarray"] == expected


def test_high_level_aggregate(high_level: tuple[HighLevel, Any]) -> None:
    _, caller = high_level
    answer = caller.call("aggregate", [REQUEST, {"data": {"ndarray": [[10.0, 20.0]]}}])
    assert answer.status in (200, "OK"), answer.details
    assert answer.document["data"]["ndarray"] == [[11.0, 22.0]]


def test_high_level_feedback_gets_features_reward_truth_and_routing(high_level: tuple[HighLevel, Any]) -> None:
    user, caller = high_level
    answer = caller.call("send_feedback", FEEDBACK)
    assert answer.status in (200, "OK"), answer.details
    assert user.feedback == [([[1.0, 2.0]], 0.5, [[3.0]], 1)]


def test_high_level_metadata(high_level: tuple[HighLevel, Any]) -> None:
    _, caller = high_level
    answer = caller.metadata()
    assert answer.status in (200, "OK")
    assert answer.document["name"] == "high-level"
    assert answer.document["versions"] == ["v7"]


def test_raw_predict_dict_answer(raw: tuple[RawMethods, Any], transport: str) -> None:
    _, caller = raw
    answer = caller.call("predict", REQUEST)
    assert answer.status in (200, "OK"), answer.details
    assert answer.document["jsonData"] == {"via": transport}


def test_raw_transform_input_proto_answer(raw: tuple[RawMethods, Any], transport: str) -> None:
    _, caller = raw
    answer = caller.call("transform_input", REQUEST)
    assert answer.status in (200, "OK"), answer.details
    assert answer.document["strData"] == f"input via {transport}"


def test_raw_transform_output_echoes_the_request(raw: tuple[RawMethods, Any]) -> None:
    _, caller = raw
    answer = caller.call("transform_output", {"strData": "unchanged", "meta": {"puid": "p-1"}})
    assert answer.status in (200, "OK"), answer.details
    assert answer.document["strData"] == "unchanged"
    assert answer.document["meta"]["puid"] == "p-1"


def test_raw_route(raw: tuple[RawMethods, Any], transport: str) -> None:
    _, caller = raw
    answer = caller.call("route", REQUEST)
    assert answer.status in (200, "OK"), answer.details
    assert answer.document["data"]["ndarray"] == [[0]]
    assert answer.document["meta"]["tags"] == {"router": transport}


def test_raw_aggregate_gets_the_whole_list(raw: tuple[RawMethods, Any], transport: str) -> None:
    _, caller = raw
    answer = caller.call("aggregate", {"seldonMessages": [REQUEST, REQUEST, REQUEST]})
    assert answer.status in (200, "OK"), answer.details
    assert answer.document["jsonData"] == {"count": 3, "via": transport}


def test_raw_feedback_receives_a_feedback_proto(raw: tuple[RawMethods, Any]) -> None:
    user, caller = raw
    answer = caller.call("send_feedback", FEEDBACK)
    assert answer.status in (200, "OK"), answer.details
    assert answer.document["strData"] == "reward 0.5"
    assert user.feedback_types == ["Feedback"]


def test_health_status_high_level_and_raw() -> None:
    # Seldon serves health_status over REST only (gRPC has the standard health service).
    with serving(seldon_service(HighLevel()), "rest") as caller:
        assert isinstance(caller, RestCaller)
        answer = caller.client.get("/health/status")
        assert answer.status_code == 200
        assert answer.get_json()["jsonData"] == {"healthy": True}
    with serving(seldon_service(RawMethods()), "rest") as caller:
        assert isinstance(caller, RestCaller)
        assert caller.client.get("/health/status").get_json() == {"jsonData": {"raw": True}}


def test_raw_answer_that_is_no_seldon_message_is_an_internal_error_over_grpc() -> None:
    class Wrong:
        def predict_raw(self, message: Any) -> Any:
            return {"notAField": 1} if message.HasField("data") else 42

    with serving(seldon_service(Wrong()), "grpc") as caller:
        unknown_fields = caller.call("predict", REQUEST)  # unknown fields are dropped, as before
        assert unknown_fields.status == "OK"
        wrong_type = caller.call("predict", {"strData": "x"})
        assert wrong_type.status == "INTERNAL"
        assert "must return a SeldonMessage" in wrong_type.details
        assert caller.call("predict", REQUEST).status == "OK"  # still serving


def test_bad_feedback_to_a_raw_method_is_a_bad_request_over_rest() -> None:
    with serving(seldon_service(RawMethods()), "rest") as caller:
        answer = caller.call("send_feedback", {"reward": "lots"})
        assert answer.status == 400
        assert answer.document["status"]["reason"] == "MICROSERVICE_BAD_DATA"
        assert "feedback" in answer.document["status"]["info"].lower()
