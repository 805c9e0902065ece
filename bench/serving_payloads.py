"""Request bodies of the serving benchmark, and the checks that an answer is the identity of its request.

bench/serving.py builds every body once (the load generators send the same bytes again and again) and,
before and after timing a server, sends each body with a real client and checks the answer here. The same
numbers travel in four encodings: Seldon v1 JSON and SeldonMessage protobuf (ours, seldon-core, the bare
echo servers), Open Inference (v2) JSON and ModelInferRequest protobuf (MLServer).
"""

from __future__ import annotations

import json
import random
import struct
from dataclasses import dataclass
from typing import Any, Literal

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory, struct_pb2
from seldon_s2i.protos import prediction_pb2

SeldonKind = Literal["ndarray", "tensor"]
# Name of the single input (and output) tensor of the v2 requests.
V2_TENSOR_NAME = "input-0"
# Fixed seed: every run, and every server in a run, gets the same large tensor.
LARGE_TENSOR_SEED = 3


@dataclass(frozen=True)
class Payload:
    """One benchmark input: a float64 array, and how Seldon v1 carries it (`data.ndarray` or `data.tensor`)."""

    key: str
    label: str
    shape: tuple[int, ...]
    values: tuple[float, ...]
    seldon_kind: SeldonKind

    def nested_rows(self) -> list[list[float]]:
        """The values as a list of rows (only 2-D payloads are used)."""
        rows, columns = self.shape
        return [list(self.values[row * columns : (row + 1) * columns]) for row in range(rows)]


def small_payload() -> Payload:
    return Payload("small", "1x4 ndarray", (1, 4), (1.0, 2.0, 3.0, 4.0), "ndarray")


def large_payload(size: int = 100_000) -> Payload:
    # Full-precision random doubles, like real features; a JSON encoder must write ~18 digits for each.
    generator = random.Random(LARGE_TENSOR_SEED)
    values = tuple(generator.random() for _ in range(size))
    return Payload("large", f"1x{size:,} tensor", (1, size), values, "tensor")


# ---------------------------------------------------------------------------------------------- Seldon v1


def seldon_json(payload: Payload) -> bytes:
    if payload.seldon_kind == "ndarray":
        data: dict[str, Any] = {"ndarray": payload.nested_rows()}
    else:
        data = {"tensor": {"shape": list(payload.shape), "values": list(payload.values)}}
    return json.dumps({"data": data}, separators=(",", ":")).encode()


def seldon_proto(payload: Payload) -> bytes:
    message = prediction_pb2.SeldonMessage()
    if payload.seldon_kind == "ndarray":
        ndarray = struct_pb2.ListValue()
        for row in payload.nested_rows():
            ndarray.add_list().extend(row)
        message.data.ndarray.CopyFrom(ndarray)
    else:
        message.data.tensor.shape.extend(payload.shape)
        message.data.tensor.values.extend(payload.values)
    return bytes(message.SerializeToString())


def seldon_json_mismatch(payload: Payload, body: bytes) -> str | None:
    """None if `body` is a Seldon v1 JSON answer carrying exactly the payload, else what is wrong."""
    try:
        answer = json.loads(body)
    except ValueError:
        return f"answer is not JSON: {body[:120]!r}"
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict):
        return f"answer has no 'data' object: {body[:200]!r}"
    if payload.seldon_kind == "ndarray":
        if data.get("ndarray") != payload.nested_rows():
            return f"data.ndarray differs from the request: {str(data.get('ndarray'))[:120]}"
        return None
    tensor = data.get("tensor")
    if not isinstance(tensor, dict):
        return f"answer has no data.tensor (keys: {sorted(data)})"
    return _array_mismatch(payload, tensor.get("shape"), tensor.get("values"))


def seldon_proto_mismatch(payload: Payload, body: bytes) -> str | None:
    """None if `body` is a serialized SeldonMessage carrying exactly the payload, else what is wrong."""
    message = prediction_pb2.SeldonMessage()
    try:
        message.ParseFromString(body)
    except Exception as error:  # protobuf raises its own DecodeError family
        return f"answer is not a SeldonMessage: {error}"
    if message.status.status == prediction_pb2.Status.FAILURE:
        return f"answer has a failure status: {message.status.info}"
    kind = message.data.WhichOneof("data_oneof")
    if kind != payload.seldon_kind:
        return f"answer carries data.{kind}, the request data.{payload.seldon_kind}"
    if kind == "ndarray":
        rows = json_format.MessageToDict(message.data.ndarray)
        return None if rows == payload.nested_rows() else f"data.ndarray differs: {str(rows)[:120]}"
    return _array_mismatch(payload, list(message.data.tensor.shape), list(message.data.tensor.values))


# ------------------------------------------------------------------------------- Open Inference (v2)


def v2_json(payload: Payload) -> bytes:
    tensor = {"name": V2_TENSOR_NAME, "shape": list(payload.shape), "datatype": "FP64", "data": list(payload.values)}
    return json.dumps({"inputs": [tensor]}, separators=(",", ":")).encode()


