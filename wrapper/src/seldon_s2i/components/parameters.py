"""Typed component parameters: one declaration gives validation, ``init_metadata`` and the README table.

The wrapper turns ``PREDICTIVE_UNIT_PARAMETERS`` (``[{"name", "value", "type"}]``) into constructor keyword
arguments of the declared Seldon type; a component binds them against its declarations here, so an unknown
name, a wrong type, a missing required value or an out-of-range value stops the microservice at start with a
message naming the parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["REQUIRED", "Parameter", "ParameterError", "bind", "float_list", "metadata", "table_rows"]


class _Required:
    def __repr__(self) -> str:
        return "required"


REQUIRED: Any = _Required()

_PYTHON_TYPES: dict[str, tuple[type, ...]] = {"INT": (int,), "FLOAT": (int, float), "STRING": (str,), "BOOL": (bool,)}


class ParameterError(ValueError):
    """A parameter the component cannot start with; the message names it."""


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str  # Seldon's parameter type: INT, FLOAT (DOUBLE is accepted as FLOAT), STRING or BOOL
    default: Any
    meaning: str
    check: Callable[[Any], str | None] | None = None  # returns a problem, or None when the value is fine

    def default_text(self) -> str:
        if self.default is REQUIRED:
            return "required"
        if self.default is None or self.default == "":
            return "none"
        return str(self.default).lower() if isinstance(self.default, bool) else str(self.default)


def bind(component: str, declared: Sequence[Parameter], given: Mapping[str, Any]) -> dict[str, Any]:
    """``given`` checked against ``declared``; every declared name present in the result (defaults filled)."""
    known = {p.name: p for p in declared}
    for name in given:
        if name not in known:
            valid = ", ".join(known) or "none"
            raise ParameterError(f"{component}: unknown parameter {name!r} (valid: {valid})")
    bound: dict[str, Any] = {}
    for parameter in declared:
        if parameter.name not in given:
            if parameter.default is REQUIRED:
                raise ParameterError(f"{component}: parameter {parameter.name!r} ({parameter.kind}) is required")
            bound[parameter.name] = parameter.default
            continue
        value: Any = given[parameter.name]
        expected = _PYTHON_TYPES[parameter.kind]
        if (isinstance(value, bool) and parameter.kind != "BOOL") or not isinstance(value, expected):
            raise ParameterError(
                f"{component}: parameter {parameter.name!r} must be {parameter.kind}, got {_seldon_type(value)} {value!r}"
            )
        if parameter.kind == "FLOAT":
            value = float(given[parameter.name])
        problem = parameter.check(value) if parameter.check else None
        if problem:
            raise ParameterError(f"{component}: parameter {parameter.name!r} = {value!r}: {problem}")
        bound[parameter.name] = value
    return bound


def _seldon_type(value: Any) -> str:
    if isinstance(value, bool):
        return "BOOL"
    if isinstance(value, int):
        return "INT"
    if isinstance(value, float):
        return "FLOAT"
    return "STRING" if isinstance(value, str) else type(value).__name__


def float_list(component: str, name: str, text: str) -> np.ndarray:
    """A comma-separated list of numbers given as a STRING parameter (Seldon parameters have no list type)."""
    try:
        values = np.array([float(part) for part in text.split(",")], dtype=np.float64)
    except ValueError:
        raise ParameterError(
            f"{component}: parameter {name!r} = {text!r}: expected comma-separated numbers, e.g. 0.7,0.3"
        ) from None
    if not np.all(np.isfinite(values)):
        raise ParameterError(f"{component}: parameter {name!r} = {text!r}: every value must be finite")
    return values


def metadata(component: str, declared: Sequence[Parameter], values: Mapping[str, Any]) -> dict[str, Any]:
    """``init_metadata``: the component and each parameter's value, type, default and meaning (strings only)."""
    custom = {"component": f"seldon_s2i.components.{component}"}
    for parameter in declared:
        value = values.get(parameter.name)
        shown = "none" if value is None or value == "" else str(value)
        custom[f"parameter.{parameter.name}"] = (
            f"{shown} ({parameter.kind}, default {parameter.default_text()}): {parameter.meaning}"
        )
    return {"custom": custom}


def table_rows(component: str, declared: Sequence[Parameter]) -> list[str]:
    """Markdown rows ``| component | name | type | default | meaning |`` for the README table."""
    return [
        f"| `{component}` | `{p.name}` | {p.kind} | {p.default_text()} | {p.meaning} |" for p in declared
    ]


# ---- reusable checks ----------------------------------------------------------------------------------------
def at_least(low: float) -> Callable[[Any], str | None]:
    return lambda value: None if value >= low else f"must be at least {low}"


def positive(value: Any) -> str | None:
    return None if value > 0 else "must be greater than 0"


def probability(value: Any) -> str | None:
    return None if 0.0 <= value <= 1.0 else "must be between 0 and 1"


def open_probability(value: Any) -> str | None:
    return None if 0.0 < value < 1.0 else "must be strictly between 0 and 1"
