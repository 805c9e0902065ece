"""Transport-neutral Seldon messages as handed to (and taken from) user code."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class DataKind(str, Enum):
    """Which field of a SeldonMessage carries the payload."""

    NDARRAY = "ndarray"  # data.ndarray (nested lists)
    TENSOR = "tensor"  # data.tensor (shape + flat doubles)
    TFTENSOR = "tftensor"  # data.tftensor (TensorFlow TensorProto)
    EMPTY_DATA = "data"  # a `data` object without any of the three above
    JSON = "jsonData"
    STR = "strData"
    BIN = "binData"
    CUSTOM = "customData"  # google.protobuf.Any, gRPC only
    NONE = "none"  # no payload at all (e.g. a health request)

    @property
    def is_default_data(self) -> bool:
        return self in (DataKind.NDARRAY, DataKind.TENSOR, DataKind.TFTENSOR, DataKind.EMPTY_DATA)


@dataclass(slots=True)
class Message:
    """A decoded SeldonMessage.

    ``value`` is what user code sees: a numpy array for ``data`` kinds, a
    dict/list for jsonData, ``str`` for strData, ``bytes`` for binData, the
    ``Any`` proto for customData, ``None`` for NONE. ``meta`` is the JSON form
    of ``Meta`` (puid, tags, routing, requestPath, metrics).
    """

    kind: DataKind
    value: Any
    names: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    status: dict[str, Any] | None = None


@dataclass(slots=True)
class Feedback:
    """A decoded Feedback message."""

    request: Message | None
    response: Message | None
    reward: float
    truth: Message | None
