"""How each deliberate difference shows in a pair of answers: check it is there, then set it aside.

Each function takes Seldon's answer and ours, asserts they differ exactly as the difference's row in
``deliberate.DIFFERENCES`` says, and returns the pair made equal on that point.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from wire import GrpcAnswer, RestAnswer


def is_error_body(body: Any) -> bool:
    return isinstance(body, dict) and set(body) == {"status"} and isinstance(body["status"], dict)


def http_errors(seldon: RestAnswer, ours: RestAnswer) -> tuple[RestAnswer, RestAnswer]:
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


def bad_input_status(seldon: RestAnswer, ours: RestAnswer) -> tuple[RestAnswer, RestAnswer]:
    assert seldon.status == 500 and seldon.body["status"]["reason"] == "MICROSERVICE_INTERNAL_ERROR", seldon
    assert ours.status == 400 and ours.body["status"]["reason"] == "MICROSERVICE_BAD_DATA", ours
    return ours, ours


def json_without_content_type(seldon: RestAnswer, ours: RestAnswer) -> tuple[RestAnswer, RestAnswer]:
    assert seldon.status == 400 and seldon.body["status"]["info"] == "Can't find JSON in data", seldon
    assert ours.status == 200, ours
    return ours, ours


def lenient_input(seldon: RestAnswer, ours: RestAnswer) -> tuple[RestAnswer, RestAnswer]:
    assert seldon.status == 200, seldon
    assert ours.status == 400 and is_error_body(ours.body), ours
    return ours, ours


def grpc_errors(seldon: GrpcAnswer, ours: GrpcAnswer) -> tuple[GrpcAnswer, GrpcAnswer]:
    assert seldon.code == "UNKNOWN" and seldon.details.startswith("Exception calling application:"), seldon
    assert ours.code not in ("OK", "UNKNOWN") and ours.details, ours
    return ours, ours


def error_wording(seldon: RestAnswer, ours: RestAnswer) -> tuple[RestAnswer, RestAnswer]:
    assert is_error_body(seldon.body) and is_error_body(ours.body), (seldon, ours)
    assert seldon.body["status"]["info"] != ours.body["status"]["info"], "the same words: drop this exception"
    worded = {"status": {**ours.body["status"], "info": seldon.body["status"]["info"]}}
    return seldon, ours.with_body(worded)


def as_proto_json(value: Any) -> Any:
    """``value`` as it reads after a trip through protobuf JSON: numbers are doubles."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list):
        return [as_proto_json(item) for item in value]
    return {key: as_proto_json(item) for key, item in value.items()}


def feedback_json(seldon: RestAnswer, ours: RestAnswer) -> tuple[RestAnswer, RestAnswer]:
    assert seldon.canonical() != ours.canonical(), "the same answer: drop this exception"
    body = as_proto_json(ours.body)
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


def request_metrics(seldon: dict[str, Any], ours: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    ours_only = {
        key: value for key, value in ours.items() if key[0].startswith("seldon_api_microservice_requests_seconds")
    }
    assert ours_only, "our request histogram is missing"
    assert not any(key[0].startswith("seldon_api_microservice_requests_seconds") for key in seldon)
    return seldon, {key: value for key, value in ours.items() if key not in ours_only}


def size_limit(seldon: GrpcAnswer, ours: GrpcAnswer) -> tuple[GrpcAnswer, GrpcAnswer]:
    assert seldon.code == "RESOURCE_EXHAUSTED", seldon
    assert ours.code == "OK", ours
    return ours, ours


def route_numpy(seldon: RestAnswer, ours: RestAnswer) -> tuple[RestAnswer, RestAnswer]:
    assert seldon.status == 400 and "Routing response must be int" in seldon.body["status"]["info"], seldon
    assert ours.status == 200, ours
    return ours, ours


def type_error_retry(seldon: RestAnswer, ours: RestAnswer) -> tuple[RestAnswer, RestAnswer]:
    # The answers count how often predict ran for one request that raised TypeError.
    assert seldon.body["jsonData"]["type_error_calls"] == 2, seldon
    assert ours.body["jsonData"]["type_error_calls"] == 1, ours
    return ours, ours


def return_types(seldon: Any, ours: Any) -> tuple[Any, Any]:
    if isinstance(seldon, GrpcAnswer):
        assert seldon.code == "UNKNOWN", seldon  # Seldon fails while wording its own error over gRPC
        assert ours.code == "OK", ours
    else:
        assert seldon.status == 400 and "Unknown data type returned as payload" in seldon.body["status"]["info"], seldon
        assert ours.status == 200, ours
    return ours, ours


_TF_MISSING = re.compile(r"name '(tf|TensorProto)' is not defined")


def tftensor(seldon: Any, ours: Any) -> tuple[Any, Any]:
    if isinstance(seldon, GrpcAnswer):
        assert seldon.code == "UNKNOWN" and _TF_MISSING.search(seldon.details), seldon
        assert ours.code == "OK" and "tftensor" in ours.message["data"], ours
    else:
        assert seldon.status == 500 and _TF_MISSING.search(seldon.body["status"]["info"]), seldon
        assert ours.status == 200 and "tftensor" in ours.body["data"], ours
    return ours, ours


def tensor_doubles(seldon: RestAnswer, ours: RestAnswer) -> tuple[RestAnswer, RestAnswer]:
    assert any(isinstance(v, int) and abs(v) >= 2**63 for v in seldon.body["data"]["ndarray"]), seldon
    assert "tensor" in ours.body["data"] and all(isinstance(v, float) for v in ours.body["data"]["tensor"]["values"]), (
        ours
    )
    return ours, ours


def openapi(seldon: RestAnswer, ours: RestAnswer) -> tuple[RestAnswer, RestAnswer]:
    assert seldon.status == ours.status == 200, (seldon, ours)
    seldon_paths, our_paths = set(seldon.body["paths"]), set(ours.body["paths"])
    assert seldon_paths < our_paths and "/api/v1.0/predictions" in our_paths - seldon_paths, (seldon_paths, our_paths)
    return ours, ours


def grpc_health(seldon: GrpcAnswer, ours: GrpcAnswer) -> tuple[GrpcAnswer, GrpcAnswer]:
    assert seldon.code == "UNIMPLEMENTED", seldon
    assert ours.code == "OK" and ours.message == {"status": "SERVING"}, ours
    return ours, ours


def start_check(seldon: Any, ours: Any) -> tuple[Any, Any]:
    # seldon: the answer to /predict of the served class; ours: (exit status, stderr) of a start that failed.
    assert isinstance(seldon, RestAnswer) and seldon.status == 200 and seldon.body["data"]["ndarray"] == [], seldon
    status, stderr = ours
    assert status == 2 and "has none of Seldon's methods" in stderr, stderr
    return None, None


def http_server(seldon: str, ours: str) -> tuple[str, str]:
    assert seldon.startswith("gunicorn") and ours.startswith("granian"), (seldon, ours)
    return ours, ours
