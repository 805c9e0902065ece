"""CORS as Seldon's wrapper answers it (flask-cors defaults): any origin, every method, the requested headers."""

from __future__ import annotations

from typing import Any

import pytest
from deliberate import assert_same
from servers import Pair
from wire import rest

ORIGIN = {"Origin": "https://dashboard.example"}
PREFLIGHT = {**ORIGIN, "Access-Control-Request-Method": "POST"}


@pytest.mark.parametrize(
    ("method", "path", "headers", "allowed"),
    [
        ("POST", "/predict", {}, ()),
        ("POST", "/predict", ORIGIN, ()),
        ("POST", "/api/v1.0/predictions", ORIGIN, ()),
        ("GET", "/health/ping", ORIGIN, ()),
        ("GET", "/metadata", {}, ()),
        ("POST", "/predict", {**ORIGIN, "Content-Type": "text/plain"}, ("json-content-type",)),
        ("OPTIONS", "/predict", PREFLIGHT, ()),
        ("OPTIONS", "/api/v1.0/predictions", PREFLIGHT, ("http-errors",)),
        ("OPTIONS", "/send-feedback", {**ORIGIN, "Access-Control-Request-Method": "DELETE"}, ()),
        ("OPTIONS", "/predict", {**PREFLIGHT, "Access-Control-Request-Headers": "X-Request-Id, content-type"}, ()),
        ("OPTIONS", "/predict", {}, ()),
        ("GET", "/nope", ORIGIN, ("http-errors",)),
    ],
    ids=[
        "no-origin",
        "origin",
        "api-path",
        "ping",
        "metadata",
        "error-answer",
        "preflight",
        "preflight-api-path",
        "preflight-any-method",
        "preflight-headers",
        "options-without-origin",
        "unknown-path",
    ],
)
def test_cors_headers(
    everything: Pair, method: str, path: str, headers: dict[str, str], allowed: tuple[str, ...]
) -> None:
    request: dict[str, Any] = {"method": method, "headers": headers}
    if method == "POST":
        request["data"] = b'{"data": {"ndarray": [1]}}'
        request["headers"] = {"Content-Type": "application/json", **headers}
    seldon, ours = (rest(service, path, **request) for service in everything)
    assert_same(seldon, ours, *allowed)
    assert "access-control-allow-origin" in ours.headers
