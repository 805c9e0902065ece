"""One class, both protocols; every service type over V2; predict_raw; and the --protocol switch.

- the same process answers a Seldon v1 client (REST and gRPC) and V2 clients, with the same numbers;
- a ROUTER answers its choice, a COMBINER combines its inputs, transformers transform, over V2;
- ``predict_raw`` receives the V2 request as a dict and answers a V2 response dict;
- ``--protocol v2`` / ``seldon`` / ``SELDON_PROTOCOL`` serve one protocol only and refuse the other clearly.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import pytest
import requests
import tritonclient.grpc as triton_grpc
import tritonclient.http as triton_http
from microservice_process import BIN, Microservice
from seldon_s2i.protos import prediction_pb2, prediction_pb2_grpc

COMPONENTS = Path(__file__).parent / "components"
FEATURES = np.array([[1.0, -2.0, 3.5]])


def _v2_rest(service: Microservice, model: str, *arrays: np.ndarray) -> triton_http.InferResult:
    tensors = []
    for index, array in enumerate(arrays):
        tensor = triton_http.InferInput(f"input-{index}", list(array.shape), "FP64")
        tensor.set_data_from_numpy(array)
        tensors.append(tensor)
    return triton_http.InferenceServerClient(f"127.0.0.1:{service.http_port}").infer(model, tensors)


def _only_output(result: Any) -> np.ndarray:
    outputs = result.get_response()["outputs"]
    assert len(outputs) == 1
    array = result.as_numpy(outputs[0]["name"])
    assert array is not None
    return np.asarray(array)


def test_one_class_answers_seldon_v1_and_v2_clients_in_the_same_run(identity: Microservice) -> None:
    seldon_rest = requests.post(
        f"{identity.url}/api/v1.0/predictions", json={"data": {"ndarray": FEATURES.tolist()}}, timeout=30
    ).json()
    assert seldon_rest["data"]["ndarray"] == FEATURES.tolist()
    with identity.channel() as channel:
        message = prediction_pb2.SeldonMessage()
        message.data.tensor.shape.extend(FEATURES.shape)
        message.data.tensor.values.extend(FEATURES.ravel().tolist())
        seldon_grpc = prediction_pb2_grpc.ModelStub(channel).Predict(message, timeout=30)
    assert list(seldon_grpc.data.tensor.values) == FEATURES.ravel().tolist()
    np.testing.assert_array_equal(_only_output(_v2_rest(identity, "V2Identity", FEATURES)), FEATURES)
    tensor = triton_grpc.InferInput("x", list(FEATURES.shape), "FP64")
    tensor.set_data_from_numpy(FEATURES)
    v2_grpc = triton_grpc.InferenceServerClient(identity.grpc_target).infer("V2Identity", [tensor])
    np.testing.assert_array_equal(v2_grpc.as_numpy("output-0"), FEATURES)


@pytest.mark.parametrize(
    ("service_type", "arrays", "expected"),
    [
        ("ROUTER", [FEATURES], np.array([[1]])),  # route() chose child 1: its index as INT64 [[1]]
        ("COMBINER", [FEATURES, FEATURES * 2], FEATURES * 3),  # each input is one child's answer
        ("TRANSFORMER", [FEATURES], FEATURES + 1),
        ("OUTPUT_TRANSFORMER", [FEATURES], FEATURES * 10),
    ],
)
def test_every_service_type_answers_v2(
    serve: Any, service_type: str, arrays: list[np.ndarray], expected: np.ndarray
) -> None:
    with serve("Graphy", "--service-type", service_type, PREDICTIVE_UNIT_ID="node") as service:
        answer = _only_output(_v2_rest(service, "node", *arrays))
        np.testing.assert_array_equal(answer, expected)
        if service_type == "ROUTER":
            assert answer.dtype == np.int64


def test_feedback_has_no_v2_route(identity: Microservice) -> None:
    answer = requests.post(f"{identity.url}/v2/models/V2Identity/feedback", json={}, timeout=10)
    assert answer.status_code == 404
    assert answer.json() == {"error": "POST /v2/models/V2Identity/feedback: no such V2 route"}
    wrong_method = requests.get(f"{identity.url}/v2/models/V2Identity/infer", timeout=10)
    assert wrong_method.status_code == 405 and "POST" in wrong_method.headers["Allow"]
    assert set(wrong_method.json()) == {"error"}


def test_predict_raw_receives_the_v2_request_as_a_dict(serve: Any) -> None:
    with serve("RawDoubler") as service:
        body = {"id": "raw-1", "inputs": [{"name": "x", "shape": [1, 3], "datatype": "INT32", "data": [1, 2, 3]}]}
        answer = requests.post(f"{service.url}/v2/models/RawDoubler/infer", json=body, timeout=30).json()
        assert answer == {
            "model_name": "RawDoubler",
            "id": "raw-1",
            "parameters": {"seen_id": "raw-1", "seen_inputs": 1},
            "outputs": [{"name": "doubled", "datatype": "INT32", "shape": [1, 3], "data": [2, 4, 6]}],
        }
        tensor = triton_grpc.InferInput("x", [2], "FP32")
        tensor.set_data_from_numpy(np.array([0.5, 1.5], dtype=np.float32))
        over_grpc = triton_grpc.InferenceServerClient(service.grpc_target).infer("RawDoubler", [tensor])
        np.testing.assert_array_equal(over_grpc.as_numpy("doubled"), np.array([1.0, 3.0], dtype=np.float32))


def test_protocol_v2_serves_only_v2(serve: Any) -> None:
    with serve("V2Identity", "--protocol", "v2") as service:
        np.testing.assert_array_equal(_only_output(_v2_rest(service, "V2Identity", FEATURES)), FEATURES)
        seldon = requests.post(f"{service.url}/api/v1.0/predictions", json={"data": {"ndarray": [[1]]}}, timeout=10)
        assert seldon.status_code == 404 and "speaks only V2" in seldon.json()["error"]
        with service.channel() as channel, pytest.raises(grpc.RpcError) as refused:
            prediction_pb2_grpc.ModelStub(channel).Predict(prediction_pb2.SeldonMessage(), timeout=10)
        assert refused.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_protocol_seldon_from_the_environment_serves_only_seldon(serve: Any) -> None:
    with serve("V2Identity", SELDON_PROTOCOL="seldon") as service:
        assert requests.get(f"{service.url}/v2/health/ready", timeout=10).status_code == 404
        assert requests.post(
            f"{service.url}/api/v1.0/predictions", json={"data": {"ndarray": [[1]]}}, timeout=10
        ).json()["data"]["ndarray"] == [[1]]
        with pytest.raises(Exception, match=r"UNIMPLEMENTED|Unimplemented"):
            triton_grpc.InferenceServerClient(service.grpc_target).is_server_live()


def test_a_bad_protocol_names_the_variable() -> None:
    done = subprocess.run(
        [str(BIN / "seldon-microservice"), "V2Identity"],
        cwd=COMPONENTS,
        env={"SELDON_PROTOCOL": "grpc", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "SELDON_PROTOCOL='grpc' is not one of both, seldon, v2" in done.stderr


def test_a_model_importing_another_copy_of_the_v2_protos_is_served(serve: Any) -> None:
    """tritonclient (or MLServer) in the model's process registers `inference.*` too; both copies must work."""
    with serve("TritonUser") as service:
        tensor = triton_grpc.InferInput("x", [1, 2], "INT32")
        tensor.set_data_from_numpy(np.array([[3, 4]], dtype=np.int32))
        answer = triton_grpc.InferenceServerClient(service.grpc_target).infer("TritonUser", [tensor])
        np.testing.assert_array_equal(answer.as_numpy("output-0"), np.array([[3, 4]], dtype=np.int32))
