"""Seldon's prediction paths answered without Flask's request machinery.

A JSON ``POST`` to a prediction or feedback path is almost every request a model serves, and Flask's
request context, routing, hooks and response object cost about half of the time the wrapper spends on a
small one. :class:`DirectRoutes` sends such a request straight to the endpoint's handler function, the same
function the Flask view calls, and writes the answer itself with the headers Flask would give it. Anything
else (a query string, a form, another method or path, a user's Flask error handlers) goes to Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Response
from werkzeug.datastructures import EnvironHeaders

from seldon_s2i.transport.request_limits import WSGIApp, read_exactly

# What an endpoint returns: a JSON body answered 200, or a finished response; and headers to add to it.
Answer = tuple["bytes | Response", Mapping[str, str]]
# An endpoint: reads its payload with the first argument, given the request's headers.
Endpoint = Callable[[Callable[[], Any], Mapping[str, str]], Answer]
PayloadReader = Callable[[bytes], Any]

_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


def body_of(environ: dict[str, Any]) -> bytes:
    """The request's body (an empty one without a declared length: RequestLimits gives chunked ones one)."""
    length = environ.get("CONTENT_LENGTH")
    stream = environ.get("wsgi.input")
    if not length or stream is None:
        return b""
    return read_exactly(stream, int(length))


class DirectRoutes:
    """WSGI middleware in front of the Flask app: the paths in ``routes`` answered directly for JSON POSTs.

    ``read`` turns the body into the endpoint's payload (the same reader the Flask view uses for a body).
    """

    def __init__(self, app: WSGIApp, routes: Mapping[str, tuple[Endpoint, PayloadReader]]) -> None:
        self.app = app
        self.routes = dict(routes)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        route = self.routes.get(environ.get("PATH_INFO", ""))
        if (
            route is None
            or environ.get("REQUEST_METHOD") != "POST"
            or environ.get("QUERY_STRING")
            or environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() in _FORMS
        ):
            return self.app(environ, start_response)
        endpoint, read = route
        result, extra = endpoint(lambda: read(body_of(environ)), EnvironHeaders(environ))  # type: ignore[arg-type]
        if isinstance(result, Response):
            if extra:
                result.headers.update(extra)
            return result(environ, start_response)
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(result)))]
        if extra:
            headers.extend(extra.items())
        start_response("200 OK", headers)
        return [result]
