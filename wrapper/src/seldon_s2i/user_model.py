"""The public API a component may use (all optional: plain classes work by duck typing)."""

from __future__ import annotations

from typing import Any

from seldon_s2i.errors import SeldonMicroserviceException, SeldonNotImplementedError

__all__ = ["SeldonComponent", "SeldonMicroserviceException", "SeldonNotImplementedError", "SeldonResponse"]


class SeldonResponse:
    """A high-level method's result with tags and metrics that belong to this one request."""

    def __init__(self, data: Any, tags: dict[str, Any] | None = None, metrics: list[dict[str, Any]] | None = None):
        self.data = data
        self.tags = tags
        self.metrics = metrics

    @classmethod
    def create(cls, data: Any) -> SeldonResponse:
        return data if isinstance(data, SeldonResponse) else cls(data)


class SeldonComponent:
    """Optional base class; every method says "not implemented", so the wrapper's fallbacks apply."""

    def __init__(self, **kwargs: Any) -> None:
        pass

    def load(self) -> None:
        pass

    def tags(self) -> dict[str, Any]:
        raise SeldonNotImplementedError("tags is not implemented")

    def class_names(self) -> list[str]:
        raise SeldonNotImplementedError("class_names is not implemented")

    def metrics(self) -> list[dict[str, Any]]:
        raise SeldonNotImplementedError("metrics is not implemented")

    def predict(self, X: Any, names: list[str], **kwargs: Any) -> Any:
        raise SeldonNotImplementedError("predict is not implemented")

    def predict_raw(self, msg: Any) -> Any:
        raise SeldonNotImplementedError("predict_raw is not implemented")

    def transform_input(self, X: Any, names: list[str], **kwargs: Any) -> Any:
        raise SeldonNotImplementedError("transform_input is not implemented")

    def transform_input_raw(self, msg: Any) -> Any:
        raise SeldonNotImplementedError("transform_input_raw is not implemented")

    def transform_output(self, X: Any, names: list[str], **kwargs: Any) -> Any:
        raise SeldonNotImplementedError("transform_output is not implemented")

    def transform_output_raw(self, msg: Any) -> Any:
        raise SeldonNotImplementedError("transform_output_raw is not implemented")

    def route(self, features: Any, feature_names: list[str], **kwargs: Any) -> int:
        raise SeldonNotImplementedError("route is not implemented")

    def route_raw(self, msg: Any) -> Any:
        raise SeldonNotImplementedError("route_raw is not implemented")

    def aggregate(self, features_list: list[Any], feature_names_list: list[list[str]]) -> Any:
        raise SeldonNotImplementedError("aggregate is not implemented")

    def aggregate_raw(self, msgs: Any) -> Any:
        raise SeldonNotImplementedError("aggregate_raw is not implemented")

    def send_feedback(
        self, features: Any, feature_names: list[str], reward: float, truth: Any, routing: int | None = None
    ) -> Any:
        raise SeldonNotImplementedError("send_feedback is not implemented")

    def send_feedback_raw(self, feedback: Any) -> Any:
        raise SeldonNotImplementedError("send_feedback_raw is not implemented")

    def health_status(self) -> Any:
        raise SeldonNotImplementedError("health_status is not implemented")

    def health_status_raw(self) -> Any:
        raise SeldonNotImplementedError("health_status_raw is not implemented")

    def init_metadata(self) -> dict[str, Any]:
        raise SeldonNotImplementedError("init_metadata is not implemented")
