"""The executor's own REST paths, added to the wrapper's REST app (same server, same codec, same error JSON)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response

from seldon_s2i.codec import json_codec
from seldon_s2i.engine.handler import EngineHandler
from seldon_s2i.engine.metrics import EngineMetrics
from seldon_s2i.errors import describe, error_body

PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"


def _json(document: Any, status: int = 200) -> Response:
    return Response(json_codec.dumps(document), status=status, mimetype="application/json")


def add_engine_routes(app: Flask, handler: EngineHandler, metrics: EngineMetrics) -> None:
    @app.get("/live")
    def live() -> Response:
        return Response("live", mimetype="text/plain")

    @app.get("/ready")
    def ready() -> Response:
        down = handler.unreachable_nodes()
        if down:
            return _json(error_body(f"graph nodes not reachable: {', '.join(down)}", "GRAPH_NODE_UNAVAILABLE"), 503)
        return Response("ready", mimetype="text/plain")

    def exposition() -> Response:
        return Response(metrics.exposition(), mimetype=PROMETHEUS)

    app.add_url_rule("/metrics", "engine_metrics", exposition, methods=["GET"])
    app.add_url_rule("/prometheus", "engine_prometheus", exposition, methods=["GET"])

    def node_metadata(model: str) -> Response:
        try:
            return _json(handler.node_metadata(model))
        except Exception as error:
            status, reason, message = describe(error)
            return _json(error_body(message, reason), status)

    app.add_url_rule("/api/v1.0/metadata/<model>", "engine_node_metadata_v1", node_metadata, methods=["GET"])
    app.add_url_rule("/api/v0.1/metadata/<model>", "engine_node_metadata_v01", node_metadata, methods=["GET"])
