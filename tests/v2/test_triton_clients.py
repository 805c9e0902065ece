"""Triton's own clients (tritonclient http and grpc, from PyPI) against a real seldon-microservice.

Checks: all 12 datatypes round-trip in binary and JSON (REST) and in raw and typed contents (gRPC); several
inputs and outputs; requested outputs choose and order the answer; ids are echoed; health and metadata;
tags and custom metrics reach the answer's parameters and Prometheus; columns of one matrix reach a Seldon
class as X with feature names.
"""

from __future__ import annotations

from typing import Any

import grpc
import numpy as np
import pytest
import requests
import tritonclient.grpc as triton_grpc
import tritonclient.http as triton_http
from microservice_process import Microservice
from tritonclient.grpc import service_pb2, service_pb2_grpc

# One value set per datatype, with its extremes; BYTES holds non-ASCII text, an empty element and a NUL.
SAMPLES: dict[str, np.ndarray] = {
    "BOOL": np.array([[True, False, True]]),
    "UINT8": np.array([[0, 7, 255]], dtype=np.uint8),
    "UINT16": np.array([[0, 7, 65535]], dtype=np.uint16),
    "UINT32": np.array([[0, 7, 2**32 - 1]], dtype=np.uint32),
    "UINT64": np.array([[0, 7, 2**64 - 1]], dtype=np.uint64),
    "INT8": np.array([[-128, 0, 127]], dtype=np.int8),
    "INT16": np.array([[-(2**15), 0, 2**15 - 1]], dtype=np.int16),
    "INT32": np.array([[-(2**31), 0, 2**31 - 1]], dtype=np.int32),
    "INT64": np.array([[-(2**63), 0, 2**63 - 1]], dtype=np.int64),
    "FP16": np.array([[-1.5, 0.0, 65504.0]], dtype=np.float16),
    "FP32": np.array([[-1.25, 0.1, 3.4e38]], dtype=np.float32),
    "FP64": np.array([[-1.25, 0.1, 1.7e308]], dtype=np.float64),
    "BYTES": np.array([["héllo".encode(), b"", b"a\x00b"]], dtype=object),
}
OUTPUT = "output-0"


def _http(service: Microservice) -> triton_http.InferenceServerClient:
    return triton_http.InferenceServerClient(f"127.0.0.1:{service.http_port}")


def _grpc(service: Microservice) -> triton_grpc.InferenceServerClient:
    return triton_grpc.InferenceServerClient(service.grpc_target)


def _assert_same(got: np.ndarray, sent: np.ndarray) -> None:
    assert got.shape == sent.shape
    if sent.dtype == object:
        assert [bytes(x) if not isinstance(x, str) else x.encode() for x in got.flat] == list(sent.flat)
    else:
        assert got.dtype == sent.dtype
        np.testing.assert_array_equal(got, sent)


# tritonclient writes FP16 only in binary (JSON has no half floats); JSON FP16 is checked below with plain HTTP.
REST_CASES = [(datatype, binary) for datatype in SAMPLES for binary in (True, False) if binary or datatype != "FP16"]


@pytest.mark.parametrize(("datatype", "binary"), REST_CASES)
def test_every_datatype_round_trips_over_rest(identity: Microservice, datatype: str, binary: bool) -> None:
    sent = SAMPLES[datatype]
    tensor = triton_http.InferInput("x", list(sent.shape), datatype)
    tensor.set_data_from_numpy(sent, binary_data=binary)
    answer = _http(identity).infer(
        "V2Identity", [tensor], outputs=[triton_http.InferRequestedOutput(OUTPUT, binary_data=binary)]
    )
    _assert_same(answer.as_numpy(OUTPUT), sent)
    output = answer.get_response()["outputs"][0]
    assert output["datatype"] == datatype and output["shape"] == [1, 3]
    assert ("binary_data_size" in output.get("parameters", {})) is binary


def test_fp16_in_json_is_read_as_numbers(identity: Microservice) -> None:
    body = {"inputs": [{"name": "x", "shape": [2], "datatype": "FP16", "data": [1.5, -2]}]}
    answer = requests.post(f"{identity.url}/v2/models/V2Identity/infer", json=body, timeout=30)
    assert answer.status_code == 200
    assert answer.json()["outputs"] == [{"name": OUTPUT, "datatype": "FP16", "shape": [2], "data": [1.5, -2.0]}]


