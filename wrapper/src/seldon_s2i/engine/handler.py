"""The orchestrator as a :class:`~seldon_s2i.handler.Handler`: the same REST and gRPC transports as a component.

The transports call the handler from their worker threads and the walk runs right there
(:mod:`seldon_s2i.engine.walk`), over keep-alive connections and shared gRPC channels to
the nodes (:mod:`seldon_s2i.engine.clients`); a fan-out to several children runs them at
the same time.

What the caller gets back beyond the last node's answer:

- ``meta.routing``: every router's choice and -1 for every node that took the message
  (Seldon returns it only when ``SELDON_ENABLE_ROUTING_INJECTION`` is set; we always do,
  so that a client can send it back with its feedback and a bandit router learns);
- ``meta.puid``: the request's ``Seldon-Puid`` header (or the puid the message already
  carries), else a new UUID; the header goes to every node and back to the caller.

Request headers are forwarded to every node except those that describe the connection
or the body (Content-Type, Content-Length, Host, ...), as Seldon's executor does.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any

from seldon_s2i.codec.base import Inbound, Raw
from seldon_s2i.engine import walk
from seldon_s2i.engine.errors import GraphError
from seldon_s2i.engine.metadata import graph_metadata
from seldon_s2i.engine.payload import Payload, Wire
from seldon_s2i.engine.payload_log import PayloadLogger
from seldon_s2i.engine.shadow import Shadows
from seldon_s2i.engine.topology import build_graph
from seldon_s2i.errors import SeldonMicroserviceException

log = logging.getLogger("seldon_s2i.engine")

PUID_HEADER = "seldon-puid"
_NOT_FORWARDED = frozenset({
    "content-type", "content-length", "host", "connection", "keep-alive", "transfer-encoding", "te", "trailer",
    "upgrade", "expect", "accept-encoding", "proxy-connection", "user-agent", "grpc-accept-encoding",
    "grpc-timeout", "grpc-encoding", PUID_HEADER,
})
_READY_CACHE_SECONDS = 0.5


class EngineHandler:
    """Serves Seldon's external API (predictions, feedback, metadata, health) by walking the predictor's graph."""

    def __init__(self, settings: Any, metrics: Any = None) -> None:
        self.settings = settings
        self.metrics = metrics
        observe = metrics.observe_node_call if metrics is not None else None
        self.graph = build_graph(settings.predictor, settings.node_timeouts, observe)
        self.root = self.graph.root
        self.nodes = self.root.walk()
        self.shadows = Shadows(settings.shadow_urls) if getattr(settings, "shadow_urls", ()) else None
        logging_nodes = any(node.unit.logger is not None for node in self.nodes)
        logger_settings = getattr(settings, "payload_logger", None)
        self.payload_logger = PayloadLogger(logger_settings) if logging_nodes and logger_settings else None
        self._ready_at = 0.0
        self._ready = False

    def close(self) -> None:
        self.graph.close()

    # ---- requests -------------------------------------------------------------------------------------------
    def _request(self, inbound: Inbound) -> tuple[walk.Request, str]:
        lowered = {key.lower(): value for key, value in inbound.headers.items()}
        puid = lowered.get(PUID_HEADER) or str(uuid.uuid4())
        forwarded = {key: value for key, value in lowered.items()
                     if key not in _NOT_FORWARDED and not key.startswith(":") and not key.endswith("-bin")}
        forwarded[PUID_HEADER] = puid
        wire: Wire = "json" if inbound.transport == "rest" else "proto"
        inbound.answer_headers["Seldon-Puid"] = puid
        return walk.Request(forwarded, wire, logger=self.payload_logger), puid

    @staticmethod
    def _payload(inbound: Inbound, kind: Any) -> Payload:
        raw = inbound.raw
        if isinstance(raw, bytes | bytearray):
            if not raw:
                raise SeldonMicroserviceException("Empty request: send a JSON body")
            return Payload(kind, json=bytes(raw))
        if isinstance(raw, str):
            return Payload(kind, json=raw.encode())
        if inbound.transport == "rest":
            return Payload.of_document(raw, kind)
        return Payload.of_proto(inbound.codec.to_proto(raw, kind), kind)

    def predict(self, inbound: Inbound, /) -> Raw:
        request, puid = self._request(inbound)
        payload = self._payload(inbound, "message")
        if self.shadows is not None:
            self.shadows.mirror(payload.json_bytes(), request.headers)
        answer = walk.predict(self.root, payload, request)
        return self._with_meta(answer, request, puid)

    def send_feedback(self, inbound: Inbound, /) -> Raw:
        request, _ = self._request(inbound)
        payload = self._payload(inbound, "feedback")
        answer = walk.feedback(self.root, payload, _recorded_routing(inbound, payload), request)
        if answer is None:
            return Raw({} if request.prefer == "json" else inbound.codec.encode_raw({}))
        return Raw(answer.document() if request.prefer == "json" else answer.proto())

    def _with_meta(self, answer: Payload, request: walk.Request, puid: str) -> Raw:
        if request.prefer == "proto":
            message = answer.proto()
            for name, route in request.routing.items():
                message.meta.routing[name] = route
            if not message.meta.puid:
                message.meta.puid = puid
            return Raw(message)
        try:
            document = answer.document()
        except SeldonMicroserviceException:  # not JSON (a node's raw answer): passed on as the node wrote it
            return Raw(answer.json_bytes())
        if not isinstance(document, dict):
            return Raw(answer.json_bytes())  # a raw answer that is no SeldonMessage: as the node wrote it
        meta = document.get("meta")
        meta = dict(meta) if isinstance(meta, dict) else {}
        earlier = meta.get("routing")
        meta["routing"] = {**(earlier if isinstance(earlier, dict) else {}), **request.routing}
        meta.setdefault("puid", puid)
        document["meta"] = meta
        return Raw(document)

    # ---- what the orchestrator does not serve ----------------------------------------------------------------
    def _not_served(self, what: str) -> Raw:
        raise SeldonMicroserviceException(
            f"the graph orchestrator serves predictions and feedback, not {what}; call the graph node itself",
            status_code=501, reason="MICROSERVICE_NOT_IMPLEMENTED")

    def transform_input(self, inbound: Inbound, /) -> Raw:
        return self._not_served("transform-input")

    def transform_output(self, inbound: Inbound, /) -> Raw:
        return self._not_served("transform-output")

    def route(self, inbound: Inbound, /) -> Raw:
        return self._not_served("route")

    def aggregate(self, inbound: Inbound, /) -> Raw:
        return self._not_served("aggregate")

    # ---- health and metadata -----------------------------------------------------------------------------------
    def unreachable_nodes(self) -> list[str]:
        """Nodes whose port takes no connection now (Seldon's executor readiness: a TCP dial of each node)."""
        clients = [(node.name, client) for node in self.nodes for client in node.clients.values()]
        results = list(walk.FAN_OUT.map(lambda pair: pair[1].reachable(), clients))
        return sorted({f"{name} ({client.address})" for (name, client), ok in zip(clients, results, strict=True)
                       if not ok})

    def ready(self) -> bool:
        now = time.monotonic()
        if now - self._ready_at > _READY_CACHE_SECONDS:
            try:
                self._ready = not self.unreachable_nodes()
            except Exception:  # the check itself failing means not ready
                self._ready = False
            self._ready_at = now
        return self._ready

    def health_status(self) -> Raw:
        down = self.unreachable_nodes()
        if down:
            raise GraphError(down[0], f"graph nodes not reachable: {', '.join(down)}", 503, "GRAPH_NODE_UNAVAILABLE")
        return Raw(b"")

    def metadata(self) -> dict[str, Any]:
        return graph_metadata(self.settings.predictor.name, self.root)

    def graph_metadata(self) -> dict[str, Any]:
        return self.metadata()

    def node_metadata(self, name: str) -> Any:
        node = next((node for node in self.nodes if node.name == name), None)
        if node is None:
            raise SeldonMicroserviceException(f"the graph has no node {name!r}", status_code=404,
                                              reason="MICROSERVICE_NOT_FOUND")
        return node.client("json").metadata()

    def error_blueprint(self) -> object | None:
        return None

    def record_request(self, method: str, transport: str, code: int | str, seconds: float, /) -> None:
        if self.metrics is not None:
            self.metrics.observe_request(method, transport, code, seconds)


def _recorded_routing(inbound: Inbound, payload: Payload) -> Mapping[str, Any]:
    """``response.meta.routing`` of a Feedback, read from what the transport already parsed."""
    raw = inbound.raw
    if hasattr(raw, "response"):  # a Feedback proto
        return dict(raw.response.meta.routing)
    document = raw if isinstance(raw, dict) else payload.document()
    response = document.get("response") if isinstance(document, dict) else None
    meta = response.get("meta") if isinstance(response, dict) else None
    routing = meta.get("routing") if isinstance(meta, dict) else None
    return routing if isinstance(routing, dict) else {}
