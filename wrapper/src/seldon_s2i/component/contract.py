"""What the user's class must offer, checked before serving (and at build time).

Seldon serves every endpoint whatever ``--service-type`` says, and a graph's node type (not the
container's service type) decides which method is called; Seldon's own graph examples use one generic
image with ``SERVICE_TYPE=MODEL`` for every node. So only a class with none of Seldon's methods is
refused (the misspelt-``predict`` case this check exists for); a class lacking its service type's own
method starts with a warning naming it.
"""

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


# Seldon's high-level methods; each is also satisfied by its *_raw form and the deprecated *_rest / *_grpc ones.
METHODS = ("predict", "transform_input", "transform_output", "route", "aggregate", "send_feedback")
# The methods a service type calls; any one of them satisfies it (Seldon users build an output transformer as
# SERVICE_TYPE=TRANSFORMER with only transform_output, since Seldon's CLI has no OUTPUT_TRANSFORMER).
REQUIREMENTS: dict[ServiceType, tuple[str, ...]] = {
    ServiceType.MODEL: ("predict",),
    ServiceType.ROUTER: ("route",),
    ServiceType.COMBINER: ("aggregate",),
    ServiceType.TRANSFORMER: ("transform_input", "transform_output"),
    ServiceType.OUTPUT_TRANSFORMER: ("transform_output",),
    ServiceType.OUTLIER_DETECTOR: ("transform_input",),
}
# Positional arguments (besides self) Seldon passes to the methods a service type calls: X and feature names.
ARITY = 2


def implemented(target: Any, name: str) -> Callable[..., Any] | None:
    """The callable ``name`` of a user object or class, unless absent or inherited unchanged from SeldonComponent."""
    attribute: Callable[..., Any] | None = getattr(target, name, None)
    if attribute is None or not callable(attribute):
        return None
    function = getattr(attribute, "__func__", attribute)
    if function is SeldonComponent.__dict__.get(name):
        return None
    return attribute


def _variants(method: str) -> tuple[str, ...]:
    return (f"{method}_raw", f"{method}_rest", f"{method}_grpc")


def _serves(component_class: type, method: str) -> bool:
    return any(implemented(component_class, name) for name in (method, *_variants(method)))


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


def _wanted(methods: tuple[str, ...]) -> str:
    return " or ".join(f"{m}(self, X, feature_names, **kwargs) or {m}_raw(self, message)" for m in methods)


def check(component_class: type, service_type: ServiceType) -> list[str]:
    """Warnings about ``component_class`` serving as ``service_type``; ComponentContractError if it cannot serve at all."""
    name = component_class.__name__
    if not any(_serves(component_class, method) for method in METHODS):
        raise ComponentContractError(
            f"class {name} cannot serve as {service_type.value}: it has none of Seldon's methods "
            f"({', '.join(METHODS)}, or their _raw forms); is one misspelt? It needs {_wanted(REQUIREMENTS[service_type])}"
        )
    wanted = REQUIREMENTS[service_type]
    for method in wanted:
        function = implemented(component_class, method)
        if function is None or any(implemented(component_class, v) for v in _variants(method)):
            continue  # a *_raw (or deprecated) form is called instead of the high-level method
        if not _accepts_positional(function, ARITY, bound=not inspect.isfunction(function)):
            raise ComponentContractError(
                f"{name}.{method} must accept {ARITY} positional arguments besides self; "
                f"its signature is {method}{inspect.signature(function)}"
            )
    if any(_serves(component_class, method) for method in wanted):
        return []
    return [
        f"class {name} is declared {service_type.value} but has no {_wanted(wanted)}: those calls get Seldon's "
        f"fallback answer; it still serves the methods it has (a graph's node type decides which are called)"
    ]
