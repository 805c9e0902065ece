"""The Prometheus endpoint: sums every worker process's metrics (prometheus-client multiprocess mode)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.exposition import make_wsgi_app

from seldon_s2i.microservice.settings import Settings

log = logging.getLogger(__name__)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # scrapes every few seconds: keep logs clean
        log.debug("metrics: " + format, *args)


def metrics_app(paths: Iterable[str]) -> Callable[..., Any]:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    exposition = make_wsgi_app(registry)
    served = set(paths)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") in served:
            answer: Iterable[bytes] = exposition(environ, start_response)
            return answer
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: metrics are at " + ", ".join(sorted(served)).encode() + b"\n"]

    return app


class MetricsServer:
    def __init__(self, server: WSGIServer) -> None:
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="metrics", daemon=True)
        self._thread.start()

    def shutdown(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def start_metrics_server(settings: Settings) -> MetricsServer:
    app = metrics_app({"/prometheus", "/metrics", settings.metrics_endpoint})
    server = make_server(
        settings.host, settings.metrics_port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    return MetricsServer(server)
