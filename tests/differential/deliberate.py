"""Every deliberate difference from Seldon Core 1.18.2, in one place.

Each entry is a row of the README's table "Where we differ from Seldon Core 1.18 on purpose" (a test
checks the two agree) and names the test that shows it. Where a differential comparison meets the
difference, the entry's ``reconcile`` first checks that the two answers differ exactly as described and
then makes them equal, so the comparison goes on over the rest of the answer; a comparison applies only
the entries its test names, so any other difference fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from wire import GrpcAnswer, RestAnswer

Answer = Any  # RestAnswer, GrpcAnswer, or a metrics snapshot (dict of samples)
Reconcile = Callable[[Answer, Answer], tuple[Answer, Answer]]


@dataclass(frozen=True)
class Difference:
    id: str
    seldon: str  # what Seldon Core 1.18.2 does
    ours: str  # what seldon-s2i does
    why: str
    backed_by: str  # the test that shows it: path::function
    reconcile: Reconcile | None = None


def _is_error_body(body: Any) -> bool:
    return isinstance(body, dict) and set(body) == {"status"} and isinstance(body["status"], dict)


def _http_errors(seldon: RestAnswer, ours: RestAnswer) -> tuple[RestAnswer, RestAnswer]:
    # Seldon's own routing is odd too: POST to an unknown path says 405 and GET to a POST-only path says 404,
    # while OPTIONS on a POST-only path lists GET in Allow.
    if seldon.status == ours.status == 200:
        seldon_allows, our_allows = (set(answer.headers["allow"].split(", ")) for answer in (seldon, ours))
        assert our_allows == {"OPTIONS", "POST"} and seldon_allows == our_allows | {"GET", "HEAD"}, (seldon, ours)
        return replace(seldon, headers={**seldon.headers, "allow": ours.headers["allow"]}), ours
    assert seldon.status == 500 and seldon.body["status"]["info"].startswith(("404 ", "405 ")), seldon
    assert seldon.body["status"]["reason"] == "MICROSERVICE_INTERNAL_ERROR", seldon
    reasons = {404: "MICROSERVICE_NOT_FOUND", 405: "MICROSERVICE_METHOD_NOT_ALLOWED"}
    assert ours.status in reasons and ours.body["status"]["reason"] == reasons[ours.status], ours
    assert ours.status != 405 or ours.headers.get("allow"), "405 names the allowed methods"
    return ours, ours


def _bad_input_status(seldon: RestAnswer, ours: RestAnswer) -> tuple[RestAnswer, RestAnswer]:
    assert seldon.status == 500 and seldon.body["status"]["reason"] == "MICROSERVICE_INTERNAL_ERROR", seldon
    assert ours.status == 400 and ours.body["status"]["reason"] == "MICROSERVICE_BAD_DATA", ours
    return ours, ours


def _json_without_content_type(seldon: RestAnswer, ours: RestAnswer) -> tuple[RestAnswer, RestAnswer]:
    assert seldon.status == 400 and seldon.body["status"]["info"] == "Can't find JSON in data", seldon
    assert ours.status == 200, ours
    return ours, ours


def _lenient_input(seldon: RestAnswer, ours: RestAnswer) -> tuple[RestAnswer, RestAnswer]:
    assert seldon.status == 200, seldon
    assert ours.status == 400 and _is_error_body(ours.body), ours
    return ours, ours


def _grpc_errors(seldon: GrpcAnswer, ours: GrpcAnswer) -> tuple[GrpcAnswer, GrpcAnswer]:
    assert seldon.code == "UNKNOWN" and seldon.details.startswith("Exception calling application:"), seldon
    assert ours.code not in ("OK", "UNKNOWN") and ours.details, ours
    return ours, ours


def _error_wording(seldon: RestAnswer, ours: RestAnswer) -> tuple[RestAnswer, RestAnswer]:
    assert _is_error_body(seldon.body) and _is_error_body(ours.body), (seldon, ours)
    assert seldon.body["status"]["info"] != ours.body["status"]["info"], "the same words: drop this exception"
    worded = {"status": {**ours.body["status"], "info": seldon.body["status"]["info"]}}
    return seldon, ours.with_body(worded)


def _as_proto_json(value: Any) -> Any:
    """``value`` as it reads after a trip through protobuf JSON: numbers are doubles."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list):
        return [_as_proto_json(item) for item in value]
    return {key: _as_proto_json(item) for key, item in value.items()}


