"""The codec on its own: JSON and protobuf forms of every encoding, and their fast paths."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from google.protobuf import json_format
from seldon_s2i.codec import json_codec, proto_codec, response, tftensor
from seldon_s2i.codec.message import DataKind, Message
from seldon_s2i.errors import SeldonMicroserviceException
from seldon_s2i.protos import prediction_pb2


def test_json_ndarray_keeps_integers_and_strings() -> None:
    message = json_codec.decode_message({"data": {"names": ["a", "b"], "ndarray": [[1, 2], [3, 4]]}})
    assert message.kind is DataKind.NDARRAY
    assert message.value.dtype.kind == "i"
    assert message.names == ["a", "b"]
    reply = response.build(message.value, message.kind, None, {})
    assert json_codec.dumps(json_codec.encode_message(reply)) == (
        b'{"meta":{},"data":{"names":["t:0","t:1"],"ndarray":[[1,2],[3,4]]}}'
    )
    strings = json_codec.decode_message({"data": {"ndarray": [["x", "y"]]}})
    assert strings.value.tolist() == [["x", "y"]]


def test_json_tensor_reshapes_and_mirrors() -> None:
    message = json_codec.decode_message({"data": {"tensor": {"shape": [2, 2], "values": [1.5, 2, 3, 4]}}})
    assert message.value.shape == (2, 2)
    reply = response.build(message.value, message.kind, ["p", "q"], {})
    document = json_codec.encode_message(reply)
    assert json_codec.loads(json_codec.dumps(document))["data"] == {
        "names": ["p", "q"],
        "tensor": {"shape": [2, 2], "values": [1.5, 2.0, 3.0, 4.0]},
    }


def test_non_data_request_with_numeric_result_answers_tensor() -> None:
    reply = response.build([1, 2], DataKind.JSON, None, {})
    assert reply.kind is DataKind.TENSOR
    reply = response.build(np.array(["a"]), DataKind.TENSOR, None, {})
    assert reply.kind is DataKind.NDARRAY


@pytest.mark.parametrize(
    "array",
    [
        np.arange(12, dtype=np.float32).reshape(3, 4),
        np.arange(6, dtype=np.int64).reshape(2, 3),
        np.array([[True, False]]),
        np.array([1.5, -2.25], dtype=np.float16),
        np.array([b"ab", b"cd"], dtype=object),
        np.array([1 + 2j], dtype=np.complex128),
    ],
)
def test_tftensor_round_trip(array: np.ndarray) -> None:
    proto = tftensor.from_numpy(array)
    back = tftensor.to_numpy(proto)
    assert back.shape == array.shape
    assert back.tolist() == array.tolist()
    back.flat[0] = back.flat[-1]  # decoded arrays are writable


def test_tftensor_typed_values_and_broadcast_like_tensorflow() -> None:
    document = {"dtype": "DT_INT64", "int64Val": ["7"], "tensorShape": {"dim": [{"size": "2"}, {"size": "2"}]}}
    message = json_codec.decode_message({"data": {"tftensor": document}})
    assert message.value.tolist() == [[7, 7], [7, 7]]
    reply = json_codec.encode_message(response.build(message.value, message.kind, None, {}))
    parsed = json_codec.loads(json_codec.dumps(reply))["data"]["tftensor"]
    assert parsed["dtype"] == "DT_INT64"
    assert base64.b64decode(parsed["tensorContent"]) == np.full((2, 2), 7, dtype="<i8").tobytes()


def test_proto_tensor_fast_path_matches_protobuf() -> None:
    values = np.random.default_rng(1).random(100_000)
    message = Message(DataKind.TENSOR, values.reshape(1, -1), [], {"puid": "p1", "tags": {"k": "v"}})
    proto = proto_codec.encode_message(message)
    assert list(proto.data.tensor.shape) == [1, 100_000]
    assert proto.data.tensor.values[12345] == values[12345]
    assert proto.meta.puid == "p1"
    again = proto_codec.decode_message(prediction_pb2.SeldonMessage.FromString(proto.SerializeToString()))
    assert again.value.shape == (1, 100_000)
    assert np.array_equal(again.value.ravel(), values)
    assert again.meta == {"puid": "p1", "tags": {"k": "v"}}


def test_proto_tensor_accepts_unpacked_encoding() -> None:
    # A peer may send repeated doubles unpacked (one tag per value): still decoded correctly.
    unpacked = b"".join(b"\x11" + np.float64(v).tobytes() for v in (1.0, 2.0, 3.0))
    shape = b"\x08\x03"
    tensor = prediction_pb2.Tensor.FromString(shape + unpacked)
    message = prediction_pb2.SeldonMessage()
    message.data.tensor.CopyFrom(tensor)
    assert proto_codec.decode_message(message).value.tolist() == [1.0, 2.0, 3.0]


def test_proto_json_data_and_ndarray() -> None:
    message = prediction_pb2.SeldonMessage()
    json_format.ParseDict({"jsonData": {"a": [1, "x", True, None]}}, message)
    decoded = proto_codec.decode_message(message)
    assert decoded.kind is DataKind.JSON
    assert decoded.value == {"a": [1.0, "x", True, None]}
    encoded = proto_codec.encode_message(Message(DataKind.NDARRAY, np.array([[1, 2]]), ["t:0", "t:1"], {}))
    assert json_format.MessageToDict(encoded)["data"] == {"names": ["t:0", "t:1"], "ndarray": [[1.0, 2.0]]}


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ([1, 2], "expected a JSON object"),
        ({}, "Invalid request data type"),
        ({"data": {"matrix": [[1]]}}, "Unknown data encoding matrix"),
        ({"data": {"tensor": {"shape": [3], "values": [1, 2]}}}, "Invalid tensor"),
        ({"data": {"tensor": {"shape": [2], "values": ["a", "b"]}}}, "Invalid tensor"),
        ({"data": {"ndarray": 5}}, "Invalid ndarray"),
        ({"binData": "not base64!"}, "Invalid base64"),
        ({"strData": 5}, "strData must be a string"),
        ({"data": {"tftensor": {"dtype": "DT_NOPE"}}}, "Invalid tftensor"),
    ],
)
def test_bad_json_messages_are_rejected_with_reasons(document: object, fragment: str) -> None:
    with pytest.raises(SeldonMicroserviceException) as raised:
        json_codec.decode_message(document)
    assert fragment in raised.value.message
    assert raised.value.status_code == 400


@pytest.mark.parametrize(
    "array",
    [
        np.array([[1.5, 2.5]]),
        np.random.default_rng(1).random((3, 50)),
        np.arange(6.0).reshape(2, 3).T,  # not contiguous
        np.arange(4, dtype=np.float32),
        np.arange(3),
        np.zeros((2, 0)),
        np.zeros((0,)),
    ],
    ids=["row", "wide", "transposed", "float32", "int", "no-columns", "empty"],
)
def test_tensor_answers_written_straight_to_the_wire_equal_protobufs_encoding(array: np.ndarray) -> None:
    # The gRPC answer of a tensor is assembled from numpy's bytes around protobuf's envelope (one copy of the
    # values): it must parse to exactly the message protobuf itself would build.
    message = Message(DataKind.TENSOR, array, names=[f"c{i}" for i in range(array.shape[-1])],
                      meta={"tags": {"model": "m"}, "puid": "p"})
    wire = proto_codec.encode_message_bytes(message)
    assert prediction_pb2.SeldonMessage.FromString(wire) == proto_codec.encode_message(message)
