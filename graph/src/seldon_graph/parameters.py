"""Seldon's typed graph-node parameters: ``{"name", "value", "type": INT|FLOAT|DOUBLE|STRING|BOOL}``.

In a SeldonDeployment ``value`` is always a string (the CRD says so, and the API server
refuses anything else); ``type`` says what the component's constructor receives. BOOL
follows Python's ``distutils.strtobool``, as Seldon's wrapper does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

ParameterType = Literal["INT", "FLOAT", "DOUBLE", "STRING", "BOOL"]
PARAMETER_TYPES: tuple[str, ...] = ("INT", "FLOAT", "DOUBLE", "STRING", "BOOL")
TRUE_WORDS = frozenset({"y", "yes", "t", "true", "on", "1"})
FALSE_WORDS = frozenset({"n", "no", "f", "false", "off", "0"})

ParameterValue = int | float | str | bool


class ParameterError(ValueError):
    """A parameter whose value does not read as its type, or whose type Seldon does not know.

    ``reason`` is the bare cause (e.g. ``invalid truth value 'maybe'``), for callers that word their own message.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def typed_value(name: str, value: Any, kind: str | None) -> ParameterValue:
    """``value`` converted to the Python type ``kind`` names (no type means STRING)."""
    kind = kind or "STRING"
    try:
        if kind == "INT":
            if isinstance(value, bool):
                raise ValueError("a boolean is not an INT")
            return int(value)
        if kind in ("FLOAT", "DOUBLE"):
            return float(value)
        if kind == "STRING":
            return str(value)
        if kind == "BOOL":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in TRUE_WORDS:
                return True
            if text in FALSE_WORDS:
                return False
            raise ValueError(f"invalid truth value {value!r}")
    except (TypeError, ValueError) as error:
        raise ParameterError(f"parameter {name!r}: {value!r} is not a valid {kind} ({error})", str(error)) from None
    valid = ", ".join(PARAMETER_TYPES)
    raise ParameterError(f"parameter {name!r}: unknown type {kind!r}; valid are {valid}", f"unknown type {kind!r}")


class Parameter(BaseModel):
    """One entry of a graph node's ``parameters``."""

    model_config = ConfigDict(extra="allow")

    name: str
    value: str
    type: ParameterType | None = None

    def typed_value(self) -> ParameterValue:
        return typed_value(self.name, self.value, self.type)


def parameter_values(parameters: Iterable[Parameter]) -> dict[str, ParameterValue]:
    """Constructor keyword arguments from a node's parameters (the last of a repeated name wins)."""
    return {parameter.name: parameter.typed_value() for parameter in parameters}