@pytest.mark.parametrize("datatype", list(SAMPLES))
def test_every_datatype_round_trips_over_grpc_raw_contents(identity: Microservice, datatype: str) -> None:
    sent = SAMPLES[datatype]
    tensor = triton_grpc.InferInput("x", list(sent.shape), datatype)
    tensor.set_data_from_numpy(sent)  # tritonclient sends raw_input_contents
    answer = _grpc(identity).infer("V2Identity", [tensor])
    _assert_same(answer.as_numpy(OUTPUT), sent)
    assert answer.get_output(OUTPUT).datatype == datatype


TYPED_FIELDS = {
    "BOOL": "bool_contents", "UINT8": "uint_contents", "UINT16": "uint_contents", "UINT32": "uint_contents",
    "UINT64": "uint64_contents", "INT8": "int_contents", "INT16": "int_contents", "INT32": "int_contents",
    "INT64": "int64_contents", "FP32": "fp32_contents", "FP64": "fp64_contents", "BYTES": "bytes_contents",
}  # fmt: skip


def _stub(service: Microservice) -> Any:
    return service_pb2_grpc.GRPCInferenceServiceStub(grpc.insecure_channel(service.grpc_target))


@pytest.mark.parametrize("datatype", list(TYPED_FIELDS))
def test_typed_contents_are_answered_in_typed_contents(identity: Microservice, datatype: str) -> None:
    sent = SAMPLES[datatype]
    request = service_pb2.ModelInferRequest(model_name="V2Identity", id="typed-1")
    tensor = request.inputs.add(name="x", datatype=datatype, shape=list(sent.shape))
    getattr(tensor.contents, TYPED_FIELDS[datatype]).extend(sent.reshape(-1).tolist())
    answer = _stub(identity).ModelInfer(request, timeout=30)
    assert answer.id == "typed-1" and not answer.raw_output_contents
    output = answer.outputs[0]
    assert (output.name, output.datatype, list(output.shape)) == (OUTPUT, datatype, [1, 3])
    assert list(getattr(output.contents, TYPED_FIELDS[datatype])) == sent.reshape(-1).tolist()


def test_fp16_has_no_typed_field_and_is_refused_in_contents(identity: Microservice) -> None:
    request = service_pb2.ModelInferRequest(model_name="V2Identity")
    request.inputs.add(name="x", datatype="FP16", shape=[1])
    with pytest.raises(grpc.RpcError) as refused:
        _stub(identity).ModelInfer(request, timeout=30)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "raw_input_contents" in str(refused.value.details())


def _several_inputs(module: Any, binary: bool | None = None) -> list[Any]:
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([7], dtype=np.int64)
    c = np.array([b"x", b"yz"], dtype=object)
    tensors = []
    for name, value, datatype in (("a", a, "FP32"), ("b", b, "INT64"), ("c", c, "BYTES")):
        tensor = module.InferInput(name, list(value.shape), datatype)
        if binary is None:
            tensor.set_data_from_numpy(value)
        else:
            tensor.set_data_from_numpy(value, binary_data=binary and name != "c")  # mixed binary and JSON
        tensors.append(tensor)
    return tensors


def test_several_inputs_and_outputs_and_requested_outputs_over_rest(identity: Microservice) -> None:
    client = _http(identity)
    everything = client.infer("V2Identity", _several_inputs(triton_http, binary=True), request_id="many")
    assert [o["name"] for o in everything.get_response()["outputs"]] == ["a", "b", "c"]
    assert everything.get_response()["id"] == "many"
    np.testing.assert_array_equal(everything.as_numpy("a"), np.arange(6, dtype=np.float32).reshape(2, 3))
    chosen = client.infer(
        "V2Identity",
        _several_inputs(triton_http, binary=False),
        outputs=[triton_http.InferRequestedOutput("c", binary_data=False), triton_http.InferRequestedOutput("a")],
    )
    outputs = chosen.get_response()["outputs"]
    assert [o["name"] for o in outputs] == ["c", "a"]
    assert outputs[0]["data"] == ["x", "yz"] and "binary_data_size" in outputs[1]["parameters"]
    assert list(chosen.as_numpy("c")) == ["x", "yz"]  # JSON BYTES come back as text


def test_several_inputs_and_requested_outputs_over_grpc(identity: Microservice) -> None:
    answer = _grpc(identity).infer(
        "V2Identity",
        _several_inputs(triton_grpc),
        outputs=[triton_grpc.InferRequestedOutput("b")],
        request_id="g-many",
    )
    response = answer.get_response()
    assert [o.name for o in response.outputs] == ["b"] and response.id == "g-many"
    np.testing.assert_array_equal(answer.as_numpy("b"), np.array([7], dtype=np.int64))