def _feedback_json(seldon: RestAnswer, ours: RestAnswer) -> tuple[RestAnswer, RestAnswer]:
    assert seldon.canonical() != ours.canonical(), "the same answer: drop this exception"
    body = _as_proto_json(ours.body)
    for metric in body.get("meta", {}).get("metrics", []):
        if metric.get("type") == "COUNTER":  # protobuf JSON leaves out an enum's default value
            del metric["type"]
    # Shapes are int32 in protobuf too: they stay integers.
    tensor = body.get("data", {}).get("tensor")
    if tensor is not None:
        tensor["shape"] = [int(size) for size in tensor["shape"]]
        if not tensor.get("values"):
            tensor.pop("values", None)
    return seldon, ours.with_body(body)


def _request_metrics(seldon: dict[str, Any], ours: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    ours_only = {
        key: value for key, value in ours.items() if key[0].startswith("seldon_api_microservice_requests_seconds")
    }
    assert ours_only, "our request histogram is missing"
    assert not any(key[0].startswith("seldon_api_microservice_requests_seconds") for key in seldon)
    return seldon, {key: value for key, value in ours.items() if key not in ours_only}


def _size_limit(seldon: GrpcAnswer, ours: GrpcAnswer) -> tuple[GrpcAnswer, GrpcAnswer]:
    assert seldon.code == "RESOURCE_EXHAUSTED", seldon
    assert ours.code == "OK", ours
    return ours, ours


def _route_numpy(seldon: RestAnswer, ours: RestAnswer) -> tuple[RestAnswer, RestAnswer]:
    assert seldon.status == 400 and "Routing response must be int" in seldon.body["status"]["info"], seldon
    assert ours.status == 200, ours
    return ours, ours


def _type_error_retry(seldon: RestAnswer, ours: RestAnswer) -> tuple[RestAnswer, RestAnswer]:
    # The answers count how often predict ran for one request that raised TypeError.
    assert seldon.body["jsonData"]["type_error_calls"] == 2, seldon
    assert ours.body["jsonData"]["type_error_calls"] == 1, ours
    return ours, ours


def _return_types(seldon: Any, ours: Any) -> tuple[Any, Any]:
    if isinstance(seldon, GrpcAnswer):
        assert seldon.code == "UNKNOWN", seldon  # Seldon fails while wording its own error over gRPC
        assert ours.code == "OK", ours
    else:
        assert seldon.status == 400 and "Unknown data type returned as payload" in seldon.body["status"]["info"], seldon
        assert ours.status == 200, ours
    return ours, ours


_TF_MISSING = re.compile(r"name '(tf|TensorProto)' is not defined")


def _tftensor(seldon: Any, ours: Any) -> tuple[Any, Any]:
    if isinstance(seldon, GrpcAnswer):
        assert seldon.code == "UNKNOWN" and _TF_MISSING.search(seldon.details), seldon
        assert ours.code == "OK" and "tftensor" in ours.message["data"], ours
    else:
        assert seldon.status == 500 and _TF_MISSING.search(seldon.body["status"]["info"]), seldon
        assert ours.status == 200 and "tftensor" in ours.body["data"], ours
    return ours, ours


def _tensor_doubles(seldon: RestAnswer, ours: RestAnswer) -> tuple[RestAnswer, RestAnswer]:
    assert any(isinstance(v, int) and abs(v) >= 2**63 for v in seldon.body["data"]["ndarray"]), seldon
    assert "tensor" in ours.body["data"] and all(isinstance(v, float) for v in ours.body["data"]["tensor"]["values"]), (
        ours
    )
    return ours, ours


def _openapi(seldon: RestAnswer, ours: RestAnswer) -> tuple[RestAnswer, RestAnswer]:
    assert seldon.status == ours.status == 200, (seldon, ours)
    seldon_paths, our_paths = set(seldon.body["paths"]), set(ours.body["paths"])
    assert seldon_paths < our_paths and "/api/v1.0/predictions" in our_paths - seldon_paths, (seldon_paths, our_paths)
    return ours, ours


def _grpc_health(seldon: GrpcAnswer, ours: GrpcAnswer) -> tuple[GrpcAnswer, GrpcAnswer]:
    assert seldon.code == "UNIMPLEMENTED", seldon
    assert ours.code == "OK" and ours.message == {"status": "SERVING"}, ours
    return ours, ours


def _start_check(seldon: Any, ours: Any) -> tuple[Any, Any]:
    # seldon: the answer to /predict of the served class; ours: (exit status, stderr) of a start that failed.
    assert isinstance(seldon, RestAnswer) and seldon.status == 200 and seldon.body["data"]["ndarray"] == [], seldon
    status, stderr = ours
    assert status == 2 and "has none of Seldon's methods" in stderr, stderr
    return None, None


def _http_server(seldon: str, ours: str) -> tuple[str, str]:
    assert seldon.startswith("gunicorn") and ours.startswith("granian"), (seldon, ours)
    return ours, ours


DIFFERENCES: tuple[Difference, ...] = (
    Difference(
        "start-check",
        "a class with none of Seldon's methods (a misspelt `predict`) starts and answers `[]`",
        "refused at start (and at build time) with a message naming the methods; a class lacking only its "
        "service type's method starts with a warning naming it",
        "a typo should not ship a model that answers empty predictions; the graph, not the image, decides "
        "which methods are called",
        "tests/differential/test_start.py::test_class_without_any_seldon_method_is_refused_at_start",
        _start_check,
    ),
    Difference(
        "requirements-pin",
        "`seldon-core` in requirements.txt installs old Flask/protobuf pins",
        "left out: the builder provides the `seldon_core` imports; the runtime's requirements constrain pip",
        "its pins would downgrade the server's own packages",
        "tests/builder/test_requirements_rules.py::test_seldon_core_requirement_is_provided_not_installed",
    ),
    Difference(
        "http-errors",
        "unknown path / wrong method answer 500 (and `Allow` of a POST-only path lists GET)",
        "real 404 / 405 (with `Allow`), Seldon error JSON",
        "clients and probes tell a wrong URL from a failing model",
        "tests/differential/test_rest.py::test_unknown_path_and_wrong_method",
        _http_errors,
    ),
    Difference(
        "size-limit",
        "no REST body limit; gRPC 4 MiB",
        "one limit for both (100 MiB default): REST 413, gRPC `RESOURCE_EXHAUSTED`",
        "tensors above 4 MiB are common; an unbounded REST body can exhaust memory",
        "tests/differential/test_grpc.py::test_message_above_4_mib",
        _size_limit,
    ),
    Difference(
        "grpc-errors",
        "gRPC errors are `UNKNOWN` with an empty message",
        "`INVALID_ARGUMENT` / `INTERNAL` / ... from the HTTP status, the message as details, `seldon-reason` trailer",
        "a gRPC client can tell bad input from a failing model and read why",
        "tests/differential/test_grpc.py::test_errors",
        _grpc_errors,
    ),
    Difference(
        "error-wording",
        "error `info` is the Python exception's text (any unparsable body: `Can't find JSON in data`)",
        "the same status, code and reason; `info` says what was expected and where the JSON broke",
        "a user can fix the request from the message",
        "tests/differential/test_rest.py::test_bad_requests",
        _error_wording,
    ),
    Difference(
        "bad-input-status",
        "input numpy cannot reshape (a tensor's shape and values disagree) or a broken `?json=` answers 500 "
        "`MICROSERVICE_INTERNAL_ERROR`",
        "400 `MICROSERVICE_BAD_DATA`",
        "bad input is the client's error; a 500 blames (and pages) the model's owner",
        "tests/differential/test_rest.py::test_bad_requests",
        _bad_input_status,
    ),
    Difference(
        "lenient-input",
        "a `data` that is not an object, or `binData` that is not base64, is read as empty input (200)",
        "400 naming the field",
        "a malformed request is a client bug to report, not an empty prediction",
        "tests/differential/test_rest.py::test_bad_requests",
        _lenient_input,
    ),
    Difference(
        "json-content-type",
        "a JSON body without a JSON `Content-Type` (e.g. `curl -d` without `-H`) is refused: 400 `Can't find JSON in data`",
        "read as JSON",
        "the body can only mean JSON; refusing it only trips up first requests",
        "tests/differential/test_cors.py::test_cors_headers",
        _json_without_content_type,
    ),
    Difference(
        "typeerror-retry",
        "a `TypeError` inside `predict` calls it a second time without `meta`",
        "the signature is read once; user code runs once",
        "a model with side effects must not run twice for one request",
        "tests/differential/test_rest.py::test_type_error_inside_predict_runs_it_once",
        _type_error_retry,
    ),
    Difference(
        "route-numpy",
        "`route()` must return a Python `int`",
        "numpy integers are accepted too",
        "routers compute the branch with numpy (`argmax`)",
        "tests/differential/test_rest.py::test_route_returning_a_numpy_integer",
        _route_numpy,
    ),
    Difference(
        "feedback-json",
        "REST feedback answers go through protobuf (integers become floats, a COUNTER metric loses its `type`)",
        "plain JSON, as the other REST answers (same shape otherwise)",
        "one encoding for every REST answer; integers stay exact",
        "tests/differential/test_rest.py::test_feedback",
        _feedback_json,
    ),
    Difference(
        "http-server",
        "gunicorn sync workers",
        "granian (Rust HTTP) running the same Flask app; same worker/thread knobs",
        "several times the throughput (see Benchmarks)",
        "tests/differential/test_rest.py::test_http_server",
        _http_server,
    ),
    Difference(
        "request-metrics",
        "no request metrics in the wrapper",
        "`seldon_api_microservice_requests_seconds{method,transport,code}` as well as Seldon's custom metrics",
        "latency and errors per method without the orchestrator",
        "tests/differential/test_metrics.py::test_metrics_exposition",
        _request_metrics,
    ),
    Difference(
        "return-types",
        "a method returning a tuple, a numpy scalar or, to a `jsonData` request, a number, boolean or `null` gets "
        "400 `Unknown data type returned as payload` (gRPC `UNKNOWN`)",
        "a tuple or numpy scalar is answered as an array; a JSON value answering `jsonData` as `jsonData`",
        "values with an obvious encoding are sent, not refused; JSON in, JSON out",
        "tests/differential/test_behaviours.py::test_rest",
        _return_types,
    ),
    Difference(
        "tftensor",
        "`tftensor` needs TensorFlow in the image (without it: a `NameError`, REST 500 / gRPC `UNKNOWN`)",
        "read and written without TensorFlow",
        "a model served from numpy should not need a 500 MB framework to read its input",
        "tests/differential/test_grpc.py::test_message_rpcs",
        _tftensor,
    ),
    Difference(
        "tensor-doubles",
        "a `tensor` holding an integer beyond 64 bits is answered as an `ndarray` with that integer",
        "tensor values are doubles, as in the protobuf `Tensor`: the answer stays a `tensor`",
        "a tensor is doubles by definition, and large tensors stay on the fast parser (`ndarray` and `jsonData` "
        "integers come back exactly)",
        "tests/differential/test_rest.py::test_predict_and_transform_paths",
        _tensor_doubles,
    ),
    Difference(
        "openapi",
        "`/seldon.json` is an OpenAPI 3.0.0 file describing six of the paths",
        "an OpenAPI 3.0.3 file describing every path the server answers",
        "a client generated from it can call all of them",
        "tests/differential/test_rest.py::test_openapi_description",
        _openapi,
    ),
    Difference(
        "grpc-health",
        "no gRPC health service",
        "`grpc.health.v1.Health` answers `SERVING`",
        "Kubernetes gRPC probes and load balancers use it",
        "tests/differential/test_grpc.py::test_grpc_health_service",
        _grpc_health,
    ),
)

BY_ID = {difference.id: difference for difference in DIFFERENCES}


def reconcile(seldon: Answer, ours: Answer, *allowed: str) -> tuple[Answer, Answer]:
    """Apply the named deliberate differences (each checks it is really there) to a pair of answers."""
    for name in allowed:
        rule = BY_ID[name].reconcile
        assert rule is not None, f"{name} has no reconcile rule"
        seldon, ours = rule(seldon, ours)
    return seldon, ours


def assert_same(seldon: RestAnswer | GrpcAnswer, ours: RestAnswer | GrpcAnswer, *allowed: str) -> None:
    """Seldon's and our answers are equal but for the named deliberate differences."""
    seldon, ours = reconcile(seldon, ours, *allowed)
    assert ours.canonical() == seldon.canonical()
