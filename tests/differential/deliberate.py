"""Every deliberate difference from Seldon Core 1.18.2, in one place.

Each entry is a row of the README's table "Where we differ from Seldon Core 1.18 on purpose" (a test
checks the two agree) and names the test that shows it. Where a differential comparison meets the
difference, the entry's ``reconcile`` first checks that the two answers differ exactly as described and
then makes them equal, so the comparison goes on over the rest of the answer; a comparison applies only
the entries its test names, so any other difference fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import deliberate_checks as checks
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


DIFFERENCES: tuple[Difference, ...] = (
    Difference(
        "start-check",
        "a class with none of Seldon's methods (a misspelt `predict`) starts and answers `[]`",
        "refused at start (and at build time) with a message naming the methods; a class lacking only its "
        "service type's method starts with a warning naming it",
        "a typo should not ship a model that answers empty predictions; the graph, not the image, decides "
        "which methods are called",
        "tests/differential/test_start.py::test_class_without_any_seldon_method_is_refused_at_start",
        checks.start_check,
    ),
    Difference(
        "requirements-pin",
        "`seldon-core` in requirements.txt installs old Flask/protobuf pins",
        "left out: the builder provides the `seldon_core` imports; the runtime's requirements constrain pip",
        "its pins would downgrade the server's own packages",
        "tests/builder/test_requirements_rules.py::test_seldon_core_requirement_is_provided_not_installed",
    ),
    Difference(
        "http-server",
        "gunicorn sync workers",
        "granian (Rust HTTP); JSON POSTs to the prediction and feedback paths skip Flask's request machinery, "
        "every other request goes through the same Flask app; same worker/thread knobs",
        "several times the throughput (see Benchmarks)",
        "tests/differential/test_rest.py::test_http_server",
        checks.http_server,
    ),
    Difference(
        "http-errors",
        "unknown path / wrong method answer 500 (and `Allow` of a POST-only path lists GET)",
        "real 404 / 405 (with `Allow`), Seldon error JSON",
        "clients and probes tell a wrong URL from a failing model",
        "tests/differential/test_rest.py::test_unknown_path_and_wrong_method",
        checks.http_errors,
    ),
    Difference(
        "openapi",
        "`/seldon.json` is an OpenAPI 3.0.0 file describing six of the paths",
        "an OpenAPI 3.0.3 file describing every path the server answers",
        "a client generated from it can call all of them",
        "tests/differential/test_rest.py::test_openapi_description",
        checks.openapi,
    ),
    Difference(
        "json-content-type",
        "a JSON body without a JSON `Content-Type` (e.g. `curl -d` without `-H`) is refused: 400 `Can't find JSON in data`",
        "read as JSON",
        "the body can only mean JSON; refusing it only trips up first requests",
        "tests/differential/test_cors.py::test_cors_headers",
        checks.json_without_content_type,
    ),
    Difference(
        "size-limit",
        "no REST body limit; gRPC 4 MiB",
        "one limit for both (100 MiB default): REST 413, gRPC `RESOURCE_EXHAUSTED`",
        "tensors above 4 MiB are common; an unbounded REST body can exhaust memory",
        "tests/differential/test_grpc.py::test_message_above_4_mib",
        checks.size_limit,
    ),
    Difference(
        "lenient-input",
        "a `data` that is not an object, or `binData` that is not base64, is read as empty input (200)",
        "400 naming the field",
        "a malformed request is a client bug to report, not an empty prediction",
        "tests/differential/test_rest.py::test_bad_requests",
        checks.lenient_input,
    ),
    Difference(
        "bad-input-status",
        "input numpy cannot reshape (a tensor's shape and values disagree) or a broken `?json=` answers 500 "
        "`MICROSERVICE_INTERNAL_ERROR`",
        "400 `MICROSERVICE_BAD_DATA`",
        "bad input is the client's error; a 500 blames (and pages) the model's owner",
        "tests/differential/test_rest.py::test_bad_requests",
        checks.bad_input_status,
    ),
    Difference(
        "error-wording",
        "error `info` is the Python exception's text (any unparsable body: `Can't find JSON in data`)",
        "the same status, code and reason; `info` says what was expected and where the JSON broke",
        "a user can fix the request from the message",
        "tests/differential/test_rest.py::test_bad_requests",
        checks.error_wording,
    ),
    Difference(
        "grpc-errors",
        "gRPC errors are `UNKNOWN` with an empty message",
        "`INVALID_ARGUMENT` / `INTERNAL` / ... from the HTTP status, the message as details, `seldon-reason` trailer",
        "a gRPC client can tell bad input from a failing model and read why",
        "tests/differential/test_grpc.py::test_errors",
        checks.grpc_errors,
    ),
    Difference(
        "grpc-health",
        "no gRPC health service",
        "`grpc.health.v1.Health` answers `SERVING`",
        "Kubernetes gRPC probes and load balancers use it",
        "tests/differential/test_grpc.py::test_grpc_health_service",
        checks.grpc_health,
    ),
    Difference(
        "typeerror-retry",
        "a `TypeError` inside `predict` calls it a second time without `meta`",
        "the signature is read once; user code runs once",
        "a model with side effects must not run twice for one request",
        "tests/differential/test_rest.py::test_type_error_inside_predict_runs_it_once",
        checks.type_error_retry,
    ),
    Difference(
        "route-numpy",
        "`route()` must return a Python `int`",
        "numpy integers are accepted too",
        "routers compute the branch with numpy (`argmax`)",
        "tests/differential/test_rest.py::test_route_returning_a_numpy_integer",
        checks.route_numpy,
    ),
    Difference(
        "return-types",
        "a method returning a tuple, a numpy scalar or, to a `jsonData` request, a number, boolean or `null` gets "
        "400 `Unknown data type returned as payload` (gRPC `UNKNOWN`)",
        "a tuple or numpy scalar is answered as an array; a JSON value answering `jsonData` as `jsonData`",
        "values with an obvious encoding are sent, not refused; JSON in, JSON out",
        "tests/differential/test_behaviours.py::test_rest",
        checks.return_types,
    ),
    Difference(
        "tensor-doubles",
        "a `tensor` holding an integer beyond 64 bits is answered as an `ndarray` with that integer",
        "tensor values are doubles, as in the protobuf `Tensor`: the answer stays a `tensor`",
        "a tensor is doubles by definition, and large tensors stay on the fast parser (`ndarray` and `jsonData` "
        "integers come back exactly)",
        "tests/differential/test_rest.py::test_predict_and_transform_paths",
        checks.tensor_doubles,
    ),
    Difference(
        "tftensor",
        "`tftensor` needs TensorFlow in the image (without it: a `NameError`, REST 500 / gRPC `UNKNOWN`)",
        "read and written without TensorFlow",
        "a model served from numpy should not need a 500 MB framework to read its input",
        "tests/differential/test_grpc.py::test_message_rpcs",
        checks.tftensor,
    ),
    Difference(
        "feedback-json",
        "REST feedback answers go through protobuf (integers become floats, a COUNTER metric loses its `type`)",
        "plain JSON, as the other REST answers (same shape otherwise)",
        "one encoding for every REST answer; integers stay exact",
        "tests/differential/test_rest.py::test_feedback",
        checks.feedback_json,
    ),
    Difference(
        "request-metrics",
        "no request metrics in the wrapper",
        "`seldon_api_microservice_requests_seconds{method,transport,code}` as well as Seldon's custom metrics",
        "latency and errors per method without the orchestrator",
        "tests/differential/test_metrics.py::test_metrics_exposition",
        checks.request_metrics,
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