def test_health_and_server_metadata(identity: Microservice) -> None:
    http, grpc_client = _http(identity), _grpc(identity)
    assert http.is_server_live() and http.is_server_ready() and http.is_model_ready("V2Identity")
    assert grpc_client.is_server_live() and grpc_client.is_server_ready() and grpc_client.is_model_ready("V2Identity")
    assert not http.is_model_ready("other")
    metadata = http.get_server_metadata()
    assert metadata["name"] == "seldon-s2i" and "binary_tensor_data" in metadata["extensions"]
    assert grpc_client.get_server_metadata().name == "seldon-s2i"


def test_model_metadata_comes_from_init_metadata(scorer: Microservice) -> None:
    expected = {
        "name": "scorer",
        "versions": ["3"],
        "platform": "numpy",
        "inputs": [{"name": "features", "datatype": "FP64", "shape": [-1, 4]}],
        "outputs": [{"name": "total", "datatype": "FP64", "shape": [-1, 1]}],
    }
    assert _http(scorer).get_model_metadata("scorer") == expected
    assert _http(scorer).get_model_metadata("scorer", "3") == expected
    over_grpc = _grpc(scorer).get_model_metadata("scorer", as_json=True)
    assert over_grpc["name"] == "scorer" and over_grpc["versions"] == ["3"]
    assert over_grpc["inputs"] == [{"name": "features", "datatype": "FP64", "shape": ["-1", "4"]}]  # int64 as JSON text
    assert requests.get(f"{scorer.url}/v2/models/scorer/versions/4", timeout=10).status_code == 404


def test_columns_reach_the_class_as_one_matrix_with_feature_names(scorer: Microservice) -> None:
    tensors = []
    for name, values in (("sepal", [1.0, 2.0]), ("petal", [10.0, 20.0])):
        tensor = triton_http.InferInput(name, [2], "FP64")
        tensor.set_data_from_numpy(np.array(values))
        tensors.append(tensor)
    answer = _http(scorer).infer("scorer", tensors, parameters={"customer": "acme"})
    np.testing.assert_array_equal(answer.as_numpy("total"), np.array([[11.0], [22.0]]))
    parameters = answer.get_response()["parameters"]
    # The class's tags, the request's own parameters (as incoming tags, the way Seldon copies meta.tags)...
    assert parameters["scored_by"] == "sum" and parameters["feature_names"] == "sepal,petal"
    assert parameters["customer"] == "acme" and "'customer': 'acme'" in parameters["seen_tags"]
    # ... and its custom metrics, which also reach Prometheus with Seldon's names and labels.
    assert {m["key"] for m in parameters["metrics"]} == {"v2_scored", "v2_last_rows"}
    exposition = requests.get(f"{scorer.metrics_url}/prometheus", timeout=10).text
    assert any(line.startswith("v2_scored_total{") and 'method="predict"' in line for line in exposition.splitlines())
    assert 'transport="v2-rest"' in exposition


def test_grpc_answers_carry_tags_and_metrics_as_parameters(scorer: Microservice) -> None:
    tensor = triton_grpc.InferInput("features", [1, 4], "FP64")
    tensor.set_data_from_numpy(np.array([[1.0, 2.0, 3.0, 4.0]]))
    response = _grpc(scorer).infer("scorer", [tensor]).get_response()
    assert response.parameters["scored_by"].string_param == "sum"
    assert '"v2_scored"' in response.parameters["metrics"].string_param  # JSON text: no nested gRPC parameters
    assert response.outputs[0].name == "total" and response.model_version == "3"


def test_metrics_stay_out_of_the_answer_when_so_configured(serve: Any) -> None:
    with serve("Scorer", PREDICTIVE_UNIT_ID="scorer", INCLUDE_METRICS_IN_CLIENT_RESPONSE="false") as service:
        tensor = triton_http.InferInput("features", [1, 4], "FP64")
        tensor.set_data_from_numpy(np.array([[1.0, 2.0, 3.0, 4.0]]))
        parameters = _http(service).infer("scorer", [tensor]).get_response()["parameters"]
        assert "metrics" not in parameters and parameters["scored_by"] == "sum"
        exposition = requests.get(f"{service.metrics_url}/prometheus", timeout=10).text
        assert any(line.startswith("v2_scored_total{") for line in exposition.splitlines())
