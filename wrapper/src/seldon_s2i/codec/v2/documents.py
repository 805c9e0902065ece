"""The V2 request as the handler sees it: a dict in the REST JSON shape, each input's ``data`` a numpy array.

This is ``inbound.raw`` of a V2 call, so ``predict_raw`` receives it as it is, and this module is the codec
(:class:`seldon_s2i.codec.base.Codec`) the handler decodes it with. Building the dict from a decoded
:class:`InferRequest` and back copies no tensor data. Seldon-only messages (feedback, message lists of a
graph, protobuf forms) have no V2 form and are refused with 400 or 501.
"""

from __future__ import annotations

from typing import Any, NoReturn

import numpy as np

from seldon_s2i.codec.base import DocumentKind
from seldon_s2i.codec.message import Feedback, Message
from seldon_s2i.codec.v2 import mapping
from seldon_s2i.codec.v2.tensors import InferRequest, RequestedOutput, Tensor
from seldon_s2i.errors import SeldonMicroserviceException

TRANSPORT = "v2"  # no *_rest/*_grpc method of the class applies: those expect a Seldon message


def from_request(request: InferRequest) -> dict[str, Any]:
    document: dict[str, Any] = {}
    if request.id is not None:
        document["id"] = request.id
    if request.parameters:
        document["parameters"] = dict(request.parameters)
    document["inputs"] = [
        {
            "name": tensor.name,
            "datatype": tensor.datatype,
            "shape": list(tensor.shape),
            **({"parameters": dict(tensor.parameters)} if tensor.parameters else {}),
            "data": tensor.data,
        }
        for tensor in request.inputs
    ]
    if request.outputs:
        document["outputs"] = [{"name": o.name, "parameters": dict(o.parameters)} for o in request.outputs]
    return document


def to_request(document: Any) -> InferRequest:
    if not isinstance(document, dict) or not isinstance(document.get("inputs"), list):
        raise SeldonMicroserviceException("A V2 request document needs a list of inputs")
    inputs = []
    for item in document["inputs"]:
        data = np.asarray(item["data"])
        shape = list(item.get("shape", data.shape))
        inputs.append(Tensor(item["name"], item["datatype"], shape, data.reshape(shape), item.get("parameters") or {}))
    outputs = [RequestedOutput(o["name"], o.get("parameters") or {}) for o in document.get("outputs") or []]
    return InferRequest(inputs, document.get("id"), dict(document.get("parameters") or {}), outputs)


def _unsupported(what: str) -> NoReturn:
    raise SeldonMicroserviceException(f"{what} has no Open Inference (V2) form", status_code=501)


# ---- the Codec protocol -------------------------------------------------------------------------------------
def decode_message(raw: Any, /) -> Message:
    return mapping.to_message(to_request(raw))


def encode_message(message: Message, /) -> Any:
    _unsupported("Encoding a Seldon message")


def decode_message_list(raw: Any, /) -> list[Message]:
    return mapping.to_messages(to_request(raw))


def encode_message_list(messages: list[Message], /) -> Any:
    _unsupported("A Seldon message list")


def decode_feedback(raw: Any, /) -> Feedback:
    raise SeldonMicroserviceException("Feedback has no Open Inference (V2) form: send it to /api/v1.0/feedback")


def encode_feedback(feedback: Feedback, /) -> Any:
    _unsupported("Feedback")


def decode_meta(raw: Any, /) -> dict[str, Any]:
    return mapping.meta_of(to_request(raw))


def encode_meta(raw: Any, meta: dict[str, Any], /) -> Any:
    _unsupported("Replacing a message's meta")


def to_document(raw: Any, kind: DocumentKind = "message", /) -> Any:
    if kind != "message":
        _unsupported(f"A {kind.replace('_', ' ')}")
    return raw


def from_document(document: Any, kind: DocumentKind = "message", /) -> Any:
    if kind != "message":
        _unsupported(f"A {kind.replace('_', ' ')}")
    return document


def to_proto(raw: Any, kind: DocumentKind = "message", /) -> Any:
    _unsupported(f"A Seldon {kind.replace('_', ' ')} protobuf")


def encode_raw(value: Any, kind: DocumentKind = "message", /) -> Any:
    return value


def message_list_of(raws: list[Any], /) -> Any:
    _unsupported("A Seldon message list")


def message_list_bytes(messages: list[bytes], /) -> bytes:
    _unsupported("A Seldon message list")
