"""``seldon-engine``: serve a predictor's graph on Seldon's external API with the wrapper's transports.

One serving process (granian's WSGI worker) holds the :class:`EngineHandler`, the REST
app of :func:`seldon_s2i.transport.rest.create_app` with the executor's own paths added
(/ready, /live, /metrics, /prometheus, per-node metadata) and the gRPC server of
:func:`seldon_s2i.transport.grpc_server.build_server` (``seldon.protos.Seldon`` with
health checking and reflection). The graph is parsed and checked before anything
listens: a bad graph exits with status 2 and one line per problem.
"""

from __future__ import annotations

import atexit
import logging
import sys
from collections.abc import Sequence
from typing import Any

from seldon_s2i.engine.settings import EngineConfigError, EngineSettings, parse
from seldon_s2i.listening import unavailable_port

log = logging.getLogger("seldon_s2i.engine")


def _fail(message: str) -> int:
    print(f"seldon-engine: error: {message}", file=sys.stderr)
    return 2


def _taken_port(settings: EngineSettings) -> str | None:
    return unavailable_port(settings.host, (("REST (--http-port)", settings.http_port),
                                            ("gRPC (--grpc-port)", settings.grpc_port)))


def describe_graph(settings: EngineSettings) -> list[str]:
    """One line per node: what it is called for and where."""
    lines = []
    for path, node in settings.predictor.nodes():
        calls = node.calls()
        steps = [step for step in (calls.input, calls.route and f"route:{calls.route}",
                                   calls.aggregate and "aggregate", calls.output and "transform-output",
                                   calls.feedback and "send-feedback") if step]
        endpoint = node.endpoint
        where = "built in" if node.implementation == "RANDOM_ABTEST" or endpoint is None else \
            f"{endpoint.service_host} http={endpoint.port_for('REST') or '-'} grpc={endpoint.port_for('GRPC') or '-'}"
        lines.append(f"{path} {node.name!r}: {', '.join(steps) or 'passes the message on'} ({where})")
    return lines


def build_app(settings: EngineSettings) -> Any:
    """The engine's handler, gRPC server (started) and REST app, in the serving process."""
    from seldon_s2i.engine.handler import EngineHandler
    from seldon_s2i.engine.metrics import EngineMetrics
    from seldon_s2i.engine.routes import add_engine_routes
    from seldon_s2i.transport.grpc_server import build_server
    from seldon_s2i.transport.rest import create_app

    images = {container.name: container.image or "" for container in settings.predictor.containers().values()}
    metrics = EngineMetrics(settings.deployment, settings.predictor.name,
                            (settings.predictor.annotations or {}).get("version", ""), images)
    handler = EngineHandler(settings, metrics)
    grpc_server = build_server(handler, f"{settings.host}:{settings.grpc_port}", settings.grpc_threads,
                               settings.max_message_bytes)
    grpc_server.start()
    atexit.register(lambda: grpc_server.stop(1))
    app = create_app(handler, max_request_bytes=settings.max_message_bytes, payload_passthrough=True)
    add_engine_routes(app, handler, metrics)
    return app


def serve(settings: EngineSettings) -> None:
    import multiprocessing

    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    multiprocessing.set_start_method("fork", force=True)  # the worker inherits the parsed settings
    server = Server(
        target="seldon_engine",
        address=settings.host,
        port=settings.http_port,
        interface=Interfaces.WSGI,
        workers=1,  # one process owns the node connections and the gRPC port
        blocking_threads=settings.threads,
        log_level=LogLevels(settings.log_level.lower()),
        log_access=False,
        websockets=False,
        respawn_failed_workers=False,
        workers_kill_timeout=5,
    )
    server.serve(target_loader=lambda _target: build_app(settings))


def main(argv: Sequence[str] | None = None) -> int:
    try:
        settings = parse(argv)
    except EngineConfigError as error:
        return _fail(str(error))
    logging.basicConfig(level=settings.log_level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s")
    taken = _taken_port(settings)
    if taken:
        return _fail(taken)
    log.info("serving predictor %r: REST %s:%d, gRPC %s:%d", settings.predictor.name, settings.host,
             settings.http_port, settings.host, settings.grpc_port)
    for line in describe_graph(settings):
        log.info("  %s", line)
    serve(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
