"""The REST transport: a Flask app serving every path of Seldon's Python wrapper for any :class:`Handler`."""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable, Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any

from flask import Blueprint, Flask, Request, Response, has_request_context, request
from werkzeug.exceptions import HTTPException

from seldon_s2i.codec import json_codec
from seldon_s2i.codec.base import Codec
from seldon_s2i.codec.message import Message
from seldon_s2i.errors import (
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    PAYLOAD_TOO_LARGE,
    SeldonMicroserviceException,
    describe,
    error_body,
)
from seldon_s2i.handler import Handler, Inbound, Outbound, Raw
from seldon_s2i.transport import v2_rest
from seldon_s2i.transport.cors import AllowCrossOrigin
from seldon_s2i.transport.request_limits import RequestLimits
from seldon_s2i.transport.rest_direct import Answer, DirectRoutes, Endpoint
from seldon_s2i.v2_service import V2Service

log = logging.getLogger(__name__)

CODEC: Codec = json_codec
JSON = "application/json"
_NO_HEADERS: Mapping[str, str] = MappingProxyType({})
_HTTP_REASONS = {404: NOT_FOUND, 405: METHOD_NOT_ALLOWED, 413: PAYLOAD_TOO_LARGE}


def _form_document(req: Request) -> Any:
    """Seldon's multipart form: each field is a JSON fragment of the message (strData stays text)."""
    document: dict[str, Any] = {}
    for key, value in req.form.items():
        document[key] = value if key == "strData" else json_codec.loads(value)
    for key, upload in req.files.items():
        content = upload.read()
        if key == "binData":
            document[key] = base64.b64encode(content).decode("ascii")
            continue
        try:
            document[key] = content.decode("utf-8")
        except UnicodeDecodeError as error:
            raise SeldonMicroserviceException(f"Form file {key} is not UTF-8 text ({error}); send bytes as binData") from None
    return document


def read_document(req: Request) -> Any:
    """The request's SeldonMessage JSON, from any of the forms Seldon accepts."""
    mimetype = req.mimetype
    if mimetype == "multipart/form-data":
        return _form_document(req)
    if mimetype == "application/x-www-form-urlencoded" and "json" in req.form:
        return json_codec.loads(req.form["json"])
    if "json" in req.args:
        return json_codec.loads(req.args["json"])
    return document_of_body(req.get_data(cache=False))


def document_of_body(body: bytes) -> Any:
    """The SeldonMessage JSON of a request body."""
    if not body:
        raise SeldonMicroserviceException(
            "Can't find JSON in data: send a JSON body, a json= form field or a ?json= query parameter"
        )
    return json_codec.loads(body)


def _passthrough_body(body: bytes) -> bytes:
    return body


def _json_response(document: Any, status: int = 200) -> Response:
    return Response(json_codec.dumps(document), status=status, mimetype=JSON)


def _raw_response(value: Any, predict_like: bool) -> Response:
    if isinstance(value, Response):
        return value
    value = CODEC.encode_raw(value)  # a protobuf message becomes its JSON document
    if isinstance(value, bytes | bytearray | str):
        return Response(bytes(value) if isinstance(value, bytearray) else value, status=200, mimetype=JSON)
    status = 200
    if predict_like and isinstance(value, dict):
        code = (value.get("status") or {}).get("code") if isinstance(value.get("status"), dict) else None
        if isinstance(code, int) and not isinstance(code, bool) and 100 <= code <= 599:
            status = code
    return _json_response(value, status)


