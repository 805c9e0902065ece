"""Protobuf (gRPC) ⇄ :class:`Message`.

``data.tensor`` values move between numpy and protobuf as packed bytes, so a
large tensor costs a memory copy, not a Python loop per element. This module is
the gRPC :class:`~seldon_s2i.codec.base.Codec`: its wire form is a protobuf message.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from google.protobuf import json_format, struct_pb2

from seldon_s2i.codec import proto_documents, tftensor
from seldon_s2i.codec.base import DocumentKind
from seldon_s2i.codec.message import DataKind, Feedback, Message
from seldon_s2i.codec.response import as_array, default_names
from seldon_s2i.errors import SeldonMicroserviceException
from seldon_s2i.protos import prediction_pb2

TRANSPORT = "grpc"
SeldonMessage = prediction_pb2.SeldonMessage

_TENSOR_VALUES_TAG = 0x12  # field 2 (values), wire type 2 (packed)
_TENSOR_SHAPE_TAG = 0x0A  # field 1 (shape), wire type 2 (packed)
_NAMES_TAG = 0x0A  # DefaultData field 1 (names), wire type 2
_DATA_TENSOR_TAG = 0x12  # DefaultData field 2 (tensor), wire type 2
_MESSAGE_DATA_TAG = 0x1A  # SeldonMessage field 3 (data), wire type 2


def _varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(buffer: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buffer[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7


def _tensor_to_numpy(tensor: Any) -> np.ndarray:
    shape = list(tensor.shape)
    raw = tensor.SerializeToString()
    values: np.ndarray | None = None
    position = 0
    try:
        while position < len(raw):
            tag, position = _read_varint(raw, position)
            if tag == _TENSOR_VALUES_TAG:
                length, position = _read_varint(raw, position)
                values = np.frombuffer(raw, dtype="<f8", count=length // 8, offset=position).astype(np.float64)
                position += length
            elif tag & 0x7 == 2:
                length, position = _read_varint(raw, position)
                position += length
            else:
                values = None
                break
    except IndexError:
        values = None
    if values is None or values.size != len(tensor.values):
        values = np.array(tensor.values, dtype=np.float64)  # unpacked or unusual encoding
    try:
        return values.reshape(shape) if shape else values
    except ValueError as error:
        raise SeldonMicroserviceException(f"Invalid tensor: {error}") from None


def _tensor_pieces(array: np.ndarray) -> tuple[list[Any], int]:
    """The wire form of a Tensor holding ``array`` as pieces to join, and their total length.

    The values are a view of the array's memory: joined once into the answer, never copied on the way.
    """
    shape = b"".join(_varint(int(size)) for size in array.shape)
    flat = np.ascontiguousarray(array, dtype="<f8").reshape(-1)
    values = flat.data.cast("B") if flat.size else memoryview(b"")
    pieces: list[Any] = [
        bytes([_TENSOR_SHAPE_TAG]), _varint(len(shape)), shape,
        bytes([_TENSOR_VALUES_TAG]), _varint(values.nbytes), values,
    ]
    return pieces, sum(len(piece) for piece in pieces)


def _numpy_to_tensor_bytes(array: np.ndarray) -> bytes:
    return b"".join(_tensor_pieces(array)[0])


def _field(tag: int, payload: bytes) -> bytes:
    """A length-delimited field: tag byte, varint length, payload."""
    return b"".join((bytes([tag]), _varint(len(payload)), payload))


def _encode_names(names: list[str]) -> bytes:
    return b"".join(_field(_NAMES_TAG, str(name).encode("utf-8")) for name in names)


@lru_cache(maxsize=64)
def _default_names_bytes(columns: int) -> bytes:
    return _encode_names(default_names(columns))


def _names_bytes(names: list[str]) -> bytes:
    # Default names of wide outputs are encoded once per width, not per response.
    if len(names) > 16 and names is default_names(len(names)):
        return _default_names_bytes(len(names))
    return _encode_names(names)


def encode_message_bytes(message: Message) -> bytes:
    """The serialized SeldonMessage of ``message``.

    Tensor answers are written straight to the wire format (envelope from
    protobuf, data from numpy bytes and cached names), which spares building
    and re-serializing a large protobuf object; other kinds go through
    :func:`encode_message`.
    """
    if message.kind is not DataKind.TENSOR:
        return bytes(encode_message(message).SerializeToString())
    envelope = encode_message(Message(DataKind.NONE, None, meta=message.meta, status=message.status))
    names = _names_bytes(message.names)
    tensor, tensor_length = _tensor_pieces(np.asarray(message.value))
    # DefaultData {names, tensor} inside SeldonMessage.data, written around the tensor's pieces in one join.
    tensor_head = bytes([_DATA_TENSOR_TAG]) + _varint(tensor_length)
    data_length = len(names) + len(tensor_head) + tensor_length
    head = bytes(envelope.SerializeToString()) + bytes([_MESSAGE_DATA_TAG]) + _varint(data_length) + names + tensor_head
    return b"".join((head, *tensor))


def _list_value_to_python(list_value: Any) -> list[Any]:
    return [_value_to_python(item) for item in list_value.values]


def _value_to_python(value: Any) -> Any:
    which = value.WhichOneof("kind")
    if which == "number_value":
        return value.number_value
    if which == "string_value":
        return value.string_value
    if which == "bool_value":
        return value.bool_value
    if which == "list_value":
        return _list_value_to_python(value.list_value)
    if which == "struct_value":
        return json_format.MessageToDict(value.struct_value)
    return None


def decode_meta(message: Any) -> dict[str, Any]:
    if not message.HasField("meta"):
        return {}
    return json_format.MessageToDict(message.meta)


def decode_message(message: Any) -> Message:
    meta = decode_meta(message)
    status = json_format.MessageToDict(message.status) if message.HasField("status") else None
    which = message.WhichOneof("data_oneof")
    if which == "data":
        data = message.data
        names = list(data.names)
        sub = data.WhichOneof("data_oneof")
        if sub == "tensor":
            return Message(DataKind.TENSOR, _tensor_to_numpy(data.tensor), names, meta, status)
        if sub == "ndarray":
            return Message(DataKind.NDARRAY, as_array(_list_value_to_python(data.ndarray)), names, meta, status)
        if sub == "tftensor":
            return Message(DataKind.TFTENSOR, tftensor.to_numpy(data.tftensor), names, meta, status)
        return Message(DataKind.EMPTY_DATA, np.array([]), names, meta, status)
    if which == "jsonData":
        return Message(DataKind.JSON, _value_to_python(message.jsonData), meta=meta, status=status)
    if which == "strData":
        return Message(DataKind.STR, message.strData, meta=meta, status=status)
    if which == "binData":
        return Message(DataKind.BIN, message.binData, meta=meta, status=status)
    if which == "customData":
        return Message(DataKind.CUSTOM, message.customData, meta=meta, status=status)
    # As Seldon: a message with no payload is the client's mistake (400), not a call with None.
    raise SeldonMicroserviceException(
        "Unknown data in SeldonMessage: set one of data, binData, strData, jsonData or customData"
    )


def _decode_part(message: Any) -> Message:
    """A part of a Feedback, which may carry meta only (a response's routing)."""
    if message.WhichOneof("data_oneof") is None:
        status = json_format.MessageToDict(message.status) if message.HasField("status") else None
        return Message(DataKind.NONE, None, meta=decode_meta(message), status=status)
    return decode_message(message)


def decode_message_list(message_list: Any) -> list[Message]:
    return [decode_message(item) for item in message_list.seldonMessages]


def decode_feedback(feedback: Any) -> Feedback:
    return Feedback(
        request=_decode_part(feedback.request) if feedback.HasField("request") else None,
        response=_decode_part(feedback.response) if feedback.HasField("response") else None,
        reward=float(feedback.reward),
        truth=_decode_part(feedback.truth) if feedback.HasField("truth") else None,
    )


def _fill_list_value(target: Any, values: Any) -> None:
    try:
        target.extend(values)
    except (ValueError, TypeError) as error:
        raise SeldonMicroserviceException(f"Cannot encode ndarray for gRPC: {error}", status_code=500) from None


def encode_message(message: Message) -> Any:
    proto = SeldonMessage()
    if message.status:
        json_format.ParseDict(message.status, proto.status, ignore_unknown_fields=True)
    proto.meta.SetInParent()  # Seldon's answers always carry meta, empty or not (HasField("meta") is true)
    if message.meta:
        try:
            json_format.ParseDict(message.meta, proto.meta, ignore_unknown_fields=True)
        except json_format.ParseError as error:
            raise SeldonMicroserviceException(f"Cannot encode meta: {error}", status_code=500) from None
    kind, value = message.kind, message.value
    if kind.is_default_data:
        proto.data.names.extend(str(name) for name in message.names)
        if kind is DataKind.TENSOR:
            proto.data.tensor.MergeFromString(_numpy_to_tensor_bytes(np.asarray(value)))
        elif kind is DataKind.TFTENSOR:
            proto.data.tftensor.CopyFrom(tftensor.from_numpy(np.asarray(value)))
        else:
            nested = value.tolist() if isinstance(value, np.ndarray) else value
            proto.data.ndarray.SetInParent()  # an empty list is still an ndarray answer
            _fill_list_value(proto.data.ndarray, nested)
    elif kind is DataKind.JSON:
        try:
            proto.jsonData.CopyFrom(_python_to_value(value))
        except (ValueError, TypeError) as error:
            raise SeldonMicroserviceException(f"Cannot encode jsonData: {error}", status_code=500) from None
    elif kind is DataKind.STR:
        proto.strData = value
    elif kind is DataKind.BIN:
        proto.binData = bytes(value)
    elif kind is DataKind.CUSTOM:
        proto.customData.CopyFrom(value)
    return proto


def _python_to_value(value: Any) -> Any:
    holder = struct_pb2.ListValue()
    holder.append(_plain(value))
    return holder.values[0]


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def encode_message_list(messages: list[Message], /) -> Any:
    return prediction_pb2.SeldonMessageList(seldonMessages=[encode_message(message) for message in messages])


def encode_feedback(feedback: Feedback, /) -> Any:
    proto = prediction_pb2.Feedback(reward=feedback.reward)
    for key, message in (("request", feedback.request), ("response", feedback.response), ("truth", feedback.truth)):
        if message is not None:
            getattr(proto, key).CopyFrom(encode_message(message))
    return proto


def encode_meta(message: Any, meta: dict[str, Any], /) -> Any:
    """``message`` itself, its meta replaced in place (the payload is neither decoded nor copied)."""
    message.ClearField("meta")
    if meta:
        try:
            json_format.ParseDict(meta, message.meta, ignore_unknown_fields=True)
        except json_format.ParseError as error:
            raise SeldonMicroserviceException(f"Cannot encode meta: {error}", status_code=500) from None
    return message


def to_document(message: Any, kind: DocumentKind = "message", /) -> Any:
    return proto_documents.dump(message)


def from_document(document: Any, kind: DocumentKind = "message", /) -> Any:
    return proto_documents.parse(document, kind)


def to_proto(message: Any, kind: DocumentKind = "message", /) -> Any:
    return message


def encode_raw(value: Any, kind: DocumentKind = "message", /) -> Any:
    """A raw answer for gRPC: a proto of ``kind`` as it is, a dict parsed into one; anything else is a 500."""
    return proto_documents.parse_answer(value, kind)


def message_list_of(raws: list[Any], /) -> Any:
    return prediction_pb2.SeldonMessageList(seldonMessages=raws)


def message_list_bytes(messages: list[bytes], /) -> bytes:
    # SeldonMessageList field 1 (seldonMessages), wire type 2.
    return b"".join(_field(0x0A, message) for message in messages)


