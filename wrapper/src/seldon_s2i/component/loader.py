"""Find the user's class and turn typed Seldon parameters into constructor arguments."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import orjson
from seldon_graph import PARAMETER_TYPES, ParameterError, typed_value

from seldon_s2i.errors import BAD_PARAMETER, ComponentContractError, SeldonMicroserviceException


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
    """Seldon's conversion (``seldon_graph`` owns the types and the BOOL words), with Seldon's error wording."""
    if kind not in PARAMETER_TYPES:
        raise SeldonMicroserviceException(
            f"Bad model parameter type: {kind} for {name}; valid are {', '.join(PARAMETER_TYPES)}",
            reason=BAD_PARAMETER,
        )
    try:
        return typed_value(name, value, kind)
    except ParameterError as error:
        raise SeldonMicroserviceException(
            f"Bad model parameter: {name} with value {value!r} is not a valid {kind} ({error.reason})",
            reason=BAD_PARAMETER,
        ) from None
