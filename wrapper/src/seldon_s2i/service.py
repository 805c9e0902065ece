"""The Seldon protocol operations of one user class: the wrapper's :class:`~seldon_s2i.handler.Handler`.

A transport hands in an :class:`Inbound` (its raw request plus the codec that
decodes it) and gets back either a :class:`Message` to encode or a
:class:`Raw` value from a ``*_raw`` method to send as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from seldon_s2i.codec import meta as meta_rules
from seldon_s2i.codec import raw_answer, response
from seldon_s2i.codec.base import Inbound, Outbound, Raw
from seldon_s2i.codec.message import DataKind, Feedback, Message
from seldon_s2i.component import metadata as metadata_rules
from seldon_s2i.component.adapter import Component, UserResult, validate_metrics
from seldon_s2i.errors import SeldonMicroserviceException
from seldon_s2i.metrics import MetricsRecorder
from seldon_s2i.unit import UnitInfo

__all__ = ["METHOD_LABELS", "Inbound", "Outbound", "Raw", "SeldonService", "ServiceOptions"]

# Prometheus `method` label of each operation, as Seldon names them.
METHOD_LABELS = {
    "predict": "predict",
    "transform_input": "inputtransform",
    "transform_output": "outputtransform",
    "route": "router",
    "aggregate": "aggregate",
    "send_feedback": "feedback",
    "health_status": "health",
}


@dataclass(frozen=True, slots=True)
class ServiceOptions:
    include_metrics_in_response: bool = True
    model_metadata: str | None = None  # MODEL_METADATA (YAML)


class SeldonService:
    """Serves one instance of the user's class (a :class:`Component`) with Seldon's answers and metrics."""

    def __init__(
        self, component: Component, unit: UnitInfo, recorder: MetricsRecorder, options: ServiceOptions
    ) -> None:
        self.component = component
        self.unit = unit
        self.recorder = recorder
        self.options = options
        self._metadata: dict[str, Any] | SeldonMicroserviceException | None = None

    # ---- operations -------------------------------------------------------------------------------------------
    def predict(self, inbound: Inbound) -> Outbound:
        return self._transform("predict", inbound)

    def transform_input(self, inbound: Inbound) -> Outbound:
        return self._transform("transform_input", inbound)

    def transform_output(self, inbound: Inbound) -> Outbound:
        return self._transform("transform_output", inbound)

    def route(self, inbound: Inbound) -> Outbound:
        outcome = self.component.route(inbound)
        return self._respond("route", outcome, lambda: [inbound.message], copy_incoming=False)

    def aggregate(self, inbound: Inbound) -> Outbound:
        decoded: list[Message] = []

        def messages() -> list[Message]:
            if not decoded:
                decoded.extend(inbound.codec.decode_message_list(inbound.raw))
                if not decoded:
                    raise SeldonMicroserviceException("Aggregate needs at least one message")
            return decoded

        outcome = self.component.aggregate(inbound, messages)
        return self._respond("aggregate", outcome, messages)

    def send_feedback(self, inbound: Inbound) -> Outbound:
        decoded: list[Feedback] = []

        def feedback() -> Feedback:
            if not decoded:
                decoded.append(inbound.codec.decode_feedback(inbound.raw))
            return decoded[0]

        # Checked and counted before the component runs, as Seldon does: a refused feedback counts no reward.
        self.recorder.feedback(feedback().reward)
        outcome = self.component.send_feedback(
            inbound, feedback, lambda: inbound.codec.to_proto(inbound.raw, "feedback"), self.unit.unit_id or "0"
        )
        request = feedback().request
        # The answer's encoding mirrors the feedback's request, as for a prediction.
        return self._respond("send_feedback", outcome, lambda: [request] if request else [], copy_incoming=False)

    def health_status(self) -> Outbound:
        return self._respond("health_status", self.component.health_status(), list, kind=DataKind.NONE)

    def ready(self) -> bool:
        return True  # load() has run before the servers start

    def error_blueprint(self) -> object | None:
        # Seldon's hook for custom error answers: a Flask Blueprint as the class attribute model_error_handler.
        return getattr(self.component.user, "model_error_handler", None)

    def record_request(self, method: str, transport: str, code: int | str, seconds: float, /) -> None:
        self.recorder.request(method, transport, code, seconds)

    def graph_metadata(self) -> dict[str, Any]:
        raise SeldonMicroserviceException(
            "GraphMetadata is served by the graph orchestrator, not a single component", status_code=501
        )

    def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            try:
                self._metadata = metadata_rules.build(
                    self.component.init_metadata(), self.options.model_metadata, self.unit.image
                )
            except SeldonMicroserviceException as error:
                self._metadata = error
        if isinstance(self._metadata, SeldonMicroserviceException):
            raise self._metadata
        return self._metadata

    # ---- shared -----------------------------------------------------------------------------------------------
    def _transform(self, name: str, inbound: Inbound) -> Outbound:
        outcome = self.component.transform(name, inbound)
        return self._respond(name, outcome, lambda: [inbound.message])

    def _respond(
        self,
        name: str,
        outcome: Raw | UserResult,
        incoming: Callable[[], list[Message]],
        copy_incoming: bool = True,
        kind: DataKind | None = None,
    ) -> Outbound:
        method = METHOD_LABELS[name]
        if isinstance(outcome, Raw):
            self._record_raw_metrics(outcome, method)
            return outcome
        self.recorder.record(outcome.metrics, method)
        messages = incoming()
        own_metrics = outcome.metrics if self.options.include_metrics_in_response else []
        merged = meta_rules.merge(
            (m.meta for m in messages), outcome.tags, own_metrics, self.unit.request_path, copy_incoming
        )
        request_kind = kind if kind is not None else (messages[0].kind if messages else DataKind.NONE)
        return response.build(outcome.data, request_kind, self.component.class_names(), merged)

    def _record_raw_metrics(self, outcome: Raw, method: str) -> None:
        """Record ``meta.metrics`` a *_raw method put in its answer; drop them from it if so configured."""
        metrics = raw_answer.take_metrics(outcome.value, keep=self.options.include_metrics_in_response)
        if metrics:
            self.recorder.record(validate_metrics(metrics), method)
