"""Classes with *_raw methods: what they receive and what is sent back, REST and gRPC, as Seldon does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deliberate import assert_same
from servers import Pair, serving_pair
from wire import grpc_call, post_text, rest

NDARRAY = {"data": {"ndarray": [[1, 2]]}}


@pytest.fixture(scope="module")
def raw(diff_log_dir: Path) -> Iterator[Pair]:
    with serving_pair("RawEverything", diff_log_dir) as pair:
        yield pair


@pytest.mark.parametrize(
    ("path", "request_"),
    [
        ("/predict", NDARRAY),
        ("/predict", {"jsonData": {"answer_status": 201}}),
        ("/predict", {"jsonData": {"answer_status": 422}}),
        ("/api/v1.0/predictions", {"strData": "x", "meta": {"puid": "p"}}),
        ("/transform-input", NDARRAY),
        ("/transform-output", NDARRAY),
        ("/route", NDARRAY),
        ("/aggregate", [NDARRAY, NDARRAY]),
        ("/aggregate", {"seldonMessages": [NDARRAY]}),
        ("/send-feedback", {"request": NDARRAY, "reward": 0.5}),
    ],
    ids=[
        "predict",
        "status-201",
        "status-422",
        "api-path",
        "transform-input",
        "transform-output",
        "route",
        "aggregate-list",
        "aggregate-seldonMessages",
        "feedback",
    ],
)
def test_rest(raw: Pair, path: str, request_: Any) -> None:
    assert_same(*(rest(service, path, json_body=request_) for service in raw))


def test_rest_health(raw: Pair) -> None:
    assert_same(*(rest(service, "/health/status", method="GET") for service in raw))


@pytest.mark.parametrize(
    ("service_name", "rpc", "request_"),
    [
        ("Model", "Predict", NDARRAY),
        ("Generic", "TransformInput", NDARRAY),
        ("Generic", "TransformOutput", NDARRAY),
        ("Router", "Route", NDARRAY),
        ("Combiner", "Aggregate", {"seldonMessages": [NDARRAY, NDARRAY]}),
        ("Model", "SendFeedback", {"request": NDARRAY, "reward": 0.5}),
    ],
    ids=["predict", "transform-input", "transform-output", "route", "aggregate", "feedback"],
)
def test_grpc(raw: Pair, service_name: str, rpc: str, request_: Any) -> None:
    assert_same(*(grpc_call(service, service_name, rpc, request_) for service in raw))


@pytest.fixture(scope="module")
def passthrough(diff_log_dir: Path) -> Iterator[Pair]:
    with serving_pair("RawEverything", diff_log_dir, env={"PAYLOAD_PASSTHROUGH": "true"}) as pair:
        yield pair


@pytest.mark.parametrize(
    ("path", "request_"),
    [
        ("/predict", {"text": '{"data": {"ndarray": [[1, 2]]}, "anything": "goes"}'}),
        ("/predict", {"text": "not even JSON"}),
        ("/api/v1.0/predictions", {"text": '{"strData": "x"}'}),
        ("/predict", {"method": "GET", "params": {"json": '{"jsonData": 1}'}}),
        ("/transform-input", {"text": '{"data": {"ndarray": [1]}}'}),
    ],
    ids=["predict", "not-json", "api-path", "get-json", "transform-input"],
)
def test_payload_passthrough(passthrough: Pair, path: str, request_: dict[str, Any]) -> None:
    """PAYLOAD_PASSTHROUGH=true: predict_raw gets the body undecoded and its answer goes back as it is."""
    answers = []
    for service in passthrough:
        if "text" in request_:
            answers.append(post_text(service, path, request_["text"]))
        else:
            answers.append(rest(service, path, **request_))
    assert_same(*answers)
