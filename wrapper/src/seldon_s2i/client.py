"""A small client for the Seldon protocol over REST or gRPC, used by ``seldon-s2i predict``.

Messages are given and returned as Seldon JSON documents whichever the
transport: over gRPC the protobuf codec converts them with protobuf's JSON
mapping. The message-size limit is the server's (``SELDON_MAX_MESSAGE_SIZE``,
see :func:`seldon_s2i.environment.max_message_bytes`).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import grpc

from seldon_s2i.codec import json_codec, proto_codec
from seldon_s2i.codec.base import DocumentKind
from seldon_s2i.environment import DEFAULT_MAX_MESSAGE_BYTES
from seldon_s2i.errors import SeldonMicroserviceException
from seldon_s2i.protos import prediction_pb2_grpc

# REST path and gRPC (stub, method, request type) of each operation.
OPERATIONS: dict[str, tuple[str, str, str, DocumentKind]] = {
    "predict": ("/api/v1.0/predictions", "Seldon", "Predict", "message"),
    "transform-input": ("/transform-input", "Generic", "TransformInput", "message"),
    "transform-output": ("/transform-output", "Generic", "TransformOutput", "message"),
    "route": ("/route", "Generic", "Route", "message"),
    "aggregate": ("/aggregate", "Generic", "Aggregate", "message_list"),
    "feedback": ("/api/v1.0/feedback", "Seldon", "SendFeedback", "feedback"),
}


class ClientError(Exception):
    """The server answered with an error, or could not be reached."""

    def __init__(self, message: str, status: int | str | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


def call_rest(
    endpoint: str, operation: str, message: Any, timeout: float = 30, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
) -> Any:
    path = OPERATIONS[operation][0]
    url = endpoint if endpoint.startswith(("http://", "https://")) else f"http://{endpoint}"
    request = urllib.request.Request(
        url.rstrip("/") + path, data=json_codec.dumps(message), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            body = answer.read(max_message_bytes + 1)
            if len(body) > max_message_bytes:
                raise ClientError(f"the answer is larger than the message size limit ({max_message_bytes} bytes)")
            return json_codec.loads(body)
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            document = json_codec.loads(body)
            info = document.get("status", {}).get("info", body.decode(errors="replace"))
        except Exception:
            document, info = None, body.decode(errors="replace")
        raise ClientError(f"HTTP {error.code}: {info}", error.code, document) from None
    except (urllib.error.URLError, OSError) as error:
        raise ClientError(f"cannot reach {url}: {getattr(error, 'reason', error)}") from None


def call_grpc(
    endpoint: str, operation: str, message: Any, timeout: float = 30, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
) -> Any:
    _, service, method, kind = OPERATIONS[operation]
    if kind == "message_list" and isinstance(message, list):
        message = {"seldonMessages": message}
    try:
        request = proto_codec.from_document(message, kind)
    except SeldonMicroserviceException as error:
        raise ClientError(str(error)) from None
    options = [("grpc.max_send_message_length", max_message_bytes), ("grpc.max_receive_message_length", max_message_bytes)]
    with grpc.insecure_channel(endpoint, options=options) as channel:
        stub = getattr(prediction_pb2_grpc, f"{service}Stub")(channel)
        try:
            reply = getattr(stub, method)(request, timeout=timeout)
        except grpc.RpcError as error:
            code = error.code()
            raise ClientError(f"gRPC {code.name}: {error.details()}", code.name) from None
    return proto_codec.to_document(reply)
