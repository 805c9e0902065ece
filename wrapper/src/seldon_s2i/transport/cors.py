"""CORS on every answer, with the headers Seldon's wrapper sends (flask-cors with its defaults).

Any origin may call the model from a browser: an answer carries ``Access-Control-Allow-Origin: *``, or
the caller's origin (with ``Vary: Origin``) when the request names one; a preflight allows every method
and the headers it asks for. The preflight's status and ``Allow`` come from the app (Flask's automatic
OPTIONS answer), as in Seldon. A WSGI middleware, not a Flask extension, because it runs on every
prediction and only appends headers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

ALLOWED_METHODS = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"


def cors_headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """The CORS headers of the answer to the request described by ``environ``."""
    origin = environ.get("HTTP_ORIGIN")
    headers = [("Access-Control-Allow-Origin", origin)] if origin else [("Access-Control-Allow-Origin", "*")]
    if origin and environ.get("REQUEST_METHOD") == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ:
        requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")
        names = sorted(name.strip() for name in requested.split(",") if name.strip())
        if names:
            headers.append(("Access-Control-Allow-Headers", ", ".join(names)))
        headers.append(("Access-Control-Allow-Methods", ALLOWED_METHODS))
    if origin:
        headers.append(("Vary", "Origin"))
    return headers


class AllowCrossOrigin:
    """WSGI middleware adding :func:`cors_headers` to every answer of ``app``."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        extra = cors_headers(environ)

        def start_with_cors(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, headers + extra, exc_info)

        result: Iterable[bytes] = self.app(environ, start_with_cors)
        return result
