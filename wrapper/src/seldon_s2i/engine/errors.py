"""Failures of a graph walk, as exceptions both transports already answer (Seldon error JSON / gRPC status).

A node that answers with an error: the walk stops and the caller gets that node's
status and Seldon error body (``info`` and ``reason`` as the node wrote them), as
Seldon's executor does. A node that cannot be reached, or does not answer in time:
503 / ``UNAVAILABLE`` or 504 / ``DEADLINE_EXCEEDED``, naming the node and its address
(Seldon's executor answers 500 with a Go error, or hangs).
"""

from __future__ import annotations

from typing import Any

import grpc

from seldon_s2i.codec import json_codec
from seldon_s2i.errors import INTERNAL_ERROR, SeldonMicroserviceException

UNAVAILABLE = "GRAPH_NODE_UNAVAILABLE"
TIMEOUT = "GRAPH_NODE_TIMEOUT"
BAD_ROUTE = "GRAPH_BAD_ROUTE"

# gRPC status → the HTTP status a REST caller sees (the inverse of seldon_s2i.errors.grpc_status_for).
_HTTP_BY_GRPC = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 412,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
}


class GraphError(SeldonMicroserviceException):
    """A walk that cannot go on; ``node`` is the graph node it stopped at. ``grpc_status``, when set, is the
    gRPC status a gRPC caller gets (a gRPC node's own), else the one ``status_code`` says."""

    def __init__(self, node: str, message: str, status_code: int, reason: str,
                 grpc_status: grpc.StatusCode | None = None) -> None:
        super().__init__(message, status_code=status_code, reason=reason)
        self.node = node
        self.grpc_status = grpc_status


def node_unavailable(node: str, address: str, cause: str) -> GraphError:
    return GraphError(node, f"graph node {node!r} is unavailable at {address}: {cause}", 503, UNAVAILABLE)


def node_timeout(node: str, address: str, path: str, seconds: float) -> GraphError:
    return GraphError(node, f"graph node {node!r} at {address} did not answer {path} within {seconds:g} s", 504, TIMEOUT)


def bad_route(node: str, message: str) -> GraphError:
    return GraphError(node, f"router {node!r} {message}", 500, BAD_ROUTE)


def from_rest_answer(node: str, status: int, body: bytes) -> GraphError:
    """The error a REST node answered, with its status and Seldon error body kept."""
    try:
        document: Any = json_codec.loads(body)
    except SeldonMicroserviceException:
        document = None
    found = document.get("status") if isinstance(document, dict) else None
    if isinstance(found, dict) and isinstance(found.get("info"), str):
        reason = found.get("reason")
        return GraphError(node, found["info"], status, reason if isinstance(reason, str) else INTERNAL_ERROR)
    text = body.decode("utf-8", "replace").strip()[:1000]
    return GraphError(node, f"graph node {node!r} answered HTTP {status}: {text}", status, INTERNAL_ERROR)


def from_grpc_error(node: str, code: grpc.StatusCode, details: str | None, trailing: Any = None) -> GraphError:
    """The error a gRPC node answered, keeping its message and (through our own trailers) its HTTP status and reason."""
    extra = {key: value for key, value in (trailing or ()) if isinstance(value, str)}
    status = _HTTP_BY_GRPC.get(code, 500)
    if extra.get("seldon-http-status", "").isdigit():
        status = int(extra["seldon-http-status"])
    reason = extra.get("seldon-reason") or INTERNAL_ERROR
    return GraphError(node, details or f"graph node {node!r} failed with {code.name}", status, reason, code)