def v2_json_mismatch(payload: Payload, body: bytes) -> str | None:
    try:
        answer = json.loads(body)
    except ValueError:
        return f"answer is not JSON: {body[:120]!r}"
    outputs = answer.get("outputs") if isinstance(answer, dict) else None
    if not isinstance(outputs, list) or len(outputs) != 1 or not isinstance(outputs[0], dict):
        return f"answer does not have exactly one output: {body[:200]!r}"
    data = outputs[0].get("data")
    # The v2 JSON form allows nested rows as well as a flat list.
    flat = [value for row in data for value in row] if data and isinstance(data[0], list) else data
    return _array_mismatch(payload, outputs[0].get("shape"), flat)


def _v2_message_classes() -> tuple[Any, Any]:
    """ModelInferRequest and ModelInferResponse, declared here with the field numbers of the v2 gRPC spec.

    Declared at run time, in a private descriptor pool, so the benchmark needs neither MLServer nor generated
    code in its own environment; only the fields the benchmark uses are declared (others are skipped on parse).
    """
    proto = descriptor_pb2.FileDescriptorProto(name="bench_v2_inference.proto", package="bench.v2", syntax="proto3")
    field = descriptor_pb2.FieldDescriptorProto
    optional, repeated = field.LABEL_OPTIONAL, field.LABEL_REPEATED

    def add_message(container: Any, name: str, fields: list[tuple[str, int, Any, Any, str]]) -> Any:
        message = container.add(name=name)
        for field_name, number, field_type, label, type_name in fields:
            added = message.field.add(name=field_name, number=number, type=field_type, label=label)
            if type_name:
                added.type_name = type_name
        return message

    add_message(proto.message_type, "InferTensorContents", [("fp64_contents", 7, field.TYPE_DOUBLE, repeated, "")])
    tensor_fields = [
        ("name", 1, field.TYPE_STRING, optional, ""),
        ("datatype", 2, field.TYPE_STRING, optional, ""),
        ("shape", 3, field.TYPE_INT64, repeated, ""),
        ("contents", 5, field.TYPE_MESSAGE, optional, ".bench.v2.InferTensorContents"),
    ]
    request = add_message(proto.message_type, "ModelInferRequest", [("model_name", 1, field.TYPE_STRING, optional, "")])
    add_message(request.nested_type, "InferInputTensor", tensor_fields)
    request.field.add(
        name="inputs",
        number=5,
        type=field.TYPE_MESSAGE,
        label=repeated,
        type_name=".bench.v2.ModelInferRequest.InferInputTensor",
    )
    response = add_message(
        proto.message_type, "ModelInferResponse", [("model_name", 1, field.TYPE_STRING, optional, "")]
    )
    add_message(response.nested_type, "InferOutputTensor", tensor_fields)
    response.field.add(
        name="outputs",
        number=5,
        type=field.TYPE_MESSAGE,
        label=repeated,
        type_name=".bench.v2.ModelInferResponse.InferOutputTensor",
    )
    response.field.add(name="raw_output_contents", number=6, type=field.TYPE_BYTES, label=repeated)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return (
        message_factory.GetMessageClass(pool.FindMessageTypeByName("bench.v2.ModelInferRequest")),
        message_factory.GetMessageClass(pool.FindMessageTypeByName("bench.v2.ModelInferResponse")),
    )


ModelInferRequest, ModelInferResponse = _v2_message_classes()


def v2_proto(payload: Payload, model_name: str) -> bytes:
    request = ModelInferRequest(model_name=model_name)
    tensor = request.inputs.add(name=V2_TENSOR_NAME, datatype="FP64", shape=list(payload.shape))
    tensor.contents.fp64_contents.extend(payload.values)
    return bytes(request.SerializeToString())


def v2_proto_mismatch(payload: Payload, body: bytes) -> str | None:
    response = ModelInferResponse()
    try:
        response.ParseFromString(body)
    except Exception as error:  # protobuf raises its own DecodeError family
        return f"answer is not a ModelInferResponse: {error}"
    if len(response.outputs) != 1:
        return f"answer has {len(response.outputs)} outputs, expected 1"
    output = response.outputs[0]
    if response.raw_output_contents:
        # The spec lets a server answer in raw little-endian bytes instead of typed contents.
        raw = response.raw_output_contents[0]
        values = list(struct.unpack(f"<{len(raw) // 8}d", raw))
    else:
        values = list(output.contents.fp64_contents)
    return _array_mismatch(payload, list(output.shape), values)


# --------------------------------------------------------------------------------------------- shared


def grpc_frame(message: bytes) -> bytes:
    """The body of a unary gRPC request: uncompressed flag, 4-byte big-endian length, the message."""
    return b"\x00" + struct.pack(">I", len(message)) + message


def _array_mismatch(payload: Payload, shape: Any, values: Any) -> str | None:
    if shape is None or list(shape) != list(payload.shape):
        return f"shape {shape} differs from the request's {list(payload.shape)}"
    if not isinstance(values, list) or len(values) != len(payload.values):
        return f"{len(values) if isinstance(values, list) else 'no'} values, the request had {len(payload.values)}"
    for index, (got, sent) in enumerate(zip(values, payload.values, strict=True)):
        if got != sent:
            return f"value {index} is {got!r}, the request had {sent!r}"
    return None