def create_app(
    handler: Handler,
    *,
    max_request_bytes: int,
    payload_passthrough: bool = False,
    v2: V2Service | None = None,
    seldon: bool = True,
) -> Flask:
    """The Flask app serving ``handler`` on every path of Seldon's wrapper (bodies up to ``max_request_bytes``)."""
    app = Flask("seldon_s2i")
    app.config["MAX_CONTENT_LENGTH"] = max_request_bytes
    app.config["MAX_FORM_MEMORY_SIZE"] = max_request_bytes
    record_request = handler.record_request
    perf_counter = time.perf_counter
    # Seldon's hook for custom error answers: a Flask Blueprint as the class attribute model_error_handler.
    blueprint = handler.error_blueprint()
    if isinstance(blueprint, Blueprint):
        app.register_blueprint(blueprint)
    user_handled = tuple(app.error_handler_spec.get(None, {}).get(None, {}))

    def endpoint(
        name: str,
        operation: Callable[[Inbound], Outbound],
        predict_like: bool = False,
        encode: Callable[[Message], Any] = json_codec.encode_message,
    ) -> Endpoint:
        """The endpoint ``name``, served by the Flask view and the direct route alike."""

        def answer(read: Callable[[], Any], headers: Mapping[str, str]) -> Answer:
            start = perf_counter()
            inbound: Inbound | None = None
            result: bytes | Response
            try:
                inbound = Inbound(read(), json_codec, "rest", headers)
                outcome = operation(inbound)
                if isinstance(outcome, Raw):
                    result = _raw_response(outcome.value, predict_like)
                else:
                    result = json_codec.dumps(encode(outcome))
            except Exception as error:  # reported to the caller as Seldon error JSON
                if user_handled and isinstance(error, user_handled) and has_request_context():
                    result = app.make_response(app.handle_user_exception(error))
                else:
                    result = _error_response(error)
            status = 200 if isinstance(result, bytes) else result.status_code
            record_request(name, "rest", status, perf_counter() - start)
            return result, (inbound.answer_headers if inbound is not None else _NO_HEADERS)

        return answer

    def view_of(endpoint: Endpoint, predict_like: bool = False) -> Callable[[], Response]:
        def view() -> Response:
            result, extra = endpoint(lambda: _flask_payload(predict_like), request.headers)  # type: ignore[arg-type]
            answer = Response(result, mimetype=JSON) if isinstance(result, bytes) else result
            if extra:
                answer.headers.update(extra)
            return answer

        return view

    def _flask_payload(predict_like: bool) -> Any:
        if predict_like and payload_passthrough:
            return request.get_data(cache=False) if "json" not in request.args else request.args["json"]
        return read_document(request)

    predict = endpoint("predict", handler.predict, predict_like=True)
    feedback = endpoint("send_feedback", handler.send_feedback, encode=json_codec.encode_feedback_answer)
    predict_body = _passthrough_body if payload_passthrough else document_of_body
    both = ["GET", "POST"]
    # (path, endpoint name, endpoint, methods, body reader)
    seldon_paths: list[tuple[str, str, Endpoint, list[str], Callable[[bytes], Any]]] = [
        ("/predict", "seldon_predict", predict, both, predict_body),
        ("/api/v1.0/predictions", "predictions_v1", predict, ["POST"], predict_body),
        ("/api/v0.1/predictions", "predictions_v01", predict, ["POST"], predict_body),
        ("/send-feedback", "seldon_send_feedback", feedback, both, document_of_body),
        ("/api/v1.0/feedback", "feedback_v1", feedback, ["POST"], document_of_body),
        ("/api/v0.1/feedback", "feedback_v01", feedback, ["POST"], document_of_body),
    ]
    for method in ("transform_input", "transform_output", "route", "aggregate"):
        path = "/" + method.replace("_", "-")
        seldon_paths.append((path, f"seldon_{method}", endpoint(method, getattr(handler, method)), both, document_of_body))
    views: dict[int, Callable[[], Response]] = {}
    for path, view_name, served, methods, _read in seldon_paths:
        view = views.setdefault(id(served), view_of(served, predict_like=served is predict))
        app.add_url_rule(path, view_name, view, methods=methods)

    @app.get("/health/ping")
    def ping() -> Response:
        if handler.ready():
            return Response("pong", mimetype="text/html")
        return _json_response(error_body("not ready", "MICROSERVICE_NOT_READY"), 503)

    def health_status() -> Response:
        start = perf_counter()
        try:
            outcome = handler.health_status()
            answer = (
                _raw_response(outcome.value, False)
                if isinstance(outcome, Raw)
                else _json_response(json_codec.encode_message(outcome))
            )
        except Exception as error:
            answer = _error_response(error)
        record_request("health_status", "rest", answer.status_code, perf_counter() - start)
        return answer

    app.add_url_rule("/health/status", "health_status", health_status, methods=["GET"])
    app.add_url_rule("/api/v1.0/health/status", "health_status_v1", health_status, methods=["GET"])

    def metadata() -> Response:
        try:
            return _json_response(handler.metadata())
        except Exception as error:
            return _error_response(error)

    app.add_url_rule("/metadata", "metadata", metadata, methods=["GET"])
    app.add_url_rule("/api/v1.0/metadata", "metadata_v1", metadata, methods=["GET"])

    openapi = resources.files("seldon_s2i.transport").joinpath("openapi.json").read_bytes()

    @app.get("/seldon.json")
    def seldon_json() -> Response:
        return Response(openapi, mimetype=JSON)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        # Real 404/405/413 (Seldon answers these with 500).
        status = error.code or 500
        reason = _HTTP_REASONS.get(status, "MICROSERVICE_BAD_DATA" if status < 500 else "MICROSERVICE_INTERNAL_ERROR")
        answer = _json_response(error_body(f"{error.name}: {error.description}", reason), status)
        if status == 405 and error.get_response().headers.get("Allow"):
            answer.headers["Allow"] = error.get_response().headers["Allow"]
        return answer

    if v2 is not None:  # the Open Inference Protocol beside (or, without `seldon`, instead of) Seldon's paths
        v2_rest.register(app, v2, only=not seldon)
    if seldon and not isinstance(blueprint, Blueprint):
        # A user's blueprint may hook every request, so with one, every request goes through Flask.
        direct = {path: (served, read) for path, _name, served, _methods, read in seldon_paths}
        app.wsgi_app = DirectRoutes(app.wsgi_app, direct)  # type: ignore[method-assign]
    app.wsgi_app = AllowCrossOrigin(app.wsgi_app)  # type: ignore[method-assign]
    # Chunked bodies over the limit too (Flask's MAX_CONTENT_LENGTH only sees a declared length).
    app.wsgi_app = RequestLimits(app.wsgi_app, max_request_bytes)  # type: ignore[method-assign]
    return app


def _error_response(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        status = error.code or 500
        return _json_response(
            error_body(f"{error.name}: {error.description}", _HTTP_REASONS.get(status, "MICROSERVICE_BAD_DATA")), status
        )
    status, reason, message = describe(error)
    if status >= 500:
        log.error("request failed: %s", message, exc_info=error)
    else:
        log.info("bad request: %s", message)
    return _json_response(error_body(message, reason), status)
