"""V2 REST bodies: JSON, optionally followed by binary tensor data (the binary tensor data extension).

A request whose ``Inference-Header-Content-Length`` header is N has N bytes of JSON, then the data of each
input whose ``parameters.binary_data_size`` is set, in the order of the inputs. An output goes back in binary
when its requested ``parameters.binary_data`` is true, or, if it does not say, when the request's
``parameters.binary_data_output`` is; the answer then carries the same header.
"""

from __future__ import annotations

from typing import Any

import orjson

from seldon_s2i.codec.json_codec import dumps
from seldon_s2i.codec.v2 import arrays
from seldon_s2i.codec.v2.tensors import (
    InferRequest,
    InferResponse,
    RequestedOutput,
    Tensor,
    bad_request,
    check_shape,
    checked_datatype,
)

HEADER_LENGTH = "Inference-Header-Content-Length"


def _object(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad_request(f"{where} must be an object")
    return value


def _json_part(body: bytes, header_length: str | None) -> tuple[Any, memoryview]:
    if header_length is None:
        json_bytes, binary = body, memoryview(b"")
    else:
        try:
            length = int(header_length)
        except ValueError:
            length = -1
        if not 0 <= length <= len(body):
            raise bad_request(f"{HEADER_LENGTH} must be a length between 0 and the body's {len(body)} bytes")
        json_bytes, binary = body[:length], memoryview(body)[length:]
    try:
        return orjson.loads(json_bytes), binary
    except orjson.JSONDecodeError as error:
        raise bad_request(f"Invalid JSON: {error}") from None


def _input(item: Any, index: int, binary: memoryview, offset: int) -> tuple[Tensor, int]:
    if not isinstance(item, dict):
        raise bad_request(f"inputs[{index}] must be an object")
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise bad_request(f"inputs[{index}] needs a name")
    where = f"input '{name}'"
    datatype = checked_datatype(item.get("datatype"), where)
    shape = check_shape(item.get("shape"), where)
    parameters = _object(item.get("parameters"), f"{where}: parameters")
    size = parameters.get("binary_data_size")
    if size is None:
        if "data" not in item:
            raise bad_request(f"{where} has neither data nor parameters.binary_data_size")
        data = arrays.from_json(item["data"], datatype, shape, where)
    else:
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise bad_request(f"{where}: binary_data_size must be a non-negative integer")
        if "data" in item:
            raise bad_request(f"{where} has both data and binary_data_size")
        if offset + size > len(binary):
            raise bad_request(
                f"{where}: binary_data_size {size} runs past the binary data ({len(binary) - offset} bytes left)"
            )
        data = arrays.from_bytes(binary[offset : offset + size], datatype, shape, where)
        offset += size
    return Tensor(name, datatype, shape, data, parameters), offset


def decode_request(body: bytes, header_length: str | None) -> InferRequest:
    """The request of a ``POST .../infer`` body; 400 for anything the protocol does not allow."""
    document, binary = _json_part(body, header_length)
    if not isinstance(document, dict):
        raise bad_request("An inference request must be a JSON object")
    request_id = document.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise bad_request("id must be a string")
    inputs_field = document.get("inputs")
    if not isinstance(inputs_field, list) or not inputs_field:
        raise bad_request("An inference request needs a non-empty list of inputs")
    inputs, offset = [], 0
    for index, item in enumerate(inputs_field):
        tensor, offset = _input(item, index, binary, offset)
        inputs.append(tensor)
    if offset != len(binary):
        raise bad_request(f"{len(binary) - offset} bytes of binary data are not claimed by any input's binary_data_size")
    if len({tensor.name for tensor in inputs}) != len(inputs):
        raise bad_request("Input names must be unique")
    outputs = []
    for index, item in enumerate(document.get("outputs") or []):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise bad_request(f"outputs[{index}] must be an object with a name")
        outputs.append(RequestedOutput(item["name"], _object(item.get("parameters"), f"outputs[{index}].parameters")))
    return InferRequest(inputs, request_id, _object(document.get("parameters"), "parameters"), outputs)


def _wants_binary(output: Tensor, request: InferRequest) -> bool:
    default = bool(request.parameters.get("binary_data_output", False))
    for requested in request.outputs:
        if requested.name == output.name:
            return bool(requested.parameters.get("binary_data", default))
    return default


def encode_response(response: InferResponse, request: InferRequest) -> tuple[bytes, int | None]:
    """The answer's body, and the JSON part's length when binary data follows it (for the header)."""
    parts: list[bytes] = []
    outputs = []
    for output in response.outputs:
        where = f"output '{output.name}'"
        document: dict[str, Any] = {"name": output.name, "datatype": output.datatype, "shape": output.shape}
        parameters = dict(output.parameters)
        if _wants_binary(output, request):
            part = arrays.to_bytes(output.data, output.datatype, where)
            parameters["binary_data_size"] = len(part)
            parts.append(part)
        else:
            document["data"] = arrays.to_json(output.data, output.datatype, where)
        if parameters:
            document["parameters"] = parameters
        outputs.append(document)
    answer: dict[str, Any] = {"model_name": response.model_name}
    if response.model_version:
        answer["model_version"] = response.model_version
    if response.id is not None:
        answer["id"] = response.id
    if response.parameters:
        answer["parameters"] = response.parameters
    answer["outputs"] = outputs
    head = dumps(answer)
    if not parts:
        return head, None
    return b"".join((head, *parts)), len(head)


def error_body(message: str) -> bytes:
    return orjson.dumps({"error": message})
