"""Bad V2 requests are refused with a clear ``{"error": ...}`` and the right status, and the server keeps serving.

Each refusal is followed by a good request on the same transport, which must still be answered.
"""

from __future__ import annotations

from typing import Any

import grpc
import numpy as np
import orjson
import pytest
import requests
from microservice_process import Microservice
from tritonclient.grpc import service_pb2, service_pb2_grpc

INFER = "/v2/models/V2Identity/infer"
GOOD = {"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP32", "data": [1, 2]}]}


def _post(service: Microservice, body: bytes | dict[str, Any], path: str = INFER, **headers: str) -> requests.Response:
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    return requests.post(f"{service.url}{path}", data=data, headers={"Content-Type": "application/json", **headers},
                         timeout=30)


def _still_serves_rest(service: Microservice) -> None:
    answer = _post(service, GOOD)
    assert answer.status_code == 200, answer.text
    assert answer.json()["outputs"][0]["data"] == [1.0, 2.0]


def _tensor(datatype: str = "FP32", shape: list[int] | None = None, data: Any = (1, 2)) -> dict[str, Any]:
    return {"name": "x", "shape": shape or [1, 2], "datatype": datatype, "data": list(data)}


REST_CASES = [
    ("shape and data disagree", {"inputs": [_tensor(shape=[2, 2])]}, 400, "shape [2, 2] holds 4 elements, the data has 2"),
    ("nested data of the wrong size", {"inputs": [_tensor(shape=[3], data=[[1, 2]])]}, 400, "holds 3 elements"),
    ("unknown datatype", {"inputs": [_tensor(datatype="FP8")]}, 400, "unknown datatype 'FP8'"),
    ("float for an integer type", {"inputs": [_tensor(datatype="INT32", data=[1.5, 2])]}, 400, "INT32 data must be integers"),
    ("out of range", {"inputs": [_tensor(datatype="UINT8", data=[1, 300])]}, 400, "do not fit uint8"),
    ("ragged data", {"inputs": [_tensor(shape=[2, 2], data=[[1, 2], [3]])]}, 400, "regular nesting"),
    ("no inputs", {"inputs": []}, 400, "non-empty list of inputs"),
    ("negative dimension", {"inputs": [_tensor(shape=[-1, 2])]}, 400, "non-negative integers"),
    ("duplicate input names", {"inputs": [_tensor(), _tensor()]}, 400, "unique"),
    ("unknown requested output", {**GOOD, "outputs": [{"name": "nope"}]}, 400, "Unknown output 'nope'"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "status", "message"), [c[1:] for c in REST_CASES], ids=[c[0] for c in REST_CASES])
def test_bad_json_requests_are_refused_clearly(identity: Microservice, body: Any, status: int, message: str) -> None:
    answer = _post(identity, body)
    assert answer.status_code == status
    assert answer.headers["Content-Type"] == "application/json"
    assert message in answer.json()["error"]
    _still_serves_rest(identity)


def test_unknown_model_is_404_on_every_route(identity: Microservice) -> None:
    for path in ("/v2/models/other/infer", "/v2/models/other/versions/1/infer"):
        answer = _post(identity, GOOD, path)
        assert answer.status_code == 404
        assert answer.json() == {"error": "Unknown model 'other': this server serves 'V2Identity'"}
    for path in ("/v2/models/other", "/v2/models/other/ready"):
        assert requests.get(f"{identity.url}{path}", timeout=10).status_code == 404
    _still_serves_rest(identity)


def test_malformed_bodies_are_400(identity: Microservice) -> None:
    assert "Invalid JSON" in _post(identity, b"{not json").json()["error"]
    assert _post(identity, b"[1, 2]").status_code == 400
    header = orjson.dumps({"inputs": [{"name": "x", "shape": [2], "datatype": "FP32",
                                       "parameters": {"binary_data_size": 8}}]})  # fmt: skip
    short = _post(identity, header + b"\x00" * 4, **{"Inference-Header-Content-Length": str(len(header))})
    assert short.status_code == 400 and "runs past the binary data" in short.json()["error"]
    wrong_size = orjson.dumps({"inputs": [{"name": "x", "shape": [3], "datatype": "FP32",
                                           "parameters": {"binary_data_size": 8}}]})  # fmt: skip
    answer = _post(identity, wrong_size + b"\x00" * 8, **{"Inference-Header-Content-Length": str(len(wrong_size))})
    assert answer.status_code == 400 and "needs 12 bytes, the binary data has 8" in answer.json()["error"]
    extra = _post(identity, header + b"\x00" * 12, **{"Inference-Header-Content-Length": str(len(header))})
    assert extra.status_code == 400 and "not claimed" in extra.json()["error"]
    too_long = _post(identity, header, **{"Inference-Header-Content-Length": "99999"})
    assert too_long.status_code == 400 and "Inference-Header-Content-Length" in too_long.json()["error"]
    _still_serves_rest(identity)


