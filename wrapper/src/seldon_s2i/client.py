"""A small client for the Seldon protocol over REST or gRPC, used by ``seldon-s2i predict``.

Messages are given and returned as Seldon JSON documents whichever the
transport: over gRPC they are converted with protobuf's JSON mapping.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import grpc
from google.protobuf import json_format

from seldon_s2i.codec import json_codec
from seldon_s2i.protos import prediction_pb2, prediction_pb2_grpc

# REST path and gRPC (stub, method, request type) of each operation.
OPERATIONS: dict[str, tuple[str, str, str, str]] = {
    "predict": ("/api/v1.0/predictions", "Seldon", "Predict", "SeldonMessage"),
    "transform-input": ("/transform-input", "Generic", "TransformInput", "SeldonMessage"),
    "transform-output": ("/transform-output", "Generic", "TransformOutput", "SeldonMessage"),
    "route": ("/route", "Generic", "Route", "SeldonMessage"),
    "aggregate": ("/aggregate", "Generic", "Aggregate", "SeldonMessageList"),
    "feedback": ("/api/v1.0/feedback", "Seldon", "SendFeedback", "Feedback"),
}


class ClientError(Exception):
    """The server answered with an error, or could not be reached."""

    def __init__(self, message: str, status: int | str | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


def call_rest(endpoint: str, operation: str, message: Any, timeout: float = 30) -> Any:
    path = OPERATIONS[operation][0]
    url = endpoint if endpoint.startswith(("http://", "https://")) else f"http://{endpoint}"
    request = urllib.request.Request(
        url.rstrip("/") + path, data=json_codec.dumps(message), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return json_codec.loads(answer.read())
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


def call_grpc(endpoint: str, operation: str, message: Any, timeout: float = 30, max_message_bytes: int = 100 << 20) -> Any:
    _, service, method, request_type = OPERATIONS[operation]
    if request_type == "SeldonMessageList" and isinstance(message, list):
        message = {"seldonMessages": message}
    try:
        request = json_format.ParseDict(message, getattr(prediction_pb2, request_type)())
    except json_format.ParseError as error:
        raise ClientError(f"not a valid {request_type}: {error}") from None
    options = [("grpc.max_send_message_length", max_message_bytes), ("grpc.max_receive_message_length", max_message_bytes)]
    with grpc.insecure_channel(endpoint, options=options) as channel:
        stub = getattr(prediction_pb2_grpc, f"{service}Stub")(channel)
        try:
            reply = getattr(stub, method)(request, timeout=timeout)
        except grpc.RpcError as error:
            code = error.code()
            raise ClientError(f"gRPC {code.name}: {error.details()}", code.name) from None
    return json_format.MessageToDict(reply)
