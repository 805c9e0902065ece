"""Limits on what a REST request may carry, enforced before the application sees it.

A WSGI middleware: a body over the message limit is refused with 413 whether it
is framed by ``Content-Length`` or sent chunked, and nothing past the limit is
read; an over-long URL gets 414 and an over-long header 431. Every refusal is
Seldon's error JSON and closes the connection (its unread body cannot be reused).

The HTTP server (granian/hyper) has hard limits of its own above these
(a URI of 64 KiB, 100 header fields): requests past those are refused by it,
with the right status but an empty body.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

import orjson

from seldon_s2i.errors import error_body

# Below the HTTP server's own limits, so that the common over-long request gets Seldon's JSON.
MAX_URL_BYTES = 32 * 1024
MAX_HEADER_BYTES = 32 * 1024
_READ_PIECE = 64 * 1024
_CHECKED = "seldon_s2i.request_limits_checked"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_STATUS_LINES = {
    400: "400 Bad Request",
    413: "413 Request Entity Too Large",
    414: "414 URI Too Long",
    431: "431 Request Header Fields Too Large",
    504: "504 Gateway Timeout",
}


def refuse(start_response: Callable[..., Any], status: int, message: str) -> list[bytes]:
    """Answer ``status`` with Seldon's error JSON and close the connection (its request was not read whole)."""
    reason = "MICROSERVICE_PAYLOAD_TOO_LARGE" if status == 413 else "MICROSERVICE_BAD_DATA"
    return refuse_json(start_response, status, message, reason)


def refuse_json(
    start_response: Callable[..., Any], status: int, message: str, reason: str, close: bool = True
) -> list[bytes]:
    body = orjson.dumps(error_body(message, reason))
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    if close:
        headers.append(("Connection", "close"))
    start_response(_STATUS_LINES[status], headers)
    return [body]


class RequestLimits:
    """Refuses bodies over ``max_body_bytes`` (413), URLs over 32 KiB (414) and header fields over 32 KiB (431)."""

    def __init__(self, app: WSGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get(_CHECKED):  # an outer RequestLimits (the REST worker's, in front of its guard) passed it
            return self.app(environ, start_response)
        environ[_CHECKED] = True
        url_bytes = len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", ""))
        if url_bytes > MAX_URL_BYTES:
            return refuse(start_response, 414, f"URI Too Long: the URL has {url_bytes} bytes, at most {MAX_URL_BYTES}")
        for key, value in environ.items():
            if key.startswith("HTTP_") and len(value) > MAX_HEADER_BYTES:
                header = key[5:].replace("_", "-").title()
                return refuse(
                    start_response,
                    431,
                    f"Request Header Fields Too Large: {header} has {len(value)} bytes, at most {MAX_HEADER_BYTES}",
                )
        length = environ.get("CONTENT_LENGTH")
        if length:
            try:
                declared = int(length)
            except ValueError:
                return refuse(start_response, 400, f"Bad Request: Content-Length {length!r} is not a number")
            if declared > self.max_body_bytes:
                return refuse(start_response, 413, self._too_large(f"declares {declared} bytes"))
            return self.app(environ, start_response)
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            body = _read_at_most(environ["wsgi.input"], self.max_body_bytes)
            if body is None:
                return refuse(start_response, 413, self._too_large("is longer"))
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)

    def _too_large(self, what: str) -> str:
        return f"Payload Too Large: the body {what}; the limit is {self.max_body_bytes} bytes (--max-message-size)"


def read_exactly(stream: Any, length: int) -> bytes:
    """``length`` bytes of ``stream`` (fewer if it ends first), however it splits its reads."""
    pieces = []
    remaining = length
    while remaining > 0:
        piece = stream.read(remaining)
        if not piece:
            break
        pieces.append(piece)
        remaining -= len(piece)
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def _read_at_most(stream: Any, limit: int) -> bytes | None:
    """The whole body if it is at most ``limit`` bytes; None as soon as it is known to be longer."""
    pieces: list[bytes] = []
    total = 0
    while True:
        piece = stream.read(min(_READ_PIECE, limit + 1 - total))
        if not piece:
            return b"".join(pieces)
        total += len(piece)
        if total > limit:
            return None
        pieces.append(piece)
