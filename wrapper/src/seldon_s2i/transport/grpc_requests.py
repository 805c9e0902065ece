"""Malformed gRPC request bytes are the client's fault: INVALID_ARGUMENT, not grpcio's INTERNAL.

grpcio answers INTERNAL ("Exception deserializing request!") when a request
deserializer raises; these wrappers parse leniently and let the method refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf.message import DecodeError


class Malformed:
    """Stands for request bytes that are not a valid message of the rpc's input type."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def lenient_parser(message_class: Any) -> Callable[[bytes], Any]:
    parse = message_class.FromString
    name = message_class.DESCRIPTOR.full_name

    def deserialize(data: bytes) -> Any:
        try:
            return parse(data)
        except (DecodeError, ValueError, RuntimeError) as error:
            return Malformed(f"The request is not a valid {name}: {error or type(error).__name__}")

    return deserialize


def refusing_malformed(method: Callable[[Any, grpc.ServicerContext], Any]) -> Callable[[Any, grpc.ServicerContext], Any]:
    def checked(request: Any, context: grpc.ServicerContext) -> Any:
        if isinstance(request, Malformed):
            context.set_trailing_metadata((("seldon-reason", "MICROSERVICE_BAD_DATA"), ("seldon-http-status", "400")))
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, request.reason)
        return method(request, context)

    return checked
