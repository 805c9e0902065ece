"""The ceiling of the serving benchmark: servers that echo the request body with no Seldon logic at all.

`bare_echo:app` is a minimal Flask app (served by the same production server as our wrapper); `python
bare_echo.py grpc PORT THREADS` is a minimal grpcio server answering Seldon's Model/Predict with the request bytes.
Neither parses the payload, so they measure what the framework alone costs. Started by bench/serving.py.
"""

from __future__ import annotations

import sys
from concurrent import futures
from typing import Any

import flask
import grpc

app = flask.Flask(__name__)


@app.post("/api/v1.0/predictions")
def echo_rest() -> flask.Response:
    return flask.Response(flask.request.get_data(), content_type="application/json")


def _echo(request: bytes, context: grpc.ServicerContext) -> bytes:
    return request


def serve_grpc(port: int, threads: int) -> None:
    # Without (de)serializers the handler sees and returns raw bytes.
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=threads))
    handler: grpc.RpcMethodHandler[Any, Any] = grpc.unary_unary_rpc_method_handler(_echo)
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("seldon.protos.Model", {"Predict": handler}),)
    )
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    server.wait_for_termination()


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "grpc":
        sys.exit("usage: bare_echo.py grpc PORT THREADS")
    serve_grpc(int(sys.argv[2]), int(sys.argv[3]))
