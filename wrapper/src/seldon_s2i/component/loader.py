"""Find the user's class and turn typed Seldon parameters into constructor arguments."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import orjson

from seldon_s2i.errors import BAD_PARAMETER, ComponentContractError, SeldonMicroserviceException

_TRUE = {"y", "yes", "t", "true", "on", "1"}
_FALSE = {"n", "no", "f", "false", "off", "0"}


def import_class(interface_name: str, search_dir: str | None = None) -> type:
    """Import ``Module`` (class of the same name) or ``package.module.Class``.

    The working directory (or ``search_dir``) is put on ``sys.path`` first so
    that a user's MyModel.py beside them is found, as Seldon does.
    """
    folder = os.path.abspath(search_dir or os.getcwd())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module_name, _, class_name = interface_name.rpartition(".")
    if not module_name:
        module_name = class_name = interface_name
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name == module_name or module_name.startswith(f"{error.name}."):
            raise ComponentContractError(
                f"cannot find module {module_name!r} for {interface_name!r}: expected {module_name.replace('.', '/')}.py "
                f"in {folder} (MODEL_NAME names the file and the class it defines)"
            ) from None
        raise ComponentContractError(
            f"importing {module_name!r} failed: {error} (is it listed in requirements.txt?)"
        ) from error
    except SyntaxError as error:
        raise ComponentContractError(f"{module_name}.py has a syntax error: {error}") from error
    component = getattr(module, class_name, None)
    if not isinstance(component, type):
        raise ComponentContractError(f"module {module_name!r} does not define a class named {class_name!r}")
    return component


def parse_parameters(raw: str | list[Any] | None) -> dict[str, Any]:
    """Seldon's typed parameters: ``[{"name": .., "value": "..", "type": INT|FLOAT|DOUBLE|STRING|BOOL}]``."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise SeldonMicroserviceException(
                f"Bad model parameters: not JSON ({error})", reason=BAD_PARAMETER
            ) from None
    if not isinstance(raw, list):
        raise SeldonMicroserviceException("Bad model parameters: expected a JSON list", reason=BAD_PARAMETER)
    parsed: dict[str, Any] = {}
    for item in raw:
        if not isinstance(item, dict) or "name" not in item or "value" not in item:
            raise SeldonMicroserviceException(
                f"Bad model parameter {item!r}: expected {{\"name\", \"value\", \"type\"}}", reason=BAD_PARAMETER
            )
        parsed[str(item["name"])] = _typed(str(item["name"]), item["value"], str(item.get("type", "STRING")))
    return parsed


def _typed(name: str, value: Any, kind: str) -> Any:
    try:
        if kind == "INT":
            return int(value)
        if kind in ("FLOAT", "DOUBLE"):
            return float(value)
        if kind == "STRING":
            return str(value)
        if kind == "BOOL":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise ValueError(f"invalid truth value {value!r}")
    except ValueError as error:
        raise SeldonMicroserviceException(
            f"Bad model parameter: {name} with value {value!r} is not a valid {kind} ({error})", reason=BAD_PARAMETER
        ) from None
    raise SeldonMicroserviceException(
        f"Bad model parameter type: {kind} for {name}; valid are INT, FLOAT, DOUBLE, STRING, BOOL",
        reason=BAD_PARAMETER,
    )
