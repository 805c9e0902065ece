"""Differential test: the same V2 requests to MLServer 1.7.1 and to ours, the answers compared.

Both serve an identity model named ``identity``: MLServer the benchmark's runtime (bench/components), which
decodes each input to numpy and encodes it back; ours ``V2Identity`` as graph node ``identity``. MLServer is
installed into .venvs/mlserver and started by the benchmark's own helpers (bench/serving_servers.py).

Every answer is compared whole, after :func:`normalized` removes the differences listed in
``DELIBERATE_DIFFERENCES`` — the one place where they are listed, each with its reason.
"""

from __future__ import annotations

import copy
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import pytest
import requests
from google.protobuf import json_format
from microservice_process import Microservice
from tritonclient.grpc import service_pb2, service_pb2_grpc

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # bench/ is a folder of scripts: import it from the repository root, then forget it
try:
    from bench import serving_servers
finally:
    sys.path.remove(str(REPO))

MODEL = serving_servers.MLSERVER_MODEL  # "identity"

DELIBERATE_DIFFERENCES = {
    "output names": "ours names a single answer after the class's one class_names() entry or output-0 (the class "
    "returns an array, not named tensors); MLServer's identity runtime names each output after its input",
    "output content_type": "MLServer marks each output with parameters.content_type (its codec registry); ours has "
    "no codec registry to name",
    "generated ids": "MLServer invents a UUID id when the request has none; ours echoes the id a client sent, "
    "and only then",
    "empty parameters": "MLServer writes parameters: {} on every answer and model metadata; ours leaves out what "
    "is empty",
    "request parameters": "ours answers a request's own parameters back, as Seldon v1 copies incoming meta.tags "
    "into the answer (they reach the class as meta tags); MLServer drops them",
    "requested outputs": "MLServer answers every output whatever `outputs` asks for; ours answers the requested "
    "ones, in the requested order, as Triton does",
    "bad request status": "data that disagrees with its shape is a client error: ours 400, MLServer 500 (its "
    "runtime's reshape fails); malformed JSON and unknown datatypes: ours 400 with {\"error\"}, MLServer 422 with "
    "pydantic's {\"detail\"}; over gRPC ours INVALID_ARGUMENT, MLServer INTERNAL",
    "binary tensor data (REST)": "ours reads and writes the binary extension; MLServer refuses it (422)",
    "raw gRPC answers": "MLServer sets an empty `contents` beside raw_output_contents; ours leaves it unset",
    "typed BYTES over gRPC": "MLServer 1.7.1 fails (INTERNAL, its numpy codec cannot size the buffer) on BYTES in "
    "typed bytes_contents; ours answers them",
    "server metadata": "each server gives its own name and version; ours lists the binary_tensor_data extension",
    "unknown model message": "both answer 404/NOT_FOUND; the message text differs",
}


