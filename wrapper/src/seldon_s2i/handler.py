"""The Handler protocol: what the REST and gRPC transports serve.

A transport turns a request into an :class:`Inbound` (the raw request plus the
codec that reads it), calls the handler's operation and encodes what comes
back, a decoded :class:`Message` or a :class:`Raw` wire value. The wrapper's
:class:`~seldon_s2i.service.SeldonService` (one user class) implements it; so
can a graph orchestrator, which forwards raw payloads without decoding them
(``inbound.raw`` with ``inbound.codec.decode_meta``/``to_document``), and a
protocol added beside Seldon's (routes or services of its own) calls the same
handler.

Errors: an operation raises ``SeldonMicroserviceException`` (or any exception
with ``status_code``) and the transport answers Seldon's error JSON or the
matching gRPC status; the handler keeps serving.
"""

from __future__ import annotations

from typing import Any, Protocol

from seldon_s2i.codec.base import Inbound, Outbound, Raw

__all__ = ["Handler", "Inbound", "Outbound", "Raw"]


class Handler(Protocol):
    """Seldon's operations, each taking the request as received."""

    def predict(self, inbound: Inbound, /) -> Outbound: ...

    def transform_input(self, inbound: Inbound, /) -> Outbound: ...

    def transform_output(self, inbound: Inbound, /) -> Outbound: ...

    def route(self, inbound: Inbound, /) -> Outbound:
        """The chosen child's index, as a message whose data is ``[[index]]``."""
        ...

    def aggregate(self, inbound: Inbound, /) -> Outbound:
        """``inbound.raw`` is a message list: decode it with ``inbound.codec.decode_message_list``."""
        ...

    def send_feedback(self, inbound: Inbound, /) -> Outbound:
        """``inbound.raw`` is a Feedback: decode it with ``inbound.codec.decode_feedback``."""
        ...

    def health_status(self) -> Outbound:
        """The answer of ``/health/status``."""
        ...

    def ready(self) -> bool:
        """Whether to take traffic now: while not, REST ``/health/ping`` answers 503 and gRPC health checking
        ``NOT_SERVING``; requests are still answered."""
        ...

    def metadata(self) -> dict[str, Any]:
        """The model metadata document (``/metadata``, gRPC ``Metadata``/``ModelMetadata``)."""
        ...

    def graph_metadata(self) -> dict[str, Any]:
        """The graph metadata document (gRPC ``Seldon/GraphMetadata``); a single component raises 501."""
        ...

    def error_blueprint(self) -> object | None:
        """A Flask Blueprint whose error handlers answer the exceptions they name (Seldon's
        ``model_error_handler``), registered on the REST app; None for none."""
        ...

    def record_request(self, method: str, transport: str, code: int | str, seconds: float, /) -> None:
        """Called by the transport once per answered request: ``method`` is the operation's name (``predict``,
        ``send_feedback``, ``health_status``…), ``code`` the HTTP status or the gRPC status name."""
        ...
