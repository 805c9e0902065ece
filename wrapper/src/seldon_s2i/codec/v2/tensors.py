"""Decoded, transport-neutral V2 requests and responses, and the protocol's datatypes as numpy dtypes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from seldon_s2i.errors import SeldonMicroserviceException

# Wire dtypes: little-endian, as the binary extension and raw contents lay them out. BYTES elements are
# Python bytes (binary, gRPC) or str (JSON) in an object array.
WIRE_DTYPES: dict[str, np.dtype[Any]] = {
    "BOOL": np.dtype("?"),
    "UINT8": np.dtype("<u1"),
    "UINT16": np.dtype("<u2"),
    "UINT32": np.dtype("<u4"),
    "UINT64": np.dtype("<u8"),
    "INT8": np.dtype("<i1"),
    "INT16": np.dtype("<i2"),
    "INT32": np.dtype("<i4"),
    "INT64": np.dtype("<i8"),
    "FP16": np.dtype("<f2"),
    "FP32": np.dtype("<f4"),
    "FP64": np.dtype("<f8"),
    "BYTES": np.dtype(object),
}
DATATYPES = tuple(WIRE_DTYPES)
# Request parameters that steer the protocol itself; the rest reach the class as tags.
PROTOCOL_PARAMETERS = frozenset({"binary_data_output", "binary_data", "binary_data_size", "content_type", "headers"})


def bad_request(message: str) -> SeldonMicroserviceException:
    return SeldonMicroserviceException(message, status_code=400)


def wire_dtype(datatype: Any, where: str) -> np.dtype[Any]:
    """The numpy dtype of a V2 ``datatype``; 400 naming the known ones otherwise."""
    dtype = WIRE_DTYPES.get(datatype) if isinstance(datatype, str) else None
    if dtype is None:
        raise bad_request(f"{where}: unknown datatype {datatype!r}; the protocol's datatypes are {', '.join(DATATYPES)}")
    return dtype


def checked_datatype(datatype: Any, where: str) -> str:
    """``datatype`` if it is one of the protocol's; 400 naming them otherwise."""
    wire_dtype(datatype, where)
    return str(datatype)


def datatype_of(array: np.ndarray, where: str) -> str:
    """The V2 datatype that carries ``array`` (500 for arrays the protocol cannot carry, e.g. complex)."""
    kind, size = array.dtype.kind, array.dtype.itemsize
    if kind == "b":
        return "BOOL"
    if kind in "iu" and size in (1, 2, 4, 8):
        return f"{'INT' if kind == 'i' else 'UINT'}{size * 8}"
    if kind == "f" and size in (2, 4, 8):
        return f"FP{size * 8}"
    if kind in "USO":
        return "BYTES"
    raise SeldonMicroserviceException(
        f"{where}: a {array.dtype} array has no V2 datatype (use bool, integers, float16/32/64, str or bytes)",
        status_code=500,
    )


def element_count(shape: list[int]) -> int:
    count = 1
    for dimension in shape:
        count *= dimension
    return count


def check_shape(shape: Any, where: str) -> list[int]:
    if not isinstance(shape, list | tuple) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
    ):
        raise bad_request(f"{where}: shape must be a list of non-negative integers, got {shape!r}")
    return list(shape)


@dataclass(slots=True)
class Tensor:
    """One input or output: ``data`` already has ``shape`` and the numpy dtype of ``datatype``."""

    name: str
    datatype: str
    shape: list[int]
    data: np.ndarray
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RequestedOutput:
    name: str
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class InferRequest:
    inputs: list[Tensor]
    id: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    outputs: list[RequestedOutput] = field(default_factory=list)
    model_name: str = ""
    model_version: str = ""
    raw_contents: bool = False  # gRPC: the inputs came in raw_input_contents

    def tags(self) -> dict[str, Any]:
        """The request's own parameters, those that are not the protocol's switches."""
        return {k: v for k, v in self.parameters.items() if k not in PROTOCOL_PARAMETERS}


@dataclass(slots=True)
class InferResponse:
    model_name: str
    outputs: list[Tensor]
    model_version: str | None = None
    id: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
