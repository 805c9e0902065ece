"""How a V2 request reaches the user's class, and how its answer becomes output tensors.

- One input: ``X`` is its array, in the input's datatype and shape (BYTES: an object array of str from JSON,
  of bytes from binary data and gRPC); ``feature_names`` is empty.
- Several inputs that are columns of one matrix (each of shape ``[N]`` or ``[N, 1]``, the same ``N`` and the
  same datatype): ``X`` is the ``N x k`` matrix, ``feature_names`` the input names in order.
- Other several inputs: ``X`` is a dict of arrays by input name, ``feature_names`` the input names.
- A combiner gets one array per input, in order (each input is one child's answer).
- ``meta`` holds the request ``id`` as ``puid`` and its non-protocol ``parameters`` as ``tags``.
- The answer: a dict of array-likes is one output per key; anything else is one output named after the
  class's single ``class_names()`` entry, else ``output-0``; str and bytes are a one-element BYTES tensor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from seldon_s2i.codec.message import DataKind, Message
from seldon_s2i.codec.response import as_array, default_names
from seldon_s2i.codec.v2.tensors import InferRequest, RequestedOutput, Tensor, bad_request, datatype_of
from seldon_s2i.errors import SeldonMicroserviceException

DEFAULT_OUTPUT = "output-0"


def meta_of(request: InferRequest) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if request.id:
        meta["puid"] = request.id
    tags = request.tags()
    if tags:
        meta["tags"] = tags
    return meta


def _columns(inputs: list[Tensor]) -> np.ndarray | None:
    """The inputs as the columns of one matrix, if each is one column of the same length and datatype."""
    first = inputs[0]
    if not first.shape:
        return None
    rows = first.shape[0]
    for tensor in inputs:
        if tensor.datatype != first.datatype or tensor.shape not in ([rows], [rows, 1]):
            return None
    return np.column_stack([tensor.data.reshape(rows) for tensor in inputs])


def to_message(request: InferRequest) -> Message:
    """The ``X``, ``feature_names`` and ``meta`` that predict, transform and route receive."""
    meta = meta_of(request)
    inputs = request.inputs
    if len(inputs) == 1:
        return Message(DataKind.TENSOR, inputs[0].data, [], meta)
    names = [tensor.name for tensor in inputs]
    matrix = _columns(inputs)
    if matrix is not None:
        return Message(DataKind.TENSOR, matrix, names, meta)
    return Message(DataKind.JSON, {tensor.name: tensor.data for tensor in inputs}, names, meta)


def to_messages(request: InferRequest) -> list[Message]:
    """A combiner's inputs: one message per input tensor, in order."""
    meta = meta_of(request)
    return [Message(DataKind.TENSOR, tensor.data, [], meta) for tensor in request.inputs]


def _tensor(name: str, value: Any) -> Tensor:
    where = f"output '{name}'"
    if isinstance(value, str | bytes | bytearray):
        value = np.array([value], dtype=object)
    if not isinstance(value, np.ndarray | np.generic | list | tuple | int | float | bool):
        raise SeldonMicroserviceException(
            f"{where}: the class answered {type(value).__name__}; over V2 an answer is an array-like, str or bytes, "
            "or a dict of them by output name",
            status_code=500,
        )
    array = as_array(value)
    datatype = datatype_of(array, where)
    return Tensor(name, datatype, list(array.shape), array)


def to_outputs(result: Any, class_names: list[str] | None) -> list[Tensor]:
    """Output tensors of an answer: a dict of array-likes by name, or one array-like (str, bytes)."""
    if isinstance(result, dict):
        if not result:
            raise SeldonMicroserviceException("The class answered an empty dict: no output to send", status_code=500)
        return [_tensor(str(name), value) for name, value in result.items()]
    name = class_names[0] if class_names and len(class_names) == 1 else DEFAULT_OUTPUT
    return [_tensor(name, result)]


def outputs_of(message: Message) -> list[Tensor]:
    """Output tensors of the handler's answer (a message built from the class's return value)."""
    if message.kind is DataKind.JSON and isinstance(message.value, dict):
        return to_outputs(message.value, None)
    if message.kind in (DataKind.STR, DataKind.BIN) or message.kind.is_default_data:
        names = message.names
        declared = names if names and names != default_names(len(names)) else None
        return to_outputs(message.value, declared)
    raise SeldonMicroserviceException(
        f"The class answered {type(message.value).__name__} ({message.kind.value}); over V2 an answer is an "
        "array-like, str or bytes, or a dict of them by output name",
        status_code=500,
    )


def parameters_of(meta: dict[str, Any]) -> dict[str, Any]:
    """Response parameters from the answer's meta: each tag as a parameter, custom metrics as ``metrics``."""
    parameters = dict(meta.get("tags") or {})
    if meta.get("metrics"):
        parameters["metrics"] = meta["metrics"]
    return parameters


def select(outputs: list[Tensor], requested: list[RequestedOutput]) -> list[Tensor]:
    """The outputs the client asked for, in its order; all of them when it asked for none."""
    if not requested:
        return outputs
    by_name = {tensor.name: tensor for tensor in outputs}
    chosen = []
    for wanted in requested:
        if wanted.name not in by_name:
            raise bad_request(f"Unknown output '{wanted.name}'; this model answers {sorted(by_name)}")
        if wanted.parameters.get("classification"):
            raise bad_request("The classification extension is not supported")
        chosen.append(by_name[wanted.name])
    return chosen
