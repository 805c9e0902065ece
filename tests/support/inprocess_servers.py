"""Serve a Python object through the real REST app and a real gRPC server in this process, for tests.

The REST side is Flask's test client on the app ``create_app`` builds (the same
WSGI app granian serves); the gRPC side is a ``build_server`` server listening
on a free 127.0.0.1 port, called through the generated stubs. Both answer as
Seldon JSON documents so that one test can run over either transport.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import grpc
from flask import Flask
from google.protobuf import empty_pb2, json_format
from microservice_process import free_port
from seldon_s2i.component.adapter import Component
from seldon_s2i.metrics import MetricsRecorder
from seldon_s2i.protos import prediction_pb2, prediction_pb2_grpc
from seldon_s2i.service import SeldonService, ServiceOptions
from seldon_s2i.transport.grpc_server import build_server
from seldon_s2i.transport.rest import create_app
from seldon_s2i.unit import UnitInfo

# REST path, gRPC service, gRPC method and request message of each operation.
OPERATIONS: dict[str, tuple[str, str, str, str]] = {
    "predict": ("/predict", "Model", "Predict", "SeldonMessage"),
    "transform_input": ("/transform-input", "Generic", "TransformInput", "SeldonMessage"),
    "transform_output": ("/transform-output", "Generic", "TransformOutput", "SeldonMessage"),
    "route": ("/route", "Generic", "Route", "SeldonMessage"),
    "aggregate": ("/aggregate", "Generic", "Aggregate", "SeldonMessageList"),
    "send_feedback": ("/send-feedback", "Generic", "SendFeedback", "Feedback"),
}


@dataclass
class Answer:
    """A call's outcome: the HTTP status (REST) or gRPC status name, and the JSON document answered."""

    status: int | str
    document: Any
    details: str = ""


def seldon_service(user: Any, environ: dict[str, str] | None = None, **options: Any) -> SeldonService:
    component = Component(user)
    component.load()
    unit = UnitInfo.from_environment(environ or {})
    return SeldonService(component, unit, MetricsRecorder(unit), ServiceOptions(**options))


class RestCaller:
    transport = "rest"

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client = app.test_client()

    def call(self, operation: str, document: Any) -> Answer:
        answer = self.client.post(OPERATIONS[operation][0], json=document)
        return Answer(answer.status_code, answer.get_json(silent=True), answer.get_data(as_text=True))

    def metadata(self) -> Answer:
        answer = self.client.get("/metadata")
        return Answer(answer.status_code, answer.get_json(silent=True))


class GrpcCaller:
    transport = "grpc"

    def __init__(self, channel: grpc.Channel, address: str) -> None:
        self.channel = channel
        self.address = address

    def call(self, operation: str, document: Any) -> Answer:
        _, service, method, request_type = OPERATIONS[operation]
        if request_type == "SeldonMessageList" and isinstance(document, list):
            document = {"seldonMessages": document}
        request = json_format.ParseDict(document, getattr(prediction_pb2, request_type)())
        stub = getattr(prediction_pb2_grpc, f"{service}Stub")(self.channel)
        return self._answer(lambda: getattr(stub, method)(request, timeout=30))

    def metadata(self) -> Answer:
        stub = prediction_pb2_grpc.ModelStub(self.channel)
        return self._answer(lambda: stub.Metadata(empty_pb2.Empty(), timeout=30))

    @staticmethod
    def _answer(invoke: Any) -> Answer:
        try:
            reply = invoke()
        except grpc.RpcError as error:
            return Answer(error.code().name, None, error.details() or "")
        return Answer("OK", json_format.MessageToDict(reply))


@contextmanager
def grpc_server(handler: Any, max_message_bytes: int = 4 << 20) -> Iterator[GrpcCaller]:
    """``handler`` served by a real gRPC server on 127.0.0.1, and a caller connected to it."""
    address = f"127.0.0.1:{free_port()}"
    server = build_server(handler, address, threads=4, max_message_bytes=max_message_bytes)
    server.start()
    try:
        with grpc.insecure_channel(address) as channel:
            grpc.channel_ready_future(channel).result(timeout=30)
            yield GrpcCaller(channel, address)
    finally:
        server.stop(None).wait()


@contextmanager
def serving(handler: Any, transport: str, **rest_options: Any) -> Iterator[RestCaller | GrpcCaller]:
    """A caller of ``handler`` over ``transport`` ("rest" or "grpc"), both in this process."""
    if transport == "rest":
        yield RestCaller(create_app(handler, max_request_bytes=rest_options.pop("max_request_bytes", 4 << 20), **rest_options))
    else:
        with grpc_server(handler) as caller:
            yield caller
