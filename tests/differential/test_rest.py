"""The same REST requests to Seldon Core 1.18.2 and to us: the same answers, but for the listed deliberate differences."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from deliberate import BY_ID, assert_same, reconcile
from servers import Pair
from wire import RestAnswer, post_text, rest

NDARRAY = {"data": {"ndarray": [[1, 2], [3, 4]]}}
# (test id, path, request) -- the request as keyword arguments of wire.rest, or {"text": body} for a raw JSON body.
PREDICT_PATHS = ["/predict", "/api/v1.0/predictions", "/api/v0.1/predictions", "/transform-input", "/transform-output"]
PAYLOADS: list[tuple[Any, ...]] = [
    ("ndarray-ints", {"json_body": NDARRAY}),
    ("ndarray-floats", {"json_body": {"data": {"ndarray": [[1.5, -2.25e-3]]}}}),
    ("ndarray-1d", {"json_body": {"data": {"ndarray": [1, 2, 3]}}}),
    ("ndarray-strings", {"json_body": {"data": {"ndarray": [["a", "b"]]}}}),
    ("ndarray-mixed", {"json_body": {"data": {"ndarray": [[1, "b", 2.5, True]]}}}),
    ("ndarray-empty", {"json_body": {"data": {"ndarray": []}}}),
    ("ndarray-nested-3d", {"json_body": {"data": {"ndarray": [[[1], [2]], [[3], [4]]]}}}),
    ("tensor", {"json_body": {"data": {"tensor": {"shape": [2, 2], "values": [1.0, 2.5, 3, 4]}}}}),
    ("tensor-1d-ints", {"json_body": {"data": {"tensor": {"shape": [3], "values": [1, 2, 3]}}}}),
    ("names", {"json_body": {"data": {"names": ["a", "b"], "ndarray": [[1, 2]]}}}),
    ("data-without-encoding", {"json_body": {"data": {}}}),
    ("data-names-only", {"json_body": {"data": {"names": ["a"]}}}),
    ("strData", {"json_body": {"strData": "hello"}}),
    ("strData-empty", {"json_body": {"strData": ""}}),
    ("binData", {"json_body": {"binData": "AAEC/w=="}}),
    ("jsonData-object", {"json_body": {"jsonData": {"a": [1, 2.5, "x", None, True]}}}),
    ("jsonData-list", {"json_body": {"jsonData": [1, 2]}}),
    ("jsonData-strings", {"json_body": {"jsonData": ["a", "b"]}}),
    ("jsonData-number", {"json_body": {"jsonData": 3}}, "return-types"),
    ("jsonData-null", {"json_body": {"jsonData": None}}, "return-types"),
    ("jsonData-string", {"json_body": {"jsonData": "text"}}),
    ("meta-puid-tags", {"json_body": {"meta": {"puid": "p-1", "tags": {"component": "request", "x": 1}}, **NDARRAY}}),
    (
        "meta-metrics-routing-path",
        {
            "json_body": {
                "meta": {"metrics": [{"key": "up", "value": 1}], "routing": {"r": 1}, "requestPath": {"a": "img:1"}},
                **NDARRAY,
            }
        },
    ),
    ("status-passed-in", {"json_body": {"status": {"code": 200, "status": "SUCCESS"}, **NDARRAY}}),
    ("nan-infinity-ndarray", {"text": '{"data":{"ndarray":[[NaN, Infinity, -Infinity, 1.5]]}}'}),
    ("nan-tensor", {"text": '{"data":{"tensor":{"shape":[3],"values":[NaN, 1.0, -Infinity]}}}'}),
    ("nan-jsonData", {"text": '{"jsonData":{"missing":NaN,"big":Infinity}}'}),
    ("beyond-int64", {"text": '{"data":{"ndarray":[[123456789012345678901234567890, 1], [-9223372036854775809, 2]]}}'}),
    ("beyond-int64-jsonData", {"text": '{"jsonData":{"id":123456789012345678901234567890}}'}),
    ("beyond-int64-jsonData-list", {"text": '{"jsonData":[[18446744073709551616, -1]]}'}),
    (
        "beyond-int64-tensor",
        {"text": '{"data":{"tensor":{"shape":[2],"values":[123456789012345678901234567890, 1]}}}'},
        "tensor-doubles",
    ),
    ("unicode", {"json_body": {"strData": "Grüße, 世界"}}),
    (
        "tftensor",
        {
            "json_body": {
                "data": {
                    "tftensor": {"dtype": "DT_DOUBLE", "tensorShape": {"dim": [{"size": "2"}]}, "doubleVal": [1, 2]}
                }
            }
        },
        "tftensor",
    ),
    ("extra-top-level-field", {"json_body": {"bogus": 1, **NDARRAY}}),
    ("get-json-query", {"method": "GET", "params": {"json": json.dumps(NDARRAY)}}),
    ("form-json-field", {"data": {"json": json.dumps(NDARRAY)}}),
    ("multipart-data-field", {"files": {"data": (None, json.dumps(NDARRAY["data"]))}}),
    ("multipart-strData", {"files": {"strData": (None, "from a form")}}),
    ("multipart-binData-file", {"files": {"binData": ("model.bin", b"\x00\x01\xfe")}}),
    ("multipart-meta-and-data", {"files": {"meta": (None, '{"puid": "f"}'), "data": (None, '{"ndarray": [1]}')}}),
]


def send(service: Any, path: str, request: dict[str, Any]) -> RestAnswer:
    if "text" in request:
        return post_text(service, path, request["text"])
    return rest(service, path, **request)


def both(pair: Pair, path: str, request: dict[str, Any]) -> tuple[RestAnswer, RestAnswer]:
    return send(pair.seldon, path, request), send(pair.ours, path, request)


def _cases(table: list[tuple[Any, ...]]) -> list[Any]:
    """pytest params (request, deliberate differences it meets) from rows (id, request, *differences)."""
    return [pytest.param(request, tuple(allowed), id=name) for name, request, *allowed in table]


@pytest.mark.parametrize("path", PREDICT_PATHS)
@pytest.mark.parametrize(("request_", "allowed"), _cases(PAYLOADS))
def test_predict_and_transform_paths(
    everything: Pair, path: str, request_: dict[str, Any], allowed: tuple[str, ...]
) -> None:
    if path.startswith("/api/") and request_.get("method") == "GET":
        allowed = ("http-errors",)  # the /api/ paths take POST only
    assert_same(*both(everything, path, request_), *allowed)


@pytest.mark.parametrize(
    "request_",
    [
        {"json_body": NDARRAY},
        {"json_body": {"jsonData": {"a": 1}}},
        {"json_body": {"strData": "x"}},
        {"json_body": {"meta": {"puid": "p", "tags": {"in": 1}}, "data": {"tensor": {"shape": [1], "values": [2]}}}},
        {"method": "GET", "params": {"json": json.dumps(NDARRAY)}},
    ],
    ids=["ndarray", "jsonData", "strData", "tensor-with-meta", "get"],
)
def test_route(everything: Pair, request_: dict[str, Any]) -> None:
    assert_same(*both(everything, "/route", request_))


@pytest.mark.parametrize(
    "request_",
    [
        {"json_body": [NDARRAY, {"data": {"ndarray": [[5, 6]]}}]},
        {"json_body": {"seldonMessages": [{"data": {"tensor": {"shape": [1], "values": [1]}}}, NDARRAY]}},
        {
            "json_body": [
                {"meta": {"puid": "a", "tags": {"x": 1, "y": 1}}, **NDARRAY},
                {"meta": {"tags": {"y": 2}}, "strData": "s"},
            ]
        },
        {"json_body": [{"jsonData": {"k": "v"}}]},
        {"method": "GET", "params": {"json": json.dumps([NDARRAY])}},
    ],
    ids=["list", "seldonMessages", "meta-merging", "jsonData", "get"],
)
def test_aggregate(everything: Pair, request_: dict[str, Any]) -> None:
    assert_same(*both(everything, "/aggregate", request_))


FEEDBACK: list[tuple[str, dict[str, Any]]] = [
    ("ndarray", {"request": {"data": {"ndarray": [[1, 2]]}}, "reward": 1}),
    ("ndarray-1d-names", {"request": {"data": {"names": ["a"], "ndarray": [1.5]}}, "reward": 0.5}),
    ("tensor", {"request": {"data": {"tensor": {"shape": [2], "values": [1, 2]}}}, "reward": 1}),
    (
        "truth-and-routing",
        {"request": NDARRAY, "response": {"meta": {"routing": {"everything": 1}}}, "truth": NDARRAY, "reward": 0},
    ),
    ("request-meta", {"request": {"meta": {"puid": "fb", "tags": {"t": 1}}, **NDARRAY}, "reward": 2}),
    ("jsonData-request", {"request": {"jsonData": {"a": 1}}, "reward": 1}),
    ("no-request", {"reward": 1}),
    ("empty", {}),
]


@pytest.mark.parametrize("path", ["/send-feedback", "/api/v1.0/feedback", "/api/v0.1/feedback"])
@pytest.mark.parametrize(("case", "feedback"), FEEDBACK, ids=[name for name, _ in FEEDBACK])
def test_feedback(everything: Pair, path: str, case: str, feedback: dict[str, Any]) -> None:
    assert_same(*both(everything, path, {"json_body": feedback}), "feedback-json")


@pytest.mark.parametrize(
    "request_",
    [
        {"json_body": {"reward": 1, "bogus": 2, "request": NDARRAY}},
        {"json_body": {"reward": 1, "request": {"data": {"ndarray": [1], "bogus": 1}}}},
        {"json_body": {"reward": "a lot"}},
        {"json_body": [1, 2]},
    ],
    ids=["unknown-field", "unknown-nested-field", "reward-not-a-number", "not-an-object"],
)
def test_feedback_refused(everything: Pair, request_: dict[str, Any]) -> None:
    assert_same(*both(everything, "/send-feedback", request_), "error-wording")


@pytest.mark.parametrize(
    "path", ["/health/status", "/api/v1.0/health/status", "/health/ping", "/metadata", "/api/v1.0/metadata"]
)
def test_health_and_metadata(everything: Pair, path: str) -> None:
    assert_same(*both(everything, path, {"method": "GET"}))


BAD_REQUESTS: list[tuple[Any, ...]] = [
    ("no-body", {}, "error-wording"),
    ("broken-json", {"text": '{"data":'}, "error-wording"),
    ("empty-object", {"json_body": {}}, "error-wording"),
    ("not-an-object", {"json_body": [1, 2]}, "error-wording"),
    ("data-not-an-object", {"json_body": {"data": [1]}}, "lenient-input"),
    (
        "tensor-shape-mismatch",
        {"json_body": {"data": {"tensor": {"shape": [3], "values": [1, 2]}}}},
        "bad-input-status",
    ),
    ("binData-not-base64", {"json_body": {"binData": "***"}}, "lenient-input"),
    ("get-without-json", {"method": "GET"}, "error-wording"),
    ("get-broken-json", {"method": "GET", "params": {"json": "{oops"}}, "bad-input-status"),
]


@pytest.mark.parametrize(("request_", "allowed"), _cases(BAD_REQUESTS))
def test_bad_requests(everything: Pair, request_: dict[str, Any], allowed: tuple[str, ...]) -> None:
    assert_same(*both(everything, "/predict", request_), *allowed)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/nope"),
        ("GET", "/api/v1.0/predictions"),
        ("POST", "/health/status"),
        ("PUT", "/predict"),
        ("GET", "/live"),
        ("GET", "/metrics"),  # served on the metrics port only
    ],
)
def test_unknown_path_and_wrong_method(everything: Pair, method: str, path: str) -> None:
    assert_same(
        *both(everything, path, {"method": method, "json_body": NDARRAY if method != "GET" else None}), "http-errors"
    )


def test_type_error_inside_predict_runs_it_once(everything: Pair) -> None:
    answers = []
    for service in everything:
        rest(service, "/predict", json_body={"jsonData": {"count": "type_error_calls"}})  # resets the count
        failed = rest(service, "/predict", json_body={"jsonData": {"raise": "TypeError"}})
        assert failed.status == 500 and "raised inside predict" in failed.body["status"]["info"]
        answers.append(rest(service, "/predict", json_body={"jsonData": {"count": "type_error_calls"}}))
    assert_same(*answers, "typeerror-retry")


def test_route_returning_a_numpy_integer(everything: Pair) -> None:
    seldon, ours = both(everything, "/route", {"json_body": {"jsonData": {"numpy": True}}})
    assert_same(seldon, ours, "route-numpy")
    assert ours.body["data"]["tensor"]["values"] == [1]


def test_http_server(everything: Pair) -> None:
    seldon, ours = (requests.get(f"{service.url}/health/ping", timeout=10).headers["Server"] for service in everything)
    assert BY_ID["http-server"].reconcile is not None
    reconcile(seldon, ours, "http-server")


@pytest.mark.parametrize("path", ["/health/ping", "/health/status", "/metadata", "/predict"])
def test_head(everything: Pair, path: str) -> None:
    assert_same(*both(everything, path, {"method": "HEAD"}))


def test_openapi_description(everything: Pair) -> None:
    assert_same(*both(everything, "/seldon.json", {"method": "GET"}), "openapi")
