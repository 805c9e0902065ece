"""Plain JSON documents ⇄ Seldon's protobuf messages, by kind (protobuf's JSON mapping)."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message as ProtoMessage

from seldon_s2i.codec.base import DocumentKind
from seldon_s2i.errors import SeldonMicroserviceException
from seldon_s2i.protos import prediction_pb2

MESSAGE_TYPES: dict[DocumentKind, type[ProtoMessage]] = {
    "message": prediction_pb2.SeldonMessage,
    "message_list": prediction_pb2.SeldonMessageList,
    "feedback": prediction_pb2.Feedback,
    "model_metadata": prediction_pb2.SeldonModelMetadata,
    "graph_metadata": prediction_pb2.SeldonGraphMetadata,
}

# How a bad request document of each kind is named in a 400 answer.
_REQUEST_NAMES: dict[DocumentKind, str] = {
    "message": "message",
    "message_list": "message list",
    "feedback": "feedback",
    "model_metadata": "metadata",
    "graph_metadata": "graph metadata",
}


def parse(document: Any, kind: DocumentKind) -> Any:
    """The proto of a request document; a bad one is the caller's mistake (400), unknown fields are dropped."""
    try:
        return json_format.ParseDict(document, MESSAGE_TYPES[kind](), ignore_unknown_fields=True)
    except (json_format.ParseError, TypeError, AttributeError) as error:
        raise SeldonMicroserviceException(f"Invalid {_REQUEST_NAMES[kind]}: {error}") from None


def parse_answer(value: Any, kind: DocumentKind) -> Any:
    """The proto of an answer (a proto of ``kind`` as it is, or a dict); anything else is our side's fault (500)."""
    message_type = MESSAGE_TYPES[kind]
    if isinstance(value, message_type):
        return value
    name = message_type.DESCRIPTOR.name
    if isinstance(value, dict):
        try:
            return json_format.ParseDict(value, message_type(), ignore_unknown_fields=True)
        except json_format.ParseError as error:
            raise SeldonMicroserviceException(f"Raw response is not a {name}: {error}", status_code=500) from None
    raise SeldonMicroserviceException(
        f"Raw method returned {type(value).__name__}; over gRPC it must return a {name}", status_code=500
    )


def dump(message: Any) -> dict[str, Any]:
    """The JSON document of a proto (fields at their default value left out, as protobuf does)."""
    return json_format.MessageToDict(message)


def dump_metrics(metrics: Any) -> list[dict[str, Any]]:
    """``Meta.metrics`` as JSON, every field present (a metric of value 0 still has a value)."""
    return [json_format.MessageToDict(metric, always_print_fields_with_no_presence=True) for metric in metrics]
