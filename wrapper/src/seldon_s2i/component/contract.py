"""What each service type needs from the user's class, checked before serving (and at build time)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from enum import Enum
from typing import Any

from seldon_s2i.errors import ComponentContractError
from seldon_s2i.user_model import SeldonComponent


class ServiceType(str, Enum):
    MODEL = "MODEL"
    ROUTER = "ROUTER"
    COMBINER = "COMBINER"
    TRANSFORMER = "TRANSFORMER"
    OUTPUT_TRANSFORMER = "OUTPUT_TRANSFORMER"
    OUTLIER_DETECTOR = "OUTLIER_DETECTOR"  # Seldon's legacy name for an input transformer that scores outliers


# For each service type: the high-level method, its positional arguments, and the alternatives that also satisfy it.
REQUIREMENTS: dict[ServiceType, tuple[str, int, tuple[str, ...]]] = {
    ServiceType.MODEL: ("predict", 2, ("predict_raw", "predict_rest", "predict_grpc")),
    ServiceType.ROUTER: ("route", 2, ("route_raw", "route_rest", "route_grpc")),
    ServiceType.COMBINER: ("aggregate", 2, ("aggregate_raw", "aggregate_rest", "aggregate_grpc")),
    ServiceType.TRANSFORMER: ("transform_input", 2, ("transform_input_raw", "transform_input_rest", "transform_input_grpc")),
    ServiceType.OUTPUT_TRANSFORMER: (
        "transform_output",
        2,
        ("transform_output_raw", "transform_output_rest", "transform_output_grpc"),
    ),
    ServiceType.OUTLIER_DETECTOR: ("transform_input", 2, ("transform_input_raw",)),
}


def implemented(target: Any, name: str) -> Callable[..., Any] | None:
    """The callable ``name`` of a user object or class, unless absent or inherited unchanged from SeldonComponent."""
    attribute = getattr(target, name, None)
    if attribute is None or not callable(attribute):
        return None
    function = getattr(attribute, "__func__", attribute)
    if function is SeldonComponent.__dict__.get(name):
        return None
    return attribute


def _accepts_positional(function: Callable[..., Any], count: int, bound: bool) -> bool:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return True  # builtins and C extensions: cannot tell, let them run
    parameters = list(signature.parameters.values())
    if not bound and parameters:
        parameters = parameters[1:]  # self
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters):
        return True
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is inspect.Parameter.empty]
    return len(required) <= count <= len(positional)


def check(component_class: type, service_type: ServiceType) -> None:
    """Raise ComponentContractError with a clear message if the class cannot serve ``service_type``."""
    method, arity, alternatives = REQUIREMENTS[service_type]
    if any(implemented(component_class, name) for name in alternatives):
        return
    function = implemented(component_class, method)
    name = component_class.__name__
    if function is None:
        raise ComponentContractError(
            f"class {name} cannot serve as {service_type.value}: it needs a method "
            f"{method}(self, X, feature_names, **kwargs) or {alternatives[0]}(self, message)"
        )
    bound = not inspect.isfunction(function)
    if not _accepts_positional(function, arity, bound):
        raise ComponentContractError(
            f"{name}.{method} must accept {arity} positional arguments (X, feature_names) besides self; "
            f"its signature is {method}{inspect.signature(function)}"
        )
