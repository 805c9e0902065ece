"""Bad input and failing user code: a clear Seldon error, the right status, and the server keeps serving."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import requests
from google.protobuf import json_format
from microservice_process import BIN, EXAMPLES, Microservice, running
from seldon_s2i.protos import prediction_pb2 as pb
from seldon_s2i.protos import prediction_pb2_grpc as pb_grpc

COMPONENTS = Path(__file__).parent / "components"
GOOD = {"strData": "fine"}


@pytest.fixture(scope="module")
def faulty(log_dir: Path) -> Iterator[Microservice]:
    with running("Faulty", COMPONENTS, log_dir, ["--max-message-size", "4096"]) as service:
        yield service


def error_of(answer: requests.Response) -> dict:
    assert answer.headers["Content-Type"] == "application/json"
    body = answer.json()
    assert set(body) == {"status"}
    assert body["status"]["status"] == 1 and body["status"]["code"] == -1
    return body["status"]


def assert_still_serving(service: Microservice) -> None:
    answer = requests.post(f"{service.url}/predict", json=GOOD, timeout=5)
    assert answer.status_code == 200 and answer.json()["strData"] == "fine"


@pytest.mark.parametrize(
    ("body", "content_type", "fragment"),
    [
        (b'{"data": {"ndarray": [[1, 2]', "application/json", "Invalid JSON"),
        (b'{"data": {"ndarray": 5}}', "application/json", "Invalid ndarray"),
        (b'{"meta": {}}', "application/json", "Invalid request data type"),
        (b'{"data": {"matrix": [[1]]}}', "application/json", "Unknown data encoding matrix"),
        (b'{"data": {"tensor": {"shape": [3], "values": [1]}}}', "application/json", "Invalid tensor"),
        (b"", "application/json", "Can't find JSON"),
        (b"[1, 2]", "application/json", "expected a JSON object"),
        (b"json=%7Bnot-json", "application/x-www-form-urlencoded", "Invalid JSON"),
    ],
)
def test_bad_requests_get_400_with_reason(faulty: Microservice, body: bytes, content_type: str, fragment: str) -> None:
    answer = requests.post(f"{faulty.url}/predict", data=body, headers={"Content-Type": content_type}, timeout=5)
    assert answer.status_code == 400
    status = error_of(answer)
    assert status["reason"] == "MICROSERVICE_BAD_DATA"
    assert fragment in status["info"]
    assert_still_serving(faulty)


@pytest.mark.parametrize(
    ("trigger", "http_status", "reason", "info"),
    [
        ("value-error", 500, "MICROSERVICE_INTERNAL_ERROR", "the model cannot handle this input"),
        ("teapot", 418, "I_AM_A_TEAPOT", "short and stout"),
        ("seldon-422", 422, "BAD_FEATURES", "unprocessable features"),
        ("bad-return", 500, "MICROSERVICE_BAD_DATA", "Unknown data type returned as payload"),
    ],
)
def test_user_errors_reach_the_caller(faulty: Microservice, trigger: str, http_status: int, reason: str, info: str) -> None:
    answer = requests.post(f"{faulty.url}/api/v1.0/predictions", json={"strData": trigger}, timeout=5)
    assert answer.status_code == http_status
    status = error_of(answer)
    assert status["reason"] == reason
    assert info in status["info"]
    assert_still_serving(faulty)


def test_unknown_path_and_wrong_method_are_real_404_and_405(faulty: Microservice) -> None:
    missing = requests.post(f"{faulty.url}/api/v2/models/x/infer", json=GOOD, timeout=5)
    assert missing.status_code == 404 and error_of(missing)["reason"] == "MICROSERVICE_NOT_FOUND"
    wrong = requests.get(f"{faulty.url}/api/v1.0/predictions", timeout=5)
    assert wrong.status_code == 405 and error_of(wrong)["reason"] == "MICROSERVICE_METHOD_NOT_ALLOWED"
    assert "POST" in wrong.headers["Allow"]
    assert_still_serving(faulty)


def test_oversized_body_gets_413(faulty: Microservice) -> None:
    big = {"strData": "x" * 10_000}
    answer = requests.post(f"{faulty.url}/predict", json=big, timeout=5)
    assert answer.status_code == 413
    assert error_of(answer)["reason"] == "MICROSERVICE_PAYLOAD_TOO_LARGE"
    assert_still_serving(faulty)


def test_grpc_errors_have_meaningful_codes(faulty: Microservice) -> None:
    with faulty.channel() as channel:
        stub = pb_grpc.ModelStub(channel)
        cases = {
            "value-error": grpc.StatusCode.INTERNAL,
            "seldon-422": grpc.StatusCode.INVALID_ARGUMENT,
            "teapot": grpc.StatusCode.INVALID_ARGUMENT,
        }
        for trigger, code in cases.items():
            with pytest.raises(grpc.RpcError) as raised:
                stub.Predict(pb.SeldonMessage(strData=trigger))
            assert raised.value.code() == code, trigger
            trailing: Any = raised.value.trailing_metadata()  # (key, value) tuples; the stubs say otherwise
            assert dict(trailing)["seldon-reason"]
        with pytest.raises(grpc.RpcError) as bad_tensor:
            stub.Predict(json_format.ParseDict({"data": {"tensor": {"shape": [5], "values": [1]}}}, pb.SeldonMessage()))
        assert bad_tensor.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "Invalid tensor" in (bad_tensor.value.details() or "")
        with pytest.raises(grpc.RpcError) as too_big:
            stub.Predict(pb.SeldonMessage(strData="x" * 10_000))
        assert too_big.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert stub.Predict(pb.SeldonMessage(strData="fine")).strData == "fine"


def test_invalid_metadata_is_a_500_but_predictions_go_on(log_dir: Path) -> None:
    with running("BadMetadata", COMPONENTS, log_dir) as service:
        answer = requests.get(f"{service.url}/metadata", timeout=5)
        assert answer.status_code == 500
        status = error_of(answer)
        assert status["reason"] == "MICROSERVICE_BAD_METADATA" and "custom/answer" in status["info"]
        assert requests.post(f"{service.url}/predict", json={"data": {"ndarray": [1]}}, timeout=5).status_code == 200


def run_cli(*args: str, cwd: Path = COMPONENTS) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "seldon-microservice"), *args], cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["NoPredict"], 2, "class NoPredict cannot serve as MODEL: it has none of Seldon's methods"),
        (["NoPredict", "--validate"], 2, "needs predict(self, X, feature_names, **kwargs) or predict_raw(self, message)"),
        (["Missing"], 2, "cannot find module 'Missing'"),
        (["BrokenInit"], 1, "constructing BrokenInit failed: FileNotFoundError: model.joblib not found"),
        (["Echo", "--parameters", '[{"name":"count","value":"many","type":"INT"}]'], 2, "Bad model parameter: count"),
        (["Echo", "--parameters", '[{"name":"x","value":"1","type":"COMPLEX"}]'], 2, "Bad model parameter type: COMPLEX"),
        (["Echo", "--parameters", "{oops"], 2, "Bad model parameters: not JSON"),
        (["Echo", "--service-type", "SERVER"], 2, "invalid choice: 'SERVER'"),
        (["Echo", "REST"], 2, "unrecognized arguments: REST"),
    ],
)
def test_startup_failures_are_clear(args: list[str], status: int, message: str) -> None:
    result = run_cli(*args, "--http-port", "0", "--grpc-port", "0", "--metrics-port", "0")
    assert result.returncode == status, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr.split("seldon-microservice: error")[-1]


def test_class_lacking_its_service_types_method_starts_with_a_warning() -> None:
    # Seldon serves every endpoint whatever the service type; a graph's node type decides what is called.
    result = run_cli("Echo", "--service-type", "ROUTER", "--validate")
    assert result.returncode == 0, result.stderr
    assert "warning: class Echo is declared ROUTER but has no route(self, X, feature_names" in result.stderr


def test_validate_accepts_every_example() -> None:
    examples = {
        "model": ("MyModel", "MODEL"),
        "router": ("MyRouter", "ROUTER"),
        "combiner": ("MyCombiner", "COMBINER"),
        "transformer": ("MyTransformer", "TRANSFORMER"),
        "output-transformer": ("MyOutputTransformer", "OUTPUT_TRANSFORMER"),
    }
    for folder, (name, service_type) in examples.items():
        result = run_cli(name, "--service-type", service_type, "--validate", cwd=EXAMPLES / folder)
        assert result.returncode == 0, result.stderr
        assert f"can serve as {service_type}" in result.stdout


def test_model_error_handler_blueprint_shapes_custom_errors(log_dir: Path) -> None:
    with running("CustomErrors", COMPONENTS, log_dir) as service:
        custom = requests.post(f"{service.url}/predict", json={"strData": "sold-out"}, timeout=5)
        assert custom.status_code == 409
        assert custom.json() == {"error": "widget is out of stock", "item": "widget"}
        other = requests.post(f"{service.url}/predict", json={"strData": "other"}, timeout=5)
        assert other.status_code == 500 and error_of(other)["info"] == "not a custom error"
        assert requests.post(f"{service.url}/predict", json={"strData": "ok"}, timeout=5).json()["strData"] == "ok"
