"""The Open Inference Protocol (V2) REST routes, added to the Seldon Flask app on the same port.

Health, server and model metadata, and inference with JSON or binary tensor data; every failure answers
``{"error": "..."}`` with its HTTP status. Registered by :func:`seldon_s2i.transport.rest.create_app`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, request

from seldon_s2i.codec.json_codec import dumps
from seldon_s2i.codec.v2 import rest as v2_rest
from seldon_s2i.errors import describe
from seldon_s2i.v2_service import V2Service

log = logging.getLogger(__name__)

JSON = "application/json"
BINARY = "application/octet-stream"
TEXT = "text/plain"


def error_response(error: BaseException) -> Response:
    status, _, message = describe(error)
    if status >= 500:
        log.error("V2 request failed: %s", message, exc_info=error)
    return Response(v2_rest.error_body(message), status=status, mimetype=JSON)


def _json(document: object, status: int = 200) -> Response:
    return Response(dumps(document), status=status, mimetype=JSON)


def _is_v2(path: str) -> bool:
    return path == "/v2" or path.startswith("/v2/")


def register(app: Flask, service: V2Service, only: bool = False) -> None:
    """Add the ``/v2`` routes serving ``service`` to ``app``; with ``only``, every other path answers 404."""
    def guarded(view: Callable[..., Response]) -> Callable[..., Response]:
        def run(**kwargs: str) -> Response:
            try:
                return view(**kwargs)
            except Exception as error:
                return error_response(error)

        run.__name__ = f"v2_{view.__name__}"
        return run

    # Health answers are the status alone, with an empty body, as the protocol asks.
    def live() -> Response:
        return Response(status=200, mimetype=TEXT)

    def ready() -> Response:
        return Response(status=200 if service.ready() else 503, mimetype=TEXT)

    def model_ready(name: str, version: str | None = None) -> Response:
        service.check_model(name, version)
        return Response(status=200 if service.ready() else 503, mimetype=TEXT)

    def server_metadata() -> Response:
        return _json(service.server_metadata())

    def model_metadata(name: str, version: str | None = None) -> Response:
        service.check_model(name, version)
        return _json(service.model_metadata())

    def infer(name: str, version: str | None = None) -> Response:
        done = service.timer("v2-rest")
        try:
            service.check_model(name, version)
            decoded = v2_rest.decode_request(
                request.get_data(cache=False), request.headers.get(v2_rest.HEADER_LENGTH)
            )
            decoded.model_version = version or ""
            body, json_length = v2_rest.encode_response(service.infer(decoded), decoded)
            if json_length is None:
                answer = Response(body, mimetype=JSON)
            else:
                answer = Response(body, mimetype=BINARY)
                answer.headers[v2_rest.HEADER_LENGTH] = str(json_length)
        except Exception as error:
            answer = error_response(error)
        done(answer.status_code)
        return answer

    rules: list[tuple[str, Callable[..., Response], str]] = [
        ("/v2/health/live", live, "GET"),
        ("/v2/health/ready", ready, "GET"),
        ("/v2", server_metadata, "GET"),
        ("/v2/models/<name>/ready", model_ready, "GET"),
        ("/v2/models/<name>/versions/<version>/ready", model_ready, "GET"),
        ("/v2/models/<name>", model_metadata, "GET"),
        ("/v2/models/<name>/versions/<version>", model_metadata, "GET"),
        ("/v2/models/<name>/infer", infer, "POST"),
        ("/v2/models/<name>/versions/<version>/infer", infer, "POST"),
    ]
    for path, view, method in rules:
        app.add_url_rule(path, f"v2:{path}", guarded(view), methods=[method])
    @app.before_request
    def v2_routing_error() -> Response | None:
        # A /v2 path that matches no route (or not with this method) answers in V2's error form too.
        error = request.routing_exception
        if error is None or not _is_v2(request.path):
            return None
        status = getattr(error, "code", None) or 404
        message = f"{request.method} {request.path}: no such V2 route" if status == 404 else str(error)
        answer = Response(v2_rest.error_body(message), status=status, mimetype=JSON)
        allowed = getattr(error, "valid_methods", None)
        if status == 405 and allowed:
            answer.headers["Allow"] = ", ".join(allowed)
        return answer

    if only:

        @app.before_request
        def v2_only() -> Response | None:
            # /health/ping stays: the platform's probes (and the controller's manifests) use it.
            if request.path == "/health/ping" or _is_v2(request.path):
                return None
            message = f"{request.path} is a Seldon protocol path; this server speaks only V2 (--protocol v2)"
            return Response(v2_rest.error_body(message), status=404, mimetype=JSON)
