"""The same gRPC calls to Seldon Core 1.18.2 and to us: the same status codes, messages and present fields."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from deliberate import assert_same
from google.protobuf import empty_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from seldon_s2i.protos import prediction_pb2
from servers import Pair
from wire import GrpcAnswer, grpc_call

NDARRAY = {"data": {"ndarray": [[1, 2], [3, 4]]}}
MESSAGES: list[tuple[Any, ...]] = [
    ("ndarray", NDARRAY),
    ("ndarray-strings", {"data": {"ndarray": [["a", "b"]]}}),
    ("tensor", {"data": {"tensor": {"shape": [2, 2], "values": [1, 2.5, 3, 4]}}}),
    ("tensor-nan", {"data": {"tensor": {"shape": [2], "values": ["NaN", "-Infinity"]}}}),
    ("names", {"data": {"names": ["a", "b"], "ndarray": [[1, 2]]}}),
    ("data-without-encoding", {"data": {}}),
    ("strData", {"strData": "hello"}),
    ("binData", {"binData": "AAEC/w=="}),
    ("jsonData", {"jsonData": {"a": [1, "x", None, True]}}),
    ("jsonData-list", {"jsonData": [1, 2]}),
    ("meta", {"meta": {"puid": "p", "tags": {"component": "request", "x": 1}, "requestPath": {"a": "b"}}, **NDARRAY}),
    (
        "tftensor",
        {"data": {"tftensor": {"dtype": "DT_FLOAT", "tensorShape": {"dim": [{"size": "2"}]}, "floatVal": [1, 2]}}},
        "tftensor",
    ),
]
# Every rpc that takes a SeldonMessage, under each service that offers it.
MESSAGE_RPCS = [
    ("Model", "Predict"),
    ("Seldon", "Predict"),
    ("Generic", "TransformInput"),
    ("Transformer", "TransformInput"),
    ("Generic", "TransformOutput"),
    ("OutputTransformer", "TransformOutput"),
    ("Generic", "Route"),
    ("Router", "Route"),
]


def both(pair: Pair, service: str, rpc: str, request: Any) -> tuple[GrpcAnswer, GrpcAnswer]:
    return grpc_call(pair.seldon, service, rpc, request), grpc_call(pair.ours, service, rpc, request)


@pytest.mark.parametrize(("service", "rpc"), MESSAGE_RPCS, ids=[f"{s}.{r}" for s, r in MESSAGE_RPCS])
@pytest.mark.parametrize(
    ("message", "allowed"), [pytest.param(message, tuple(allowed), id=name) for name, message, *allowed in MESSAGES]
)
def test_message_rpcs(
    everything: Pair, service: str, rpc: str, message: dict[str, Any], allowed: tuple[str, ...]
) -> None:
    assert_same(*both(everything, service, rpc, message), *allowed)


@pytest.mark.parametrize("service", ["Combiner", "Generic"])
@pytest.mark.parametrize(
    "messages",
    [
        [NDARRAY, {"data": {"ndarray": [[5, 6]]}}],
        [{"meta": {"puid": "a", "tags": {"x": 1, "y": 1}}, **NDARRAY}, {"meta": {"tags": {"y": 2}}, "strData": "s"}],
        [{"data": {"tensor": {"shape": [1], "values": [1]}}}],
        [{"jsonData": {"k": "v"}}],
    ],
    ids=["ndarray", "meta-merging", "tensor", "jsonData"],
)
def test_aggregate(everything: Pair, service: str, messages: list[dict[str, Any]]) -> None:
    assert_same(*both(everything, service, "Aggregate", {"seldonMessages": messages}))


FEEDBACK: list[tuple[str, dict[str, Any]]] = [
    ("ndarray", {"request": NDARRAY, "reward": 1}),
    ("tensor", {"request": {"data": {"tensor": {"shape": [2], "values": [1, 2]}}}, "reward": 0.5}),
    ("truth-and-routing", {"request": NDARRAY, "response": {"meta": {"routing": {"everything": 1}}}, "truth": NDARRAY}),
    ("request-meta", {"request": {"meta": {"puid": "fb", "tags": {"t": 1}}, **NDARRAY}, "reward": 2}),
    ("jsonData-request", {"request": {"jsonData": {"a": 1}}, "reward": 1}),
    ("empty", {}),
]


@pytest.mark.parametrize("service", ["Model", "Generic", "Router", "Seldon"])
@pytest.mark.parametrize(("case", "feedback"), FEEDBACK, ids=[name for name, _ in FEEDBACK])
def test_feedback(everything: Pair, service: str, case: str, feedback: dict[str, Any]) -> None:
    assert_same(*both(everything, service, "SendFeedback", feedback))


@pytest.mark.parametrize(
    ("service", "rpc", "request_"), [("Model", "Metadata", None), ("Seldon", "ModelMetadata", {"name": "x"})]
)
def test_metadata(everything: Pair, service: str, rpc: str, request_: Any) -> None:
    assert_same(*both(everything, service, rpc, request_))


@pytest.mark.parametrize(("service", "rpc"), MESSAGE_RPCS, ids=[f"{s}.{r}" for s, r in MESSAGE_RPCS])
def test_answers_always_carry_meta(plain: Pair, service: str, rpc: str) -> None:
    seldon, ours = both(plain, service, rpc, {"strData": "x"})
    assert_same(seldon, ours, *(["grpc-errors"] if seldon.code != "OK" else []))
    assert seldon.code != "OK" or "meta" in ours.present


@pytest.mark.parametrize(
    ("service", "rpc", "request_"),
    [
        ("Model", "Predict", {}),  # no payload: the identity returns None
        ("Model", "Predict", {"data": {"tensor": {"shape": [3], "values": [1, 2]}}}),
        ("Seldon", "GraphMetadata", None),
    ],
    ids=["no-payload", "tensor-shape-mismatch", "graph-metadata"],
)
def test_errors(everything: Pair, service: str, rpc: str, request_: Any) -> None:
    if rpc == "GraphMetadata":
        answers = []
        for served in everything:
            with served.channel() as channel:
                call = channel.unary_unary(
                    "/seldon.protos.Seldon/GraphMetadata",
                    request_serializer=lambda message: message.SerializeToString(),
                    response_deserializer=prediction_pb2.SeldonGraphMetadata.FromString,
                )
                try:
                    call(empty_pb2.Empty(), timeout=30)
                    answers.append(GrpcAnswer("OK"))
                except grpc.RpcError as error:
                    answers.append(GrpcAnswer(error.code().name, details=error.details() or ""))
        assert_same(*answers, "grpc-errors")
        return
    assert_same(*both(everything, service, rpc, request_), "grpc-errors")


def test_message_above_4_mib(everything: Pair) -> None:
    message = prediction_pb2.SeldonMessage(strData="x" * (5 * 1024 * 1024))
    seldon, ours = both(everything, "Model", "Predict", message)
    assert_same(seldon, ours, "size-limit")


def test_grpc_health_service(everything: Pair) -> None:
    answers = []
    for served in everything:
        with served.channel() as channel:
            try:
                health: Any = health_pb2_grpc.HealthStub(channel)  # the stubs leave out its methods
                status = health.Check(health_pb2.HealthCheckRequest(), timeout=30)
                answers.append(
                    GrpcAnswer("OK", {"status": health_pb2.HealthCheckResponse.ServingStatus.Name(status.status)})
                )
            except grpc.RpcError as error:
                answers.append(GrpcAnswer(error.code().name, details=error.details() or ""))
    assert_same(*answers, "grpc-health")
