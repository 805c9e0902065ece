"""The gRPC API of a served component: all seven Seldon services, health, reflection."""

from __future__ import annotations

from typing import Any

import grpc
import numpy as np
import pytest
from google.protobuf import empty_pb2, json_format
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from microservice_process import Microservice
from seldon_s2i.protos import prediction_pb2 as pb
from seldon_s2i.protos import prediction_pb2_grpc as pb_grpc

IRIS = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]


def message(document: dict) -> pb.SeldonMessage:
    return json_format.ParseDict(document, pb.SeldonMessage())


def as_dict(proto: Any) -> dict:
    return json_format.MessageToDict(proto)


def test_model_predict_tensor_and_meta(model: Microservice) -> None:
    with model.channel() as channel:
        request = message({"data": {"tensor": {"shape": [2, 4], "values": [v for row in IRIS for v in row]}}, "meta": {"puid": "g1"}})
        reply = pb_grpc.ModelStub(channel).Predict(request)
    assert list(reply.data.names) == ["setosa", "versicolor", "virginica"]
    assert list(reply.data.tensor.shape) == [2, 3]
    probabilities = np.array(reply.data.tensor.values).reshape(2, 3)
    assert probabilities[0].argmax() == 0 and probabilities[1].argmax() == 2
    assert reply.meta.puid == "g1"
    assert reply.meta.requestPath["classifier"] == "quay.io/acme/iris:1.2"
    assert reply.meta.tags["model"].string_value == "softmax"
    assert {m.key for m in reply.meta.metrics} == {"mymodel_predictions", "mymodel_feedback_reward_sum"}


def test_seldon_service_and_generic_service_share_the_component(model: Microservice) -> None:
    request = message({"data": {"ndarray": IRIS}})
    with model.channel() as channel:
        via_seldon = pb_grpc.SeldonStub(channel).Predict(request)
        via_model = pb_grpc.ModelStub(channel).Predict(request)
        passthrough = pb_grpc.GenericStub(channel).TransformInput(message({"data": {"ndarray": [[1, 2]]}}))
        output = pb_grpc.OutputTransformerStub(channel).TransformOutput(message({"strData": "x"}))
        transformed = pb_grpc.TransformerStub(channel).TransformInput(message({"jsonData": {"k": 1}}))
    assert as_dict(via_seldon)["data"] == as_dict(via_model)["data"]
    assert as_dict(passthrough)["data"]["ndarray"] == [[1.0, 2.0]]
    assert output.strData == "x"
    assert as_dict(transformed)["jsonData"] == {"k": 1.0}


def test_tftensor_over_grpc(model: Microservice) -> None:
    from seldon_s2i.codec import tftensor

    request = pb.SeldonMessage()
    request.data.tftensor.CopyFrom(tftensor.from_numpy(np.array(IRIS, dtype=np.float32)))
    with model.channel() as channel:
        reply = pb_grpc.ModelStub(channel).Predict(request)
    assert reply.data.WhichOneof("data_oneof") == "tftensor"
    assert tftensor.to_numpy(reply.data.tftensor).shape == (2, 3)


def test_binary_string_and_json_payloads(described: Microservice) -> None:
    with described.channel() as channel:
        stub = pb_grpc.ModelStub(channel)
        assert stub.Predict(pb.SeldonMessage(binData=b"abc")).binData == b"cba"
        assert stub.Predict(pb.SeldonMessage(strData="abc")).strData == "ABC"
        reply = stub.Predict(message({"jsonData": {"x": [1, 2]}}))
        assert as_dict(reply)["jsonData"] == {"received": {"x": [1.0, 2.0]}, "names": []}
        metadata = stub.Metadata(empty_pb2.Empty())
        assert metadata.name == "described" and list(metadata.versions) == ["v3"]
        assert metadata.custom["team"] == "ml"
        assert metadata.outputs[0].datatype == "FP64" and list(metadata.outputs[0].shape) == [1, 2]
        by_name = pb_grpc.SeldonStub(channel).ModelMetadata(pb.SeldonModelMetadataRequest(name="described"))
        assert by_name == metadata


def test_feedback_over_grpc(model: Microservice) -> None:
    feedback = json_format.ParseDict(
        {"request": {"data": {"ndarray": [IRIS[0]]}}, "reward": 0.5, "truth": {"data": {"ndarray": [[1, 0, 0]]}}},
        pb.Feedback(),
    )
    with model.channel() as channel:
        reply = pb_grpc.ModelStub(channel).SendFeedback(feedback)
        also = pb_grpc.RouterStub(channel).SendFeedback(feedback)
    assert reply.data.WhichOneof("data_oneof") == "ndarray"
    assert also.data.WhichOneof("data_oneof") == "ndarray"


def test_unimplemented_and_undefined_calls_get_meaningful_codes(model: Microservice) -> None:
    with model.channel() as channel:
        with pytest.raises(grpc.RpcError) as route:
            pb_grpc.RouterStub(channel).Route(message({"data": {"ndarray": [[1]]}}))
        with pytest.raises(grpc.RpcError) as graph:
            pb_grpc.SeldonStub(channel).GraphMetadata(empty_pb2.Empty())
    assert route.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert route.value.details() == "Route not defined"
    assert graph.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_standard_health_and_reflection(model: Microservice) -> None:
    with model.channel() as channel:
        health: Any = health_pb2_grpc.HealthStub(channel)  # the stubs leave out its methods
        assert health.Check(health_pb2.HealthCheckRequest()).status == health_pb2.HealthCheckResponse.SERVING
        served = health.Check(health_pb2.HealthCheckRequest(service="seldon.protos.Model"))
        assert served.status == health_pb2.HealthCheckResponse.SERVING
        stub: Any = reflection_pb2_grpc.ServerReflectionStub(channel)
        replies = list(stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")])))
    names = {service.name for service in replies[0].list_services_response.service}
    assert {
        "seldon.protos.Generic",
        "seldon.protos.Model",
        "seldon.protos.Router",
        "seldon.protos.Transformer",
        "seldon.protos.OutputTransformer",
        "seldon.protos.Combiner",
        "seldon.protos.Seldon",
        "grpc.health.v1.Health",
    } <= names


def test_custom_data_any_round_trips(described: Microservice) -> None:
    from google.protobuf import any_pb2, wrappers_pb2

    payload = any_pb2.Any()
    payload.Pack(wrappers_pb2.StringValue(value="custom"))
    with described.channel() as channel:
        reply = pb_grpc.ModelStub(channel).Predict(pb.SeldonMessage(customData=payload))
    assert reply.WhichOneof("data_oneof") == "customData"
    unpacked = wrappers_pb2.StringValue()
    assert reply.customData.Unpack(unpacked) and unpacked.value == "custom"
