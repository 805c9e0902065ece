"""numpy ⇄ TensorFlow ``TensorProto`` without TensorFlow.

Numeric tensors travel in ``tensor_content`` (raw little-endian bytes, as
TensorFlow's make_tensor_proto writes them), so large arrays convert with one
copy and no per-element Python work. Typed ``*_val`` fields are read too, as
TensorFlow does, including the single-value broadcast form.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from seldon_s2i.errors import SeldonMicroserviceException
from seldon_s2i.protos.tf_compat import tensor_pb2

# TensorFlow DataType numbers (types.proto) → numpy dtypes, and the *_val field each uses.
_DTYPES: dict[int, tuple[np.dtype[Any], str]] = {
    1: (np.dtype("<f4"), "float_val"),
    2: (np.dtype("<f8"), "double_val"),
    3: (np.dtype("<i4"), "int_val"),
    4: (np.dtype("u1"), "int_val"),
    5: (np.dtype("<i2"), "int_val"),
    6: (np.dtype("i1"), "int_val"),
    8: (np.dtype("<c8"), "scomplex_val"),
    9: (np.dtype("<i8"), "int64_val"),
    10: (np.dtype("bool"), "bool_val"),
    17: (np.dtype("<u2"), "int_val"),
    18: (np.dtype("<c16"), "dcomplex_val"),
    19: (np.dtype("<f2"), "half_val"),
    22: (np.dtype("<u4"), "uint32_val"),
    23: (np.dtype("<u8"), "uint64_val"),
}
_DT_STRING = 7
_BY_NUMPY = {dtype.newbyteorder("=") if dtype.byteorder != "|" else dtype: number for number, (dtype, _) in _DTYPES.items()}


def to_numpy(proto: Any) -> np.ndarray:
    """Decode a TensorProto into a (writable) numpy array."""
    shape = tuple(int(dim.size) for dim in proto.tensor_shape.dim)
    if any(size < 0 for size in shape):
        raise SeldonMicroserviceException(f"tftensor shape {list(shape)} has a negative dimension")
    count = int(np.prod(shape)) if shape else 1
    if proto.dtype == _DT_STRING:
        values = np.array(list(proto.string_val), dtype=object)
        return _fill(values, shape, count)
    if proto.dtype not in _DTYPES:
        raise SeldonMicroserviceException(f"Unsupported tftensor dtype {proto.dtype}")
    dtype, field = _DTYPES[proto.dtype]
    if proto.tensor_content:
        if len(proto.tensor_content) != count * dtype.itemsize:
            raise SeldonMicroserviceException(
                f"tftensor content has {len(proto.tensor_content)} bytes, shape {list(shape)} needs {count * dtype.itemsize}"
            )
        return np.frombuffer(proto.tensor_content, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))
    raw = getattr(proto, field)
    if field == "half_val":
        values = np.array(raw, dtype=np.uint16).view(np.float16)
    elif field in ("scomplex_val", "dcomplex_val"):
        values = np.array(raw, dtype=np.float32 if field == "scomplex_val" else np.float64).view(dtype.newbyteorder("="))
    else:
        values = np.array(raw, dtype=dtype.newbyteorder("="))
    return _fill(values, shape, count)


def _fill(values: np.ndarray, shape: tuple[int, ...], count: int) -> np.ndarray:
    if values.size == count:
        return values.reshape(shape)
    if values.size == 1 or (values.size < count and values.size > 0):
        # TensorFlow repeats the last value to fill the shape.
        padded = np.concatenate([values, np.repeat(values[-1:], count - values.size)])
        return padded.reshape(shape)
    if values.size == 0 and count == 0:
        return values.reshape(shape)
    raise SeldonMicroserviceException(f"tftensor has {values.size} values, shape {list(shape)} needs {count}")


def from_numpy(array: np.ndarray) -> Any:
    """Encode a numpy array as a TensorProto (numeric data in ``tensor_content``)."""
    proto = tensor_pb2.TensorProto()
    for size in array.shape:
        proto.tensor_shape.dim.add().size = int(size)
    if array.dtype.kind in "USO":
        proto.dtype = _DT_STRING
        proto.string_val.extend(
            item if isinstance(item, bytes) else str(item).encode("utf-8") for item in array.ravel().tolist()
        )
        return proto
    native = array.dtype.newbyteorder("=") if array.dtype.byteorder not in ("|", "=") else array.dtype
    number = _BY_NUMPY.get(native)
    if number is None:
        raise SeldonMicroserviceException(f"Cannot encode numpy dtype {array.dtype} as a tftensor")
    proto.dtype = number
    proto.tensor_content = np.ascontiguousarray(array, dtype=_DTYPES[number][0]).tobytes()
    return proto
