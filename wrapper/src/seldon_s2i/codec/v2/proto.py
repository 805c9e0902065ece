"""V2 gRPC messages: ``ModelInferRequest`` → :class:`InferRequest`, :class:`InferResponse` → ``ModelInferResponse``.

Inputs come in typed ``contents`` or in ``raw_input_contents`` (one little-endian entry per input); the answer
uses the same form as the request, except that FP16, which has no typed field, always goes raw.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson

from seldon_s2i.codec.v2 import arrays
from seldon_s2i.codec.v2.tensors import (
    InferRequest,
    InferResponse,
    RequestedOutput,
    Tensor,
    bad_request,
    check_shape,
    wire_dtype,
)
from seldon_s2i.protos import v2 as v2_protos

# The typed field of each datatype, and the numpy dtype protobuf hands its values in.
CONTENTS_FIELD: dict[str, tuple[str, str]] = {
    "BOOL": ("bool_contents", "?"),
    "UINT8": ("uint_contents", "u4"),
    "UINT16": ("uint_contents", "u4"),
    "UINT32": ("uint_contents", "u4"),
    "UINT64": ("uint64_contents", "u8"),
    "INT8": ("int_contents", "i4"),
    "INT16": ("int_contents", "i4"),
    "INT32": ("int_contents", "i4"),
    "INT64": ("int64_contents", "i8"),
    "FP32": ("fp32_contents", "f4"),
    "FP64": ("fp64_contents", "f8"),
    "BYTES": ("bytes_contents", "O"),
}
_INT64_MAX = 2**63 - 1


def parameters_from_proto(parameters: Any) -> dict[str, Any]:
    return {key: getattr(value, value.WhichOneof("parameter_choice") or "string_param") for key, value in parameters.items()}


def parameters_to_proto(values: dict[str, Any], target: Any) -> None:
    """Fill a ``map<string, InferParameter>``; values with no typed field go as JSON text."""
    for key, value in values.items():
        parameter = target[str(key)]
        if isinstance(value, bool | np.bool_):
            parameter.bool_param = bool(value)
        elif isinstance(value, int | np.integer):
            if int(value) > _INT64_MAX:
                parameter.uint64_param = int(value)
            else:
                parameter.int64_param = int(value)
        elif isinstance(value, float | np.floating):
            parameter.double_param = float(value)
        elif isinstance(value, str):
            parameter.string_param = value
        else:
            parameter.string_param = orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def _typed(contents: Any, datatype: str, shape: list[int], where: str) -> np.ndarray:
    if datatype not in CONTENTS_FIELD:
        raise bad_request(f"{where}: {datatype} has no typed contents field; send it in raw_input_contents")
    field, container = CONTENTS_FIELD[datatype]
    values = getattr(contents, field)
    if datatype == "BYTES":
        return arrays.from_elements(list(values), shape, where)
    return arrays.from_values(np.array(values, dtype=container), datatype, shape, where)


def decode_request(message: Any) -> InferRequest:
    raw = list(message.raw_input_contents)
    if raw and len(raw) != len(message.inputs):
        raise bad_request(f"raw_input_contents has {len(raw)} entries for {len(message.inputs)} inputs")
    if not message.inputs:
        raise bad_request("An inference request needs at least one input")
    inputs = []
    for index, item in enumerate(message.inputs):
        if not item.name:
            raise bad_request(f"inputs[{index}] needs a name")
        where = f"input '{item.name}'"
        wire_dtype(item.datatype, where)
        shape = check_shape(list(item.shape), where)
        if raw:
            if item.HasField("contents"):
                raise bad_request(f"{where} has contents although the request uses raw_input_contents")
            data = arrays.from_bytes(raw[index], item.datatype, shape, where)
        else:
            data = _typed(item.contents, item.datatype, shape, where)
        inputs.append(Tensor(item.name, item.datatype, shape, data, parameters_from_proto(item.parameters)))
    if len({tensor.name for tensor in inputs}) != len(inputs):
        raise bad_request("Input names must be unique")
    outputs = [RequestedOutput(o.name, parameters_from_proto(o.parameters)) for o in message.outputs]
    return InferRequest(
        inputs,
        message.id or None,
        parameters_from_proto(message.parameters),
        outputs,
        message.model_name,
        message.model_version,
        raw_contents=bool(raw),
    )


def encode_response(response: InferResponse, request: InferRequest) -> Any:
    answer = v2_protos.ModelInferResponse(model_name=response.model_name, model_version=response.model_version or "")
    if response.id is not None:
        answer.id = response.id
    parameters_to_proto(response.parameters, answer.parameters)
    raw = request.raw_contents or any(o.datatype not in CONTENTS_FIELD for o in response.outputs)
    for output in response.outputs:
        where = f"output '{output.name}'"
        tensor = answer.outputs.add(name=output.name, datatype=output.datatype, shape=output.shape)
        parameters_to_proto(output.parameters, tensor.parameters)
        if raw:
            answer.raw_output_contents.append(arrays.to_bytes(output.data, output.datatype, where))
        elif output.datatype == "BYTES":
            tensor.contents.bytes_contents.extend(arrays.bytes_elements(output.data, where))
        else:
            getattr(tensor.contents, CONTENTS_FIELD[output.datatype][0]).extend(output.data.reshape(-1).tolist())
    return answer
