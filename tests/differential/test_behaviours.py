"""What user code does, seen from the wire: exceptions, runtime tags and metrics, unusual return values, fallbacks."""

from __future__ import annotations

from typing import Any

import pytest
from deliberate import assert_same
from servers import Pair
from wire import grpc_call, rest

# (behaviour, deliberate differences over REST, over gRPC)
BEHAVIOURS: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("seldon-exception", (), ("grpc-errors",)),
    ("value-error", (), ("grpc-errors",)),
    ("runtime", (), ()),
    ("bad-metric", ("error-wording",), ("grpc-errors",)),
    ("numpy-scalar", ("return-types",), ("return-types",)),
    ("nothing", ("return-types",), ("return-types",)),
    ("tuple", ("return-types",), ("return-types",)),
    ("array", (), ()),
    ("strings", (), ()),
]


@pytest.mark.parametrize(("behaviour", "allowed", "_"), BEHAVIOURS, ids=[b for b, _, _ in BEHAVIOURS])
def test_rest(behaviours: Pair, behaviour: str, allowed: tuple[str, ...], _: Any) -> None:
    answers = (rest(service, "/predict", json_body={"jsonData": {"do": behaviour}}) for service in behaviours)
    assert_same(*answers, *allowed)


@pytest.mark.parametrize(("behaviour", "_", "allowed"), BEHAVIOURS, ids=[b for b, _, _ in BEHAVIOURS])
def test_grpc(behaviours: Pair, behaviour: str, _: Any, allowed: tuple[str, ...]) -> None:
    answers = (grpc_call(service, "Model", "Predict", {"jsonData": {"do": behaviour}}) for service in behaviours)
    assert_same(*answers, *allowed)


@pytest.mark.parametrize(
    "payload", [{"data": {"ndarray": [[1, 2]]}}, {"data": {"tensor": {"shape": [1, 2], "values": [1, 2]}}}]
)
def test_class_names(behaviours: Pair, payload: dict[str, Any]) -> None:
    assert_same(*(rest(service, "/predict", json_body=payload) for service in behaviours))
    assert_same(*(grpc_call(service, "Model", "Predict", payload) for service in behaviours))


# Plain has predict only: every other method falls back as Seldon's wrapper does.
FALLBACKS = [
    ("/transform-input", {"data": {"ndarray": [[1, 2]]}}),
    ("/transform-output", {"strData": "x"}),
    ("/route", {"data": {"ndarray": [[1]]}}),
    ("/aggregate", [{"data": {"ndarray": [1]}}]),
    ("/send-feedback", {"request": {"data": {"ndarray": [1]}}, "reward": 1}),
]


@pytest.mark.parametrize(("path", "request_"), FALLBACKS, ids=[path for path, _ in FALLBACKS])
def test_rest_fallbacks(plain: Pair, path: str, request_: Any) -> None:
    seldon, ours = (rest(service, path, json_body=request_) for service in plain)
    assert_same(seldon, ours, *(["error-wording"] if seldon.status >= 400 and seldon.body != ours.body else []))


def test_rest_health_fallback(plain: Pair) -> None:
    assert_same(*(rest(service, "/health/status", method="GET") for service in plain))


@pytest.mark.parametrize(
    ("service_name", "rpc", "request_"),
    [
        ("Generic", "TransformInput", {"data": {"ndarray": [[1, 2]]}}),
        ("Generic", "TransformOutput", {"strData": "x"}),
        ("Router", "Route", {"data": {"ndarray": [[1]]}}),
        ("Combiner", "Aggregate", {"seldonMessages": [{"data": {"ndarray": [1]}}]}),
        ("Model", "SendFeedback", {"request": {"data": {"ndarray": [1]}}, "reward": 1}),
    ],
    ids=["transform-input", "transform-output", "route", "aggregate", "feedback"],
)
def test_grpc_fallbacks(plain: Pair, service_name: str, rpc: str, request_: Any) -> None:
    seldon, ours = (grpc_call(service, service_name, rpc, request_) for service in plain)
    assert_same(seldon, ours, *(["grpc-errors"] if seldon.code != "OK" else []))
