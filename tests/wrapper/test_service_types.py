"""Each example component (examples/) served as its service type, over REST and gRPC."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import requests
from google.protobuf import json_format
from microservice_process import EXAMPLES, Microservice, running
from seldon_s2i.protos import prediction_pb2 as pb
from seldon_s2i.protos import prediction_pb2_grpc as pb_grpc


@pytest.fixture(scope="module")
def router(log_dir: Path) -> Iterator[Microservice]:
    with running("MyRouter", EXAMPLES / "router", log_dir, ["--service-type", "ROUTER"]) as service:
        yield service


@pytest.fixture(scope="module")
def combiner(log_dir: Path) -> Iterator[Microservice]:
    with running("MyCombiner", EXAMPLES / "combiner", log_dir, ["--service-type", "COMBINER"]) as service:
        yield service


@pytest.fixture(scope="module")
def transformer(log_dir: Path) -> Iterator[Microservice]:
    args = ["--service-type", "TRANSFORMER", "--parameters", '[{"name":"mean","value":"1","type":"FLOAT"}]']
    with running("MyTransformer", EXAMPLES / "transformer", log_dir, args) as service:
        yield service


@pytest.fixture(scope="module")
def output_transformer(log_dir: Path) -> Iterator[Microservice]:
    args = ["--service-type", "OUTPUT_TRANSFORMER"]
    with running("MyOutputTransformer", EXAMPLES / "output-transformer", log_dir, args) as service:
        yield service


def test_router_chooses_a_child(router: Microservice) -> None:
    low = requests.post(f"{router.url}/route", json={"data": {"ndarray": [[-1.0, 5.0]]}}, timeout=5).json()
    high = requests.post(f"{router.url}/route", json={"data": {"ndarray": [[3.0, 5.0]]}}, timeout=5).json()
    assert low["data"] == {"names": ["t:0"], "ndarray": [[0]]}
    assert high["data"]["ndarray"] == [[1]]
    with router.channel() as channel:
        reply = pb_grpc.RouterStub(channel).Route(json_format.ParseDict({"data": {"tensor": {"shape": [1, 1], "values": [2]}}}, pb.SeldonMessage()))
    assert list(reply.data.tensor.values) == [1.0]
    feedback = {"request": {"data": {"ndarray": [[3.0]]}}, "response": {"meta": {"routing": {"0": 1}}}, "reward": 1}
    assert requests.post(f"{router.url}/send-feedback", json=feedback, timeout=5).status_code == 200


def test_combiner_averages_children(combiner: Microservice) -> None:
    children = [
        {"data": {"ndarray": [[0.2, 0.8]]}, "meta": {"tags": {"a": 1}}},
        {"data": {"ndarray": [[0.4, 0.6]]}, "meta": {"tags": {"b": 2}}},
    ]
    for body in (children, {"seldonMessages": children}):
        reply = requests.post(f"{combiner.url}/aggregate", json=body, timeout=5).json()
        assert np.allclose(reply["data"]["ndarray"], [[0.3, 0.7]])
        assert reply["meta"]["tags"] == {"a": 1, "b": 2}
    with combiner.channel() as channel:
        request = json_format.ParseDict({"seldonMessages": children}, pb.SeldonMessageList())
        reply = pb_grpc.CombinerStub(channel).Aggregate(request)
        generic = pb_grpc.GenericStub(channel).Aggregate(request)
    assert np.allclose(json_format.MessageToDict(reply)["data"]["ndarray"], [[0.3, 0.7]])
    assert generic == reply


def test_transformer_uses_typed_parameters(transformer: Microservice) -> None:
    reply = requests.post(f"{transformer.url}/transform-input", json={"data": {"ndarray": [[3.0, 5.0]]}}, timeout=5)
    assert reply.json()["data"]["ndarray"] == [[1.0, 2.0]]  # (x - 1) / 2
    with transformer.channel() as channel:
        request = json_format.ParseDict({"data": {"tensor": {"shape": [2], "values": [1, 9]}}}, pb.SeldonMessage())
        answer = pb_grpc.TransformerStub(channel).TransformInput(request)
    assert list(answer.data.tensor.values) == [0.0, 4.0]


def test_output_transformer(output_transformer: Microservice) -> None:
    reply = requests.post(
        f"{output_transformer.url}/transform-output", json={"data": {"ndarray": [[0.1, 0.7, 0.2]]}}, timeout=5
    ).json()
    assert reply["data"] == {"names": ["class"], "ndarray": [[1]]}
    with output_transformer.channel() as channel:
        request = json_format.ParseDict({"data": {"ndarray": [[0.9, 0.1]]}}, pb.SeldonMessage())
        answer = pb_grpc.OutputTransformerStub(channel).TransformOutput(request)
    assert json_format.MessageToDict(answer)["data"]["ndarray"] == [[0.0]]
