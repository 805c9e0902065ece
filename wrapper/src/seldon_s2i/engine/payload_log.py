"""Payload logging of graph nodes (``graph.logger``), as Seldon's executor does it: CloudEvents over HTTP.

A node with ``logger: {mode: all|request|response, url: ...}`` has what it is sent (a
``request`` event, before the call) and what it answers (a ``response`` event) POSTed to
the logger's URL, else to ``REQUEST_LOGGER_DEFAULT_ENDPOINT`` (Seldon: ``http://default-broker``);
with ``response`` or ``all`` the feedback it gets is logged too. Each event is a CloudEvent
in binary mode: the payload as sent on the wire (JSON, or serialized protobuf for gRPC
requests), ``Ce-*`` headers naming the event, the node, the request's puid, the
deployment, its namespace and the predictor. A request with the header
``Seldon-Skip-Logging: true`` is not logged. Logging never delays or fails a request:
events wait in a bounded queue (``seldon.io/executor-logger-queue-size``) and are sent by
background threads with a timeout (``seldon.io/executor-logger-write-timeout-ms``).
"""

from __future__ import annotations

import logging
import urllib.parse
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from seldon_graph import PredictiveUnit

from seldon_s2i.engine.background_post import BackgroundPoster
from seldon_s2i.engine.payload import Payload, Wire

REQUEST = "io.seldon.serving.inference.request"
RESPONSE = "io.seldon.serving.inference.response"
FEEDBACK = "io.seldon.serving.feedback"
SKIP_HEADER = "seldon-skip-logging"
PUID_HEADER = "seldon-puid"
CONTENT_TYPES: dict[Wire, str] = {"json": "application/json", "proto": "application/protobuf"}
_TRUE = frozenset({"1", "t", "true"})  # what Go's strconv.ParseBool takes as true (Seldon reads the header so)
WORKERS = 4

log = logging.getLogger("seldon_s2i.engine")


@dataclass(frozen=True)
class LoggerSettings:
    default_url: str
    queue_size: int
    timeout: float
    deployment: str
    namespace: str
    predictor: str
    source: str


def logger_url(unit: PredictiveUnit, default_url: str) -> str:
    return (unit.logger.url if unit.logger is not None and unit.logger.url else None) or default_url


def logs(unit: PredictiveUnit, phase: str) -> bool:
    """Whether ``unit`` logs ``phase`` ("request", or "response" which feedback follows)."""
    logger = unit.logger
    return logger is not None and logger.mode in ("all", phase)


class PayloadLogger:
    def __init__(self, settings: LoggerSettings) -> None:
        self.settings = settings
        self.poster = BackgroundPoster("payload-logger", WORKERS, settings.queue_size, settings.timeout)
        self._urls: dict[str, urllib.parse.SplitResult] = {}

    def log(self, unit: PredictiveUnit, event_type: str, payload: Payload, wire: Wire,
            headers: Mapping[str, str]) -> None:
        """Queue one event for ``unit`` (``headers``: the request's, lower-case, as forwarded to nodes)."""
        if headers.get(SKIP_HEADER, "").strip().lower() in _TRUE:
            return
        url = self._urls.get(unit.name)
        if url is None:
            url = self._urls[unit.name] = urllib.parse.urlsplit(logger_url(unit, self.settings.default_url))
        settings = self.settings
        event = {
            "Content-Type": CONTENT_TYPES[wire],
            "Ce-Specversion": "1.0",
            "Ce-Id": str(uuid.uuid4()),
            "Ce-Type": event_type,
            "Ce-Source": settings.source,
            "Ce-Time": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "Ce-Modelid": unit.name,
            "Ce-Requestid": headers.get(PUID_HEADER, ""),
            "Ce-Inferenceservicename": settings.deployment,
            "Ce-Namespace": settings.namespace,
            "Ce-Endpoint": settings.predictor,
            "Ce-Protocol": "seldon",
        }
        path = url.path or "/"
        if url.query:
            path = f"{path}?{url.query}"
        try:
            body = payload.in_wire(wire)
        except Exception as error:  # a node's raw answer with no form on this wire: not logged, not failed
            log.debug("payload logger: %s's %s not logged: %s", unit.name, event_type, error)
            return
        self.poster.post(url, path, body, event)
