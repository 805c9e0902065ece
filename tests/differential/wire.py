"""One request to a served component, and its answer in a form two servers' answers can be compared in.

REST answers keep the status, the parsed JSON body (Python ``json``, so ``NaN`` literals parse) and the
headers a client acts on; gRPC answers keep the status code, the message as a dict and which of its
top-level fields are present (``HasField``), since an empty ``meta`` vanishes from the dict form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

import grpc
import requests
from google.protobuf import empty_pb2, json_format
from microservice_process import Microservice
from seldon_s2i.protos import prediction_pb2

TIMEOUT = 30
# Headers a client or browser acts on; the rest (Date, Server, Connection, Content-Length) are the HTTP server's.
COMPARED_HEADERS = (
    "content-type",
    "allow",
    "vary",
    "access-control-allow-origin",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-allow-credentials",
    "access-control-expose-headers",
    "access-control-max-age",
)


@dataclass(frozen=True)
class RestAnswer:
    status: int
    body: Any  # the parsed JSON, or the text when the body is not JSON
    headers: dict[str, str] = field(default_factory=dict)

    def canonical(self) -> str:
        """Text that is equal for equal answers: sorted keys, and NaN/Infinity spelt so they compare equal."""
        return json.dumps({"status": self.status, "body": self.body, "headers": self.headers}, sort_keys=True, indent=1)

    def with_body(self, body: Any) -> RestAnswer:
        return replace(self, body=body)


def rest(
    service: Microservice,
    path: str,
    *,
    method: str = "POST",
    json_body: Any = None,
    data: Any = None,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    files: dict[str, Any] | None = None,
) -> RestAnswer:
    response = requests.request(
        method,
        f"{service.url}{path}",
        json=json_body,
        data=data,
        params=params,
        headers=headers,
        files=files,
        timeout=TIMEOUT,
    )
    try:
        body: Any = json.loads(response.text)
    except ValueError:
        body = response.text
    kept = {name: response.headers[name] for name in COMPARED_HEADERS if name in response.headers}
    if "content-type" in kept:
        kept["content-type"] = kept["content-type"].split(";")[0].strip()
    if "allow" in kept:  # a set: servers list the methods in any order
        kept["allow"] = ", ".join(sorted(method.strip() for method in kept["allow"].split(",")))
    return RestAnswer(response.status_code, body, kept)


def post_text(service: Microservice, path: str, text: str) -> RestAnswer:
    """POST a JSON body given as text (for what ``requests`` cannot write, such as NaN or huge integers)."""
    return rest(service, path, data=text.encode(), headers={"Content-Type": "application/json"})


@dataclass(frozen=True)
class GrpcAnswer:
    code: str
    message: dict[str, Any] | None = None
    present: tuple[str, ...] = ()  # top-level fields set on the answer (HasField), in field order
    details: str = ""

    def canonical(self) -> str:
        return json.dumps(
            {"code": self.code, "message": self.message, "present": self.present, "details": self.details},
            sort_keys=True,
            indent=1,
        )


# Request and answer types of each rpc of seldon.protos.
_RPC_TYPES: dict[str, tuple[Any, Any]] = {
    "Predict": (prediction_pb2.SeldonMessage, prediction_pb2.SeldonMessage),
    "TransformInput": (prediction_pb2.SeldonMessage, prediction_pb2.SeldonMessage),
    "TransformOutput": (prediction_pb2.SeldonMessage, prediction_pb2.SeldonMessage),
    "Route": (prediction_pb2.SeldonMessage, prediction_pb2.SeldonMessage),
    "Aggregate": (prediction_pb2.SeldonMessageList, prediction_pb2.SeldonMessage),
    "SendFeedback": (prediction_pb2.Feedback, prediction_pb2.SeldonMessage),
    "Metadata": (None, prediction_pb2.SeldonModelMetadata),
    "ModelMetadata": (prediction_pb2.SeldonModelMetadataRequest, prediction_pb2.SeldonModelMetadata),
}


def grpc_call(service: Microservice, service_name: str, rpc: str, request: Any) -> GrpcAnswer:
    """Call ``seldon.protos.<service_name>/<rpc>``; ``request`` is a proto or its JSON form."""
    request_type, answer_type = _RPC_TYPES[rpc]
    if isinstance(request, dict):
        request = json_format.ParseDict(request, request_type())
    elif request is None:
        request = empty_pb2.Empty()
    # A client that takes answers of any size: the servers' own limits are what is compared.
    with grpc.insecure_channel(service.grpc_target, options=[("grpc.max_receive_message_length", -1)]) as channel:
        call: Any = channel.unary_unary(
            f"/seldon.protos.{service_name}/{rpc}",
            request_serializer=lambda message: message.SerializeToString(),
            response_deserializer=answer_type.FromString,
        )
        try:
            answer = call(request, timeout=TIMEOUT)
        except grpc.RpcError as error:
            return GrpcAnswer(error.code().name, details=error.details() or "")
    present = tuple(descriptor.name for descriptor, _ in answer.ListFields())
    return GrpcAnswer("OK", json_format.MessageToDict(answer), present)