def _stub(service: Microservice) -> Any:
    return service_pb2_grpc.GRPCInferenceServiceStub(grpc.insecure_channel(service.grpc_target))


def _grpc_request(model: str = "V2Identity", datatype: str = "FP32", shape: tuple[int, ...] = (1, 2)) -> Any:
    request = service_pb2.ModelInferRequest(model_name=model)
    request.inputs.add(name="x", datatype=datatype, shape=list(shape))
    request.raw_input_contents.append(np.array([1, 2], dtype="<f4").tobytes())
    return request


GRPC_CASES = [
    ("raw data shorter than the shape", _grpc_request(shape=(1, 3)), grpc.StatusCode.INVALID_ARGUMENT, "needs 12 bytes"),
    ("unknown datatype", _grpc_request(datatype="COMPLEX64"), grpc.StatusCode.INVALID_ARGUMENT, "unknown datatype"),
    ("unknown model", _grpc_request(model="other"), grpc.StatusCode.NOT_FOUND, "Unknown model 'other'"),
]  # fmt: skip


@pytest.mark.parametrize(("request_", "code", "message"), [c[1:] for c in GRPC_CASES], ids=[c[0] for c in GRPC_CASES])
def test_bad_grpc_requests_are_refused_with_their_status(
    identity: Microservice, request_: Any, code: grpc.StatusCode, message: str
) -> None:
    stub = _stub(identity)
    with pytest.raises(grpc.RpcError) as refused:
        stub.ModelInfer(request_, timeout=30)
    assert refused.value.code() == code and message in str(refused.value.details())
    answer = stub.ModelInfer(_grpc_request(), timeout=30)
    assert np.frombuffer(answer.raw_output_contents[0], dtype="<f4").tolist() == [1.0, 2.0]


def test_bytes_that_are_no_request_are_invalid_argument(identity: Microservice) -> None:
    with identity.channel() as channel:
        call: grpc.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary("/inference.GRPCInferenceService/ModelInfer")
        with pytest.raises(grpc.RpcError) as refused:
            call(b"\xff\xff\xff", timeout=30)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "not a valid inference.ModelInferRequest" in str(refused.value.details())
    assert _stub(identity).ModelInfer(_grpc_request(), timeout=30).raw_output_contents


def test_unknown_model_is_not_found_for_ready_and_metadata_over_grpc(identity: Microservice) -> None:
    stub = _stub(identity)
    for call, request in ((stub.ModelReady, service_pb2.ModelReadyRequest(name="other")),
                          (stub.ModelMetadata, service_pb2.ModelMetadataRequest(name="other"))):  # fmt: skip
        with pytest.raises(grpc.RpcError) as refused:
            call(request, timeout=30)
        assert refused.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_failing_model_is_500_with_its_message_and_keeps_serving(serve: Any) -> None:
    with serve("Graphy.Failing") as failing:
        body: dict[str, Any] = {"inputs": [{"name": "x", "shape": [1], "datatype": "FP64", "data": [-1]}]}
        refused = _post(failing, body, "/v2/models/Failing/infer")
        assert refused.status_code == 500
        assert refused.json() == {"error": "negative input: the model refuses it"}
        request = service_pb2.ModelInferRequest(model_name="Failing")
        request.inputs.add(name="x", datatype="FP64", shape=[1]).contents.fp64_contents.append(-1)
        with pytest.raises(grpc.RpcError) as failed:
            _stub(failing).ModelInfer(request, timeout=30)
        assert failed.value.code() == grpc.StatusCode.INTERNAL
        assert "refuses it" in str(failed.value.details())
        # A dict of str and bytes answers two one-element BYTES outputs; bytes that are not UTF-8 only in binary.
        body["inputs"][0]["data"] = [1]
        as_json = _post(failing, body, "/v2/models/Failing/infer")
        assert as_json.status_code == 500 and "output 'blob': holds bytes that are not UTF-8" in as_json.json()["error"]
        body["parameters"] = {"binary_data_output": True}
        binary = _post(failing, body, "/v2/models/Failing/infer")
        head = int(binary.headers["Inference-Header-Content-Length"])
        assert [(o["name"], o["datatype"], o["shape"]) for o in orjson.loads(binary.content[:head])["outputs"]] == [
            ("text", "BYTES", [1]),
            ("blob", "BYTES", [1]),
        ]
        assert binary.content[head:] == b"\x04\x00\x00\x00fine" + b"\x02\x00\x00\x00\x00\xff"
