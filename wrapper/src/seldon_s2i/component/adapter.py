"""Calls the user's methods with Seldon's signatures, preferences and fallbacks.

Order of preference for each call: the deprecated transport-specific method
(``predict_rest``/``predict_grpc``), then ``*_raw`` (the whole message, as a
dict over REST or a proto over gRPC), then the high-level method (decoded
payload), then Seldon's fallback. A method raising SeldonNotImplementedError
counts as absent.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from seldon_s2i.codec.base import Inbound, Raw
from seldon_s2i.codec.message import Feedback, Message
from seldon_s2i.component.contract import implemented
from seldon_s2i.errors import BAD_DATA, BAD_METRIC, SeldonMicroserviceException, SeldonNotImplementedError
from seldon_s2i.user_model import SeldonResponse

log = logging.getLogger(__name__)

METRIC_TYPES = ("COUNTER", "GAUGE", "TIMER")


@dataclass(slots=True)
class UserResult:
    """A high-level method's return value with this request's tags and metrics."""

    data: Any
    tags: dict[str, Any] = field(default_factory=dict)
    metrics: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class _Family:
    transport_specific: dict[str, Callable[..., Any] | None]
    raw: Callable[..., Any] | None
    high_level: Callable[..., Any] | None
    passes_meta: bool


def _passes_meta(function: Callable[..., Any] | None) -> bool:
    """Whether ``function`` takes a ``meta`` keyword (decided once, not by retrying on TypeError)."""
    if function is None:
        return False
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind is inspect.Parameter.VAR_KEYWORD or p.name == "meta" for p in parameters)


def validate_metrics(metrics: Any) -> list[dict[str, Any]]:
    if not isinstance(metrics, list | tuple):
        raise SeldonMicroserviceException(
            f"Bad metrics: expected a list, got {type(metrics).__name__}", status_code=500, reason=BAD_METRIC
        )
    for metric in metrics:
        problem = None
        if not isinstance(metric, dict):
            problem = "each metric must be a dict"
        elif metric.get("type", "COUNTER") not in METRIC_TYPES:
            problem = f"type must be one of {', '.join(METRIC_TYPES)}"
        elif not isinstance(metric.get("key"), str) or not metric["key"]:
            problem = "key must be a non-empty string"
        elif isinstance(metric.get("value"), bool) or not isinstance(metric.get("value"), int | float | np.number):
            problem = "value must be a number"
        elif not isinstance(metric.get("tags", {}), dict):
            problem = "tags must be a dict of strings"
        if problem:
            raise SeldonMicroserviceException(f"Bad metric {metric!r}: {problem}", status_code=500, reason=BAD_METRIC)
    return list(metrics)


class Component:
    """One instance of the user's class, wrapped for the wrapper's handlers."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self._families = {
            name: self._family(name)
            for name in ("predict", "transform_input", "transform_output", "route", "aggregate", "send_feedback")
        }
        self._health_raw = implemented(user, "health_status_raw")
        self._health = implemented(user, "health_status")
        self._tags = implemented(user, "tags")
        self._metrics = implemented(user, "metrics")
        self._init_metadata = implemented(user, "init_metadata")
        self._class_names_method = implemented(user, "class_names")

    def _family(self, name: str) -> _Family:
        high_level = implemented(self.user, name)
        return _Family(
            transport_specific={t: implemented(self.user, f"{name}_{t}") for t in ("rest", "grpc")},
            raw=implemented(self.user, f"{name}_raw"),
            high_level=high_level,
            passes_meta=_passes_meta(high_level),
        )

    # ---- life cycle -------------------------------------------------------------------------------------------
    def load(self) -> None:
        load = implemented(self.user, "load")
        if load is None:
            return
        with contextlib.suppress(NotImplementedError, SeldonNotImplementedError):
            load()

    def has(self, name: str) -> bool:
        family = self._families[name]
        return bool(family.raw or family.high_level or any(family.transport_specific.values()))

    # ---- shared helpers ---------------------------------------------------------------------------------------
    def class_names(self) -> list[str] | None:
        if self._class_names_method is not None:
            try:
                return list(self._class_names_method())
            except SeldonNotImplementedError:
                return None
        names = getattr(self.user, "class_names", None)
        return list(names) if isinstance(names, list | tuple) else None

    def static_tags(self) -> dict[str, Any]:
        if self._tags is None:
            return {}
        try:
            tags = self._tags()
        except SeldonNotImplementedError:
            return {}
        if not isinstance(tags, dict):
            raise SeldonMicroserviceException("tags() must return a dict", status_code=500)
        return tags

    def static_metrics(self) -> list[dict[str, Any]]:
        if self._metrics is None:
            return []
        try:
            return validate_metrics(self._metrics())
        except SeldonNotImplementedError:
            return []

    def _user_result(self, result: Any) -> UserResult:
        runtime = SeldonResponse.create(result)
        tags = self.static_tags()
        tags.update(runtime.tags or {})
        metrics = self.static_metrics()
        if runtime.metrics:
            metrics.extend(validate_metrics(runtime.metrics))
        return UserResult(runtime.data, tags, metrics)

    def _preferred(self, name: str, inbound: Inbound, argument: Callable[[], Any]) -> Raw | None:
        family = self._families[name]
        specific = family.transport_specific.get(inbound.transport)
        if specific is not None:
            return Raw(specific(argument()))
        if family.raw is not None:
            try:
                return Raw(family.raw(argument()))
            except SeldonNotImplementedError:
                pass
        return None

    def _call_high_level(self, name: str, message: Message) -> Any:
        family = self._families[name]
        assert family.high_level is not None
        if family.passes_meta:
            return family.high_level(message.value, message.names, meta=message.meta)
        return family.high_level(message.value, message.names)

    # ---- the calls --------------------------------------------------------------------------------------------
    def transform(self, name: str, inbound: Inbound) -> Raw | UserResult:
        """predict, transform_input or transform_output (same shape of call)."""
        raw = self._preferred(name, inbound, lambda: inbound.raw)
        if raw is not None:
            return raw
        message = inbound.message
        if self._families[name].high_level is not None:
            try:
                return self._user_result(self._call_high_level(name, message))
            except SeldonNotImplementedError:
                pass
        # Seldon's fallbacks: a model without predict answers [], a transformer passes its input through.
        return self._user_result([] if name == "predict" else message.value)

    def route(self, inbound: Inbound) -> Raw | UserResult:
        raw = self._preferred("route", inbound, lambda: inbound.raw)
        if raw is not None:
            return raw
        message = inbound.message
        if self._families["route"].high_level is not None:
            try:
                result = self._user_result(self._call_high_level("route", message))
            except SeldonNotImplementedError:
                result = None
            if result is not None:
                choice = result.data
                if isinstance(choice, np.integer):
                    choice = int(choice)
                if not isinstance(choice, int) or isinstance(choice, bool):
                    raise SeldonMicroserviceException(
                        f"Routing response must be int but got {choice!r}", reason=BAD_DATA
                    )
                result.data = np.array([[choice]])
                return result
        raise SeldonMicroserviceException("Route not defined")

    def aggregate(self, inbound: Inbound, messages: Callable[[], list[Message]]) -> Raw | UserResult:
        raw = self._preferred("aggregate", inbound, lambda: inbound.raw)
        if raw is not None:
            return raw
        high_level = self._families["aggregate"].high_level
        if high_level is not None:
            decoded = messages()
            try:
                return self._user_result(high_level([m.value for m in decoded], [m.names for m in decoded]))
            except SeldonNotImplementedError:
                pass
        raise SeldonMicroserviceException("Aggregate not defined")

    def send_feedback(
        self, inbound: Inbound, feedback: Callable[[], Feedback], as_proto: Callable[[], Any], unit_id: str
    ) -> Raw | UserResult:
        raw = self._preferred("send_feedback", inbound, as_proto)
        if raw is not None:
            return raw
        high_level = self._families["send_feedback"].high_level
        if high_level is None:
            return self._user_result([])
        decoded = feedback()
        features, names = _default_data(decoded.request)
        truth, _ = _default_data(decoded.truth)
        routing = None
        if decoded.response is not None:
            routing = (decoded.response.meta.get("routing") or {}).get(unit_id)
        try:
            result = high_level(features, names, decoded.reward, truth, routing=routing)
        except SeldonNotImplementedError:
            result = []
        return self._user_result([] if result is None else result)

    def health_status(self) -> Raw | UserResult:
        if self._health_raw is not None:
            try:
                return Raw(self._health_raw())
            except SeldonNotImplementedError:
                pass
        if self._health is None:
            return self._user_result("healthy")
        try:
            return self._user_result(self._health())
        except SeldonNotImplementedError:
            return self._user_result("not implemented - assuming healthy")

    def init_metadata(self) -> dict[str, Any]:
        if self._init_metadata is None:
            return {}
        try:
            metadata = self._init_metadata()
        except SeldonNotImplementedError:
            return {}
        return metadata if metadata is not None else {}


def _default_data(message: Message | None) -> tuple[Any, list[str]]:
    if message is None or not message.kind.is_default_data:
        return np.array([]), []
    return message.value, message.names
