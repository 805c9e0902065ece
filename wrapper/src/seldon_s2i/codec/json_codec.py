"""REST JSON ⇄ :class:`Message`, via orjson and numpy (no protobuf on the hot path).

This module is the REST :class:`~seldon_s2i.codec.base.Codec`: its wire form is a parsed JSON document.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from typing import Any

import numpy as np
import orjson
from google.protobuf import json_format
from google.protobuf.message import Message as ProtoMessage

from seldon_s2i.codec import json_literals, proto_documents, tftensor
from seldon_s2i.codec.base import DocumentKind
from seldon_s2i.codec.message import DataKind, Feedback, Message
from seldon_s2i.codec.response import as_array, default_names
from seldon_s2i.errors import SeldonMicroserviceException
from seldon_s2i.protos.tf_compat import tensor_pb2

TRANSPORT = "rest"
_DUMP_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
MAX_ANSWER_DEPTH = 254  # orjson's serialisation limit


def loads(body: bytes | str) -> Any:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        try:  # NaN and Infinity literals, as Seldon (Python's json) reads them
            return json_literals.loads(body)
        except (ValueError, RecursionError):
            raise SeldonMicroserviceException(f"Invalid JSON: {error}") from None
    if json_literals.integers_matter(document) and json_literals.may_hold_long_integers(body):
        return json_literals.loads(body)  # integers beyond 64 bits, exactly
    return document


def _default(value: Any) -> Any:
    # Called by orjson for what it cannot serialise natively.
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


def dumps(document: Any) -> bytes:
    try:
        encoded = orjson.dumps(document, default=_default, option=_DUMP_OPTIONS)
    except TypeError as error:  # orjson.JSONEncodeError is a TypeError
        if "64-bit" in str(error):  # an integer beyond 64 bits: written exactly, as Seldon does
            return json_literals.dumps(document, _default)
        if "Recursion limit" in str(error):
            # Only a request nested that deep (orjson parses up to 1,024 levels) gives such an answer: the client's fault.
            raise SeldonMicroserviceException(
                f"Cannot encode the answer as JSON: it is nested more than {MAX_ANSWER_DEPTH} levels deep"
            ) from None
        raise SeldonMicroserviceException(f"Cannot encode response as JSON: {error}", status_code=500) from None
    if json_literals.writes_null(encoded):  # orjson writes NaN and infinities as null; Seldon writes the literals
        return json_literals.dumps(document, _default)
    return encoded


@lru_cache(maxsize=64)
def _names_fragment(columns: int) -> orjson.Fragment:
    return orjson.Fragment(orjson.dumps(default_names(columns)))


def _names(names: list[str]) -> Any:
    # Default names of wide outputs are encoded once per width, not per response.
    if len(names) > 16 and names is default_names(len(names)):
        return _names_fragment(len(names))
    return names


def decode_message(document: Any) -> Message:
    """Decode a SeldonMessage JSON document (already parsed)."""
    if not isinstance(document, dict):
        raise SeldonMicroserviceException(f"Invalid request: expected a JSON object, got {type(document).__name__}")
    meta = document.get("meta") or {}
    if not isinstance(meta, dict):
        raise SeldonMicroserviceException("Invalid request: meta must be an object")
    if meta:
        _check_meta(meta)
    status = document.get("status")
    if "data" in document:
        data = document["data"]
        if not isinstance(data, dict):
            raise SeldonMicroserviceException("Invalid request: data must be an object")
        names = data.get("names") or []
        if not isinstance(names, list):
            raise SeldonMicroserviceException("Invalid request: data.names must be a list")
        return Message(*_decode_data(data), names=names, meta=meta, status=status)
    if "jsonData" in document:
        return Message(DataKind.JSON, document["jsonData"], meta=meta, status=status)
    if "strData" in document:
        value = document["strData"]
        if not isinstance(value, str):
            raise SeldonMicroserviceException("Invalid request: strData must be a string")
        return Message(DataKind.STR, value, meta=meta, status=status)
    if "binData" in document:
        return Message(DataKind.BIN, _b64decode(document["binData"]), meta=meta, status=status)
    if "customData" in document:
        raise SeldonMicroserviceException("customData is only supported over gRPC")
    raise SeldonMicroserviceException(
        "Invalid request data type: expected one of data, jsonData, strData or binData, got "
        + (", ".join(sorted(document)) or "an empty object")
    )


_META_SHAPES = {"tags": (dict, "an object"), "routing": (dict, "an object"), "requestPath": (dict, "an object"),
                "metrics": (list, "a list"), "puid": (str, "a string")}


def _check_meta(meta: dict[str, Any]) -> None:
    # As Seldon's protobuf parsing would: a client sending meta.tags as a list is told so (400), not answered 500.
    for key, (kind, described) in _META_SHAPES.items():
        value = meta.get(key)
        if value is not None and not isinstance(value, kind):
            raise SeldonMicroserviceException(f"Invalid request: meta.{key} must be {described}, got {type(value).__name__}")
    for metric in meta.get("metrics") or ():
        if not isinstance(metric, dict):
            raise SeldonMicroserviceException(f"Invalid request: each of meta.metrics must be an object, got {type(metric).__name__}")


def _decode_data(data: dict[str, Any]) -> tuple[DataKind, np.ndarray]:
    if "tensor" in data:
        tensor = data["tensor"]
        if not isinstance(tensor, dict) or not isinstance(tensor.get("values", []), list):
            raise SeldonMicroserviceException("Invalid tensor: expected {\"shape\": [...], \"values\": [...]}")
        values = tensor.get("values", [])
        shape = tensor.get("shape")
        try:
            if values and isinstance(values[0], float):
                # Doubles (the common case): fromiter skips numpy's type discovery pass.
                array = np.fromiter(values, dtype=np.float64, count=len(values))
            else:
                array = np.array(values)
            if array.dtype.kind not in "biuf":
                raise ValueError("tensor values must be numbers")
            return DataKind.TENSOR, array.reshape(shape) if shape is not None else array
        except (ValueError, TypeError) as error:
            raise SeldonMicroserviceException(f"Invalid tensor: {error}") from None
    if "ndarray" in data:
        ndarray = data["ndarray"]
        if not isinstance(ndarray, list):
            raise SeldonMicroserviceException("Invalid ndarray: expected a (nested) list")
        return DataKind.NDARRAY, as_array(ndarray)
    if "tftensor" in data:
        try:
            proto = json_format.ParseDict(data["tftensor"], tensor_pb2.TensorProto())
        except (json_format.ParseError, TypeError, AttributeError) as error:
            raise SeldonMicroserviceException(f"Invalid tftensor: {error}") from None
        return DataKind.TFTENSOR, tftensor.to_numpy(proto)
    unknown = sorted(set(data) - {"names"})
    if unknown:
        raise SeldonMicroserviceException(f"Unknown data encoding {', '.join(unknown)}: expected ndarray, tensor or tftensor")
    return DataKind.EMPTY_DATA, np.array([])


def _b64decode(value: Any) -> bytes:
    if not isinstance(value, str):
        raise SeldonMicroserviceException("Invalid request: binData must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except ValueError as error:  # binascii.Error, or non-ASCII text
        raise SeldonMicroserviceException(f"Invalid base64 in binData: {error}") from None


def decode_message_list(document: Any) -> list[Message]:
    """Decode a SeldonMessageList: a JSON list of messages or ``{"seldonMessages": [...]}``."""
    if isinstance(document, dict) and "seldonMessages" in document:
        document = document["seldonMessages"]
    if not isinstance(document, list):
        raise SeldonMicroserviceException("Invalid request: expected a list of SeldonMessages or {\"seldonMessages\": [...]}")
    return [decode_message(item) for item in document]


def decode_feedback(document: Any) -> Feedback:
    if not isinstance(document, dict):
        raise SeldonMicroserviceException("Invalid feedback: expected a JSON object")
    try:  # Seldon reads a REST feedback through protobuf: it refuses an unknown field anywhere in it
        json_format.ParseDict(document, proto_documents.MESSAGE_TYPES["feedback"]())
    except (json_format.ParseError, TypeError, AttributeError) as error:
        raise SeldonMicroserviceException(f"Invalid feedback: {error}") from None
    reward = document.get("reward", 0.0)
    if isinstance(reward, bool) or not isinstance(reward, int | float):
        raise SeldonMicroserviceException("Invalid feedback: reward must be a number")
    return Feedback(
        request=_optional_message(document, "request"),
        response=_optional_message(document, "response"),
        reward=float(reward),
        truth=_optional_message(document, "truth"),
    )


def _optional_message(document: dict[str, Any], key: str) -> Message | None:
    value = document.get(key)
    if value is None:
        return None
    if isinstance(value, dict) and not ({"data", "jsonData", "strData", "binData"} & value.keys()):
        # A message with meta only (e.g. a response carrying meta.routing).
        meta = value.get("meta") or {}
        return Message(DataKind.NONE, None, meta=meta if isinstance(meta, dict) else {})
    return decode_message(value)


def to_proto(document: Any, kind: DocumentKind = "message", /) -> Any:
    """The proto of a JSON document of ``kind`` (``send_feedback_raw`` always receives a Feedback proto)."""
    return proto_documents.parse(document, kind)


def encode_message(message: Message) -> dict[str, Any]:
    """The JSON document of ``message`` (numpy arrays left for orjson to write natively)."""
    document: dict[str, Any] = {}
    if message.status is not None:
        document["status"] = message.status
    document["meta"] = message.meta
    kind, value = message.kind, message.value
    if kind is DataKind.TENSOR:
        flat = value.ravel() if isinstance(value, np.ndarray) else np.asarray(value).ravel()
        document["data"] = {"names": _names(message.names), "tensor": {"shape": list(value.shape), "values": flat}}
    elif kind is DataKind.NDARRAY or kind is DataKind.EMPTY_DATA:
        document["data"] = {"names": _names(message.names), "ndarray": value}
    elif kind is DataKind.TFTENSOR:
        proto = tftensor.from_numpy(np.asarray(value))
        document["data"] = {"names": message.names, "tftensor": json_format.MessageToDict(proto)}
    elif kind is DataKind.JSON:
        document["jsonData"] = value
    elif kind is DataKind.STR:
        document["strData"] = value
    elif kind is DataKind.BIN:
        document["binData"] = base64.b64encode(value).decode("ascii")
    elif kind is DataKind.CUSTOM:
        raise SeldonMicroserviceException("customData (a protobuf Any) can only be returned over gRPC", status_code=500)
    return document


def encode_feedback_answer(message: Message) -> dict[str, Any]:
    """The answer to a feedback: Seldon writes it through protobuf JSON, which leaves out empty repeated fields."""
    document = encode_message(message)
    data = document.get("data")
    if isinstance(data, dict):
        if isinstance(data.get("names"), list) and not data["names"]:
            del data["names"]
        tensor = data.get("tensor")
        if isinstance(tensor, dict) and not len(tensor["values"]):
            del tensor["values"]
    return document


def encode_message_list(messages: list[Message], /) -> dict[str, Any]:
    return {"seldonMessages": [encode_message(message) for message in messages]}


def encode_feedback(feedback: Feedback, /) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, message in (("request", feedback.request), ("response", feedback.response), ("truth", feedback.truth)):
        if message is not None:
            document[key] = {"meta": message.meta} if message.kind is DataKind.NONE else encode_message(message)
    document["reward"] = feedback.reward
    return document


def decode_meta(document: Any, /) -> dict[str, Any]:
    meta = document.get("meta") if isinstance(document, dict) else None
    return meta if isinstance(meta, dict) else {}


def encode_meta(document: Any, meta: dict[str, Any], /) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise SeldonMicroserviceException(f"Invalid message: expected a JSON object, got {type(document).__name__}")
    return {**document, "meta": meta}


def to_document(document: Any, kind: DocumentKind = "message", /) -> Any:
    return document


def from_document(document: Any, kind: DocumentKind = "message", /) -> Any:
    return document


def encode_raw(value: Any, kind: DocumentKind = "message", /) -> Any:
    """A raw answer for REST: protobuf messages become their JSON document, anything else is sent as it is."""
    if isinstance(value, ProtoMessage):  # e.g. send_feedback_raw, which receives a proto even over REST
        return json_format.MessageToDict(value)
    return value


def message_list_of(raws: list[Any], /) -> dict[str, Any]:
    return {"seldonMessages": list(raws)}


def message_list_bytes(messages: list[bytes], /) -> bytes:
    return b'{"seldonMessages":[' + b",".join(messages) + b"]}"