def normalized(answer: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """``answer`` without the deliberate differences (see DELIBERATE_DIFFERENCES)."""
    result = copy.deepcopy(answer)
    if "id" not in request:
        result.pop("id", None)  # generated ids
    result.pop("parameters", None)  # empty parameters, request parameters
    requested = [o["name"] for o in request.get("outputs", [])]
    outputs = result.get("outputs", [])
    if requested and len(outputs) == len(request["inputs"]):  # requested outputs: MLServer answered them all
        by_input = {tensor["name"]: output for tensor, output in zip(request["inputs"], outputs, strict=True)}
        outputs = [by_input[name] for name in requested]
    for output in outputs:
        output.pop("name", None)  # output names
        output.pop("parameters", None)  # output content_type
        if isinstance(output.get("data"), list):
            output["data"] = np.asarray(output["data"]).reshape(-1).tolist()
    result["outputs"] = outputs
    return result


@pytest.fixture(scope="module")
def mlserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[serving_servers.RunningServer]:
    spec = next(spec for spec in serving_servers.SERVERS if spec.key == "mlserver")
    server = serving_servers.start(spec, tmp_path_factory.mktemp("mlserver"))
    try:
        deadline = time.monotonic() + 120  # MLServer listens before its model is loaded
        url = f"http://127.0.0.1:{server.ports.http}/v2/models/{MODEL}/ready"
        while requests.get(url, timeout=10).status_code != 200:
            assert time.monotonic() < deadline, f"MLServer's model never became ready:\n{serving_servers.tail(server.log)}"
            time.sleep(0.5)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def ours(serve: Any) -> Iterator[Microservice]:
    with serve("V2Identity", PREDICTIVE_UNIT_ID=MODEL) as service:
        yield service


def _tensor(name: str, datatype: str, shape: list[int], data: list[Any]) -> dict[str, Any]:
    return {"name": name, "datatype": datatype, "shape": shape, "data": data}


# 2-D tensors: MLServer's numpy codec turns a 1-D input into [N, 1], which our identity would not.
JSON_REQUESTS: dict[str, dict[str, Any]] = {
    "fp32 with id": {"id": "req-1", "inputs": [_tensor("x", "FP32", [2, 2], [1.5, 2, 3, 4])]},
    "int64 nested": {"inputs": [_tensor("x", "INT64", [2, 2], [[1, -2], [3, 2**40]])]},
    "bool": {"inputs": [_tensor("x", "BOOL", [1, 3], [True, False, True])]},
    "bytes": {"inputs": [_tensor("x", "BYTES", [2, 1], ["a", "héllo"])]},
    "small integers": {"inputs": [_tensor("x", "INT8", [1, 2], [-128, 127])]},
    "unsigned": {"inputs": [_tensor("x", "UINT32", [1, 2], [0, 2**32 - 1])]},
    "fp64 precision": {"inputs": [_tensor("x", "FP64", [1, 2], [0.1, 1e-300])]},
    "two inputs": {"inputs": [_tensor("a", "UINT8", [1, 2], [1, 255]), _tensor("b", "FP64", [2, 1], [0.5, 2])]},
    "requested output": {
        "inputs": [_tensor("a", "INT16", [1, 2], [1, 2]), _tensor("b", "FP32", [1, 3], [1, 2, 3])],
        "outputs": [{"name": "b"}],
    },
    "parameters": {"parameters": {"customer": "acme"}, "inputs": [_tensor("x", "FP32", [1, 1], [7])]},
}


def _infer(base: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{base}/v2/models/{MODEL}/infer", json=body, timeout=60)


@pytest.mark.parametrize("body", list(JSON_REQUESTS.values()), ids=list(JSON_REQUESTS))
def test_json_inference_answers_agree(mlserver: Any, ours: Microservice, body: dict[str, Any]) -> None:
    theirs = _infer(f"http://127.0.0.1:{mlserver.ports.http}", body)
    mine = _infer(ours.url, body)
    assert (mine.status_code, theirs.status_code) == (200, 200), (mine.text, theirs.text)
    assert normalized(mine.json(), body) == normalized(theirs.json(), body)


def _grpc_infer(port: int, request: Any) -> dict[str, Any]:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        answer = service_pb2_grpc.GRPCInferenceServiceStub(channel).ModelInfer(request, timeout=60)
    document: dict[str, Any] = json_format.MessageToDict(answer)
    for output in document.get("outputs", []):
        if output.get("contents") == {}:
            del output["contents"]  # raw gRPC answers
    return document


def _typed(datatype: str, field: str, values: list[Any]) -> Any:
    request = service_pb2.ModelInferRequest(model_name=MODEL, id="g-1")
    tensor = request.inputs.add(name="x", datatype=datatype, shape=[1, len(values)])
    getattr(tensor.contents, field).extend(values)
    return request


def _raw(datatype: str, array: np.ndarray) -> Any:
    request = service_pb2.ModelInferRequest(model_name=MODEL)
    request.inputs.add(name="x", datatype=datatype, shape=list(array.shape))
    request.raw_input_contents.append(array.tobytes())
    return request


GRPC_REQUESTS = {
    "typed fp32": _typed("FP32", "fp32_contents", [1.5, -2.0, 3.0]),
    "typed fp64": _typed("FP64", "fp64_contents", [0.1, 2.0]),
    "typed int32": _typed("INT32", "int_contents", [-(2**31), 5]),
    "typed int64": _typed("INT64", "int64_contents", [2**62, -1]),
    "typed uint64": _typed("UINT64", "uint64_contents", [2**64 - 1, 0]),
    "typed bool": _typed("BOOL", "bool_contents", [True, False]),
    "raw int16": _raw("INT16", np.array([[1, -2]], dtype="<i2")),
    "raw fp16": _raw("FP16", np.array([[0.5, 65504]], dtype="<f2")),
    "raw fp64": _raw("FP64", np.array([[1.0, 2.0], [3.0, 4.0]], dtype="<f8")),
}


@pytest.mark.parametrize("request_", list(GRPC_REQUESTS.values()), ids=list(GRPC_REQUESTS))
def test_grpc_inference_answers_agree(mlserver: Any, ours: Microservice, request_: Any) -> None:
    body = {"inputs": [{"name": "x"}], **({"id": request_.id} if request_.id else {})}
    theirs = normalized(_grpc_infer(mlserver.ports.grpc, request_), body)
    mine = normalized(_grpc_infer(ours.grpc_port, request_), body)
    assert mine == theirs


def test_health_and_model_metadata_agree(mlserver: Any, ours: Microservice) -> None:
    for path in ("/v2/health/live", "/v2/health/ready", f"/v2/models/{MODEL}/ready", "/v2/models/other/ready",
                 f"/v2/models/{MODEL}", "/v2/models/other", f"/v2/models/{MODEL}/versions/9"):  # fmt: skip
        theirs = requests.get(f"http://127.0.0.1:{mlserver.ports.http}{path}", timeout=30)
        mine = requests.get(f"{ours.url}{path}", timeout=30)
        assert mine.status_code == theirs.status_code, path
        if path == f"/v2/models/{MODEL}":
            assert mine.json() == {key: value for key, value in theirs.json().items() if key != "parameters"}
        if mine.status_code == 404:
            assert set(mine.json()) == set(theirs.json()) == {"error"}


def test_unknown_model_agrees(mlserver: Any, ours: Microservice) -> None:
    body = JSON_REQUESTS["bool"]
    for base in (f"http://127.0.0.1:{mlserver.ports.http}", ours.url):
        answer = requests.post(f"{base}/v2/models/other/infer", json=body, timeout=30)
        assert answer.status_code == 404 and set(answer.json()) == {"error"}
    for port in (mlserver.ports.grpc, ours.grpc_port):
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel, pytest.raises(grpc.RpcError) as refused:
            service_pb2_grpc.GRPCInferenceServiceStub(channel).ModelInfer(
                service_pb2.ModelInferRequest(model_name="other"), timeout=30
            )
        assert refused.value.code() == grpc.StatusCode.NOT_FOUND


def test_the_listed_differences_are_real(mlserver: Any, ours: Microservice) -> None:
    """Each difference that shows on the wire is checked here, so the list cannot go stale unnoticed."""
    theirs_url = f"http://127.0.0.1:{mlserver.ports.http}"
    body = JSON_REQUESTS["requested output"]
    theirs, mine = _infer(theirs_url, body).json(), _infer(ours.url, body).json()
    assert [o["name"] for o in theirs["outputs"]] == ["a", "b"] and [o["name"] for o in mine["outputs"]] == ["b"]
    assert theirs["outputs"][0]["parameters"] == {"content_type": "np"} and "parameters" not in mine["outputs"][0]
    assert "id" in theirs and "id" not in mine
    assert theirs["parameters"] == {} and "parameters" not in mine
    echoed = _infer(ours.url, JSON_REQUESTS["parameters"]).json()
    assert echoed["parameters"] == {"customer": "acme"}
    assert _infer(theirs_url, JSON_REQUESTS["parameters"]).json()["parameters"] == {}
    mismatch = {"inputs": [_tensor("x", "FP32", [1, 3], [1, 2])]}
    assert (_infer(ours.url, mismatch).status_code, _infer(theirs_url, mismatch).status_code) == (400, 500)
    typed_bytes = service_pb2.ModelInferRequest(model_name=MODEL)
    typed_bytes.inputs.add(name="s", datatype="BYTES", shape=[1, 2]).contents.bytes_contents.extend([b"a", b"b"])
    assert _grpc_infer(ours.grpc_port, typed_bytes)["outputs"][0]["contents"]["bytesContents"] == ["YQ==", "Yg=="]
    with pytest.raises(grpc.RpcError) as failed:
        _grpc_infer(mlserver.ports.grpc, typed_bytes)
    assert failed.value.code() == grpc.StatusCode.INTERNAL
    header = b'{"inputs":[{"name":"x","shape":[1,1],"datatype":"FP32","parameters":{"binary_data_size":4}}]}'
    binary = {"data": header + b"\x00\x00\x80?", "timeout": 30,
              "headers": {"Inference-Header-Content-Length": str(len(header))}}  # fmt: skip
    assert requests.post(f"{ours.url}/v2/models/{MODEL}/infer", **binary).status_code == 200  # type: ignore[arg-type]
    assert requests.post(f"{theirs_url}/v2/models/{MODEL}/infer", **binary).status_code == 422  # type: ignore[arg-type]
