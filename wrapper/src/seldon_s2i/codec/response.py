"""Turn a user method's result into a response :class:`Message`, as Seldon does.

Encoding mirrors the request: a numeric array answers in the request's data
encoding (tensor, tftensor or ndarray); a request without ``data`` gets a
tensor; non-numeric arrays are always ndarray. dict → jsonData, str →
strData, bytes → binData, a protobuf Any → customData.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from seldon_s2i.codec.message import DataKind, Message
from seldon_s2i.errors import SeldonMicroserviceException


@lru_cache(maxsize=64)
def default_names(columns: int) -> list[str]:
    """Seldon's default column names ``t:0 … t:n-1`` (cached: wide tensors are common).

    The same list object is returned for the same width, so encoders can
    recognise it and reuse their encoded form (see the JSON and proto codecs).
    """
    return [f"t:{index}" for index in range(columns)]


def _is_any_proto(value: Any) -> bool:
    return type(value).__name__ == "Any" and hasattr(value, "type_url") and hasattr(value, "Pack")


def as_array(value: Any) -> np.ndarray:
    """``value`` as a numpy array; ragged nesting becomes an object array, as older numpy made it."""
    if isinstance(value, np.ndarray):
        return value
    try:
        return np.asarray(value)
    except ValueError:
        array = np.empty(len(value), dtype=object)
        array[:] = value
        return array


def build(result: Any, request_kind: DataKind, class_names: list[str] | None, meta: dict[str, Any]) -> Message:
    """The response message for ``result`` to a request whose payload was of ``request_kind``."""
    if isinstance(result, (np.ndarray | list | tuple, np.generic)):
        array = as_array(result)
        numeric = array.dtype.kind in "iufc"
        if request_kind.is_default_data:
            kind = request_kind if numeric and request_kind is not DataKind.EMPTY_DATA else DataKind.NDARRAY
        else:
            kind = DataKind.TENSOR if numeric else DataKind.NDARRAY
        if class_names is not None:
            names = list(class_names)
        else:
            names = default_names(array.shape[1]) if array.ndim > 1 else []
        # ndarray keeps a returned list as-is (mixed types survive); tensors need the array.
        value = result if kind is DataKind.NDARRAY and isinstance(result, list) else array
        return Message(kind, value, names, meta)
    if isinstance(result, dict) or (request_kind is DataKind.JSON and (result is None or isinstance(result, bool | int | float))):
        # JSON in, JSON out: any JSON value answers jsonData (a null too, not taken for a missing return).
        return Message(DataKind.JSON, result, meta=meta)
    if isinstance(result, str):
        return Message(DataKind.STR, result, meta=meta)
    if isinstance(result, bytes | bytearray):
        return Message(DataKind.BIN, bytes(result), meta=meta)
    if _is_any_proto(result):
        return Message(DataKind.CUSTOM, result, meta=meta)
    raise SeldonMicroserviceException(
        f"Unknown data type returned as payload (must be list, np array, dict, str or bytes): {type(result).__name__}",
        status_code=500,
        reason="MICROSERVICE_BAD_DATA",
    )
