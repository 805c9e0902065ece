"""Errors a component or the wrapper raises, and their Seldon error body.

``SeldonMicroserviceException`` keeps Seldon Core 1.x's constructor and class
attribute so user code written for Seldon raises it unchanged; any exception
carrying an integer ``status_code`` (and optionally a ``reason``) is honoured
the same way.
"""

from __future__ import annotations

from typing import Any

import grpc

BAD_DATA = "MICROSERVICE_BAD_DATA"
BAD_PARAMETER = "MICROSERVICE_BAD_PARAMETER"
BAD_METRIC = "MICROSERVICE_BAD_METRIC"
BAD_METADATA = "MICROSERVICE_BAD_METADATA"
INTERNAL_ERROR = "MICROSERVICE_INTERNAL_ERROR"
NOT_FOUND = "MICROSERVICE_NOT_FOUND"
METHOD_NOT_ALLOWED = "MICROSERVICE_METHOD_NOT_ALLOWED"
PAYLOAD_TOO_LARGE = "MICROSERVICE_PAYLOAD_TOO_LARGE"


class SeldonMicroserviceException(Exception):
    """A failure reported to the caller as Seldon error JSON with ``status_code``."""

    status_code = 400

    def __init__(
        self,
        message: str,
        status_code: int | None = None,
        payload: dict[str, Any] | None = None,
        reason: str = BAD_DATA,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        self.payload = payload
        self.reason = reason

    def to_dict(self) -> dict[str, Any]:
        return {"status": {"status": 1, "info": self.message, "code": -1, "reason": self.reason}}


class SeldonNotImplementedError(SeldonMicroserviceException):
    """Raised by a component method to say "not implemented": the wrapper falls back as if it were absent."""

    status_code = 400

    def __init__(self, message: str = "Not implemented", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)


class ComponentContractError(Exception):
    """The user's class cannot serve its service type; raised at start-up (and at build time)."""


def error_body(message: str, reason: str) -> dict[str, Any]:
    return {"status": {"status": 1, "info": message, "code": -1, "reason": reason}}


def describe(error: BaseException) -> tuple[int, str, str]:
    """The HTTP status, reason and message to report for ``error``."""
    status = getattr(error, "status_code", None)
    if isinstance(error, SeldonMicroserviceException):
        return int(error.status_code), error.reason, error.message
    message = str(getattr(error, "message", None) or error) or type(error).__name__
    if isinstance(status, int) and not isinstance(status, bool) and 400 <= status <= 599:
        reason = getattr(error, "reason", None)
        return status, reason if isinstance(reason, str) else BAD_DATA, message
    return 500, INTERNAL_ERROR, message


_GRPC_BY_HTTP = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.ABORTED,
    412: grpc.StatusCode.FAILED_PRECONDITION,
    413: grpc.StatusCode.RESOURCE_EXHAUSTED,
    422: grpc.StatusCode.INVALID_ARGUMENT,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    501: grpc.StatusCode.UNIMPLEMENTED,
    503: grpc.StatusCode.UNAVAILABLE,
    504: grpc.StatusCode.DEADLINE_EXCEEDED,
}


def grpc_status_for(http_status: int) -> grpc.StatusCode:
    """The gRPC status code that says what an HTTP status says."""
    if http_status in _GRPC_BY_HTTP:
        return _GRPC_BY_HTTP[http_status]
    return grpc.StatusCode.INVALID_ARGUMENT if http_status < 500 else grpc.StatusCode.INTERNAL
