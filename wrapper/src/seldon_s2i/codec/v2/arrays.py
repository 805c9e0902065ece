"""Tensor data ⇄ numpy: JSON lists (flat or nested), little-endian bytes, and the checks both need.

Numeric data is converted by numpy as a whole (``asarray``, ``frombuffer``, ``tobytes``), never element by
element in Python; only BYTES elements, which are Python objects anyway, are walked one by one.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from seldon_s2i.codec.v2.tensors import bad_request, element_count, wire_dtype
from seldon_s2i.errors import SeldonMicroserviceException

_LENGTH = struct.Struct("<I")
# Which kinds of a parsed JSON array each datatype accepts: no float silently truncated to an integer.
_ACCEPTED_KINDS = {"b": "b", "u": "iu", "i": "iu", "f": "iuf"}


def _check_count(array: np.ndarray, shape: list[int], where: str) -> None:
    expected = element_count(shape)
    if array.size != expected:
        raise bad_request(f"{where}: shape {shape} holds {expected} elements, the data has {array.size}")


def _check_range(array: np.ndarray, target: np.dtype[Any], where: str) -> None:
    if target.kind not in "iu" or array.size == 0:
        return
    limits = np.iinfo(target)
    low, high = array.min(), array.max()
    if low < limits.min or high > limits.max:
        raise bad_request(f"{where}: values {low}..{high} do not fit {target.name}")


def from_json(data: Any, datatype: str, shape: list[int], where: str) -> np.ndarray:
    """The array of a JSON ``data`` field, checked against ``datatype`` and ``shape``."""
    wire_dtype(datatype, where)
    if not isinstance(data, list):
        data = [data]  # a scalar for a one-element tensor
    if datatype == "BYTES":
        try:
            array = np.array(data, dtype=object)
        except ValueError as error:
            raise bad_request(f"{where}: data is not a regular nesting of lists ({error})") from None
        if array.size and not all(isinstance(item, str) for item in array.flat):
            raise bad_request(f"{where}: BYTES data must be strings")
        _check_count(array, shape, where)
        return array.reshape(shape)
    try:
        parsed = np.asarray(data)
        if datatype == "UINT64" and parsed.dtype.kind in "fO":
            parsed = _uint64(data, parsed)
    except ValueError as error:
        raise bad_request(f"{where}: data is not a regular nesting of lists ({error})") from None
    return from_values(parsed, datatype, shape, where)


def _uint64(data: Any, parsed: np.ndarray) -> np.ndarray:
    """numpy reads integers beyond INT64 as floats (or objects beside negative ones): read them as UINT64."""
    try:
        exact = np.asarray(data, dtype=np.uint64)
    except (OverflowError, TypeError):
        return parsed
    return exact if parsed.dtype.kind == "O" or np.array_equal(exact.astype(np.float64), parsed) else parsed


def from_values(parsed: np.ndarray, datatype: str, shape: list[int], where: str) -> np.ndarray:
    """A numeric array parsed from JSON or typed contents, checked and cast to ``datatype`` and ``shape``."""
    dtype = wire_dtype(datatype, where)
    if parsed.size and parsed.dtype.kind not in _ACCEPTED_KINDS[dtype.kind]:
        wanted = "true/false" if dtype.kind == "b" else "integers" if dtype.kind in "iu" else "numbers"
        raise bad_request(f"{where}: {datatype} data must be {wanted}, got {parsed.dtype.kind!r}-kind values")
    _check_range(parsed, dtype, where)
    array = parsed.astype(dtype.newbyteorder("="), copy=False)
    _check_count(array, shape, where)
    return array.reshape(shape)


def from_elements(elements: list[bytes], shape: list[int], where: str) -> np.ndarray:
    """A BYTES tensor of ``elements``."""
    array = np.empty(element_count(shape), dtype=object)
    if len(elements) != array.size:
        raise bad_request(f"{where}: shape {shape} holds {array.size} elements, the data has {len(elements)}")
    array[:] = elements
    return array.reshape(shape)


def from_bytes(buffer: bytes | memoryview, datatype: str, shape: list[int], where: str) -> np.ndarray:
    """The array laid out in ``buffer`` (binary extension, raw contents), as a writable native-order array."""
    dtype = wire_dtype(datatype, where)
    if datatype == "BYTES":
        return from_elements(split_bytes(buffer, where), shape, where)
    expected = element_count(shape) * dtype.itemsize
    if len(buffer) != expected:
        raise bad_request(
            f"{where}: shape {shape} of {datatype} needs {expected} bytes, the binary data has {len(buffer)}"
        )
    return np.frombuffer(buffer, dtype=dtype).astype(dtype.newbyteorder("="), copy=True).reshape(shape)


def split_bytes(buffer: bytes | memoryview, where: str) -> list[bytes]:
    """BYTES elements: each a 4-byte little-endian length, then that many bytes."""
    view = memoryview(buffer)
    elements = []
    offset = 0
    while offset < len(view):
        if offset + 4 > len(view):
            raise bad_request(f"{where}: BYTES data ends inside an element's length prefix")
        (length,) = _LENGTH.unpack_from(view, offset)
        offset += 4
        if offset + length > len(view):
            raise bad_request(f"{where}: a BYTES element of {length} bytes runs past the end of the data")
        elements.append(bytes(view[offset : offset + length]))
        offset += length
    return elements


def _as_bytes(item: Any, where: str) -> bytes:
    if isinstance(item, bytes):
        return item
    if isinstance(item, str):
        return item.encode("utf-8")
    if isinstance(item, bytearray | np.bytes_):
        return bytes(item)
    raise SeldonMicroserviceException(f"{where}: a BYTES element must be str or bytes, got {type(item).__name__}", 500)


def bytes_elements(array: np.ndarray, where: str) -> list[bytes]:
    return [_as_bytes(item, where) for item in array.reshape(-1).tolist()]


def to_bytes(array: np.ndarray, datatype: str, where: str) -> bytes:
    """``array`` laid out as the binary extension and raw contents want it."""
    if datatype == "BYTES":
        return b"".join(_LENGTH.pack(len(item)) + item for item in bytes_elements(array, where))
    return np.ascontiguousarray(array, dtype=wire_dtype(datatype, where)).tobytes()


def to_json(array: np.ndarray, datatype: str, where: str) -> Any:
    """``array`` as a flat, row-major value orjson writes natively (a numpy array; strings for BYTES)."""
    if datatype != "BYTES":
        return np.ascontiguousarray(array.reshape(-1))
    strings = []
    for item in array.reshape(-1).tolist():
        if isinstance(item, str):
            strings.append(item)
            continue
        try:
            strings.append(_as_bytes(item, where).decode("utf-8"))
        except UnicodeDecodeError:
            raise SeldonMicroserviceException(
                f"{where}: holds bytes that are not UTF-8 text; ask for it as binary data (binary_data: true)", 500
            ) from None
    return strings
