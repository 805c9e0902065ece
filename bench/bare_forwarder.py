"""The floor of the orchestrator benchmark: a gRPC server that forwards Seldon's Predict to one model and answers
the model's bytes, with no graph logic at all (no parsing, no meta, no metrics).

    python bench/bare_forwarder.py UPSTREAM_HOST:PORT PORT THREADS

It is what any Python orchestrator built on grpcio pays per hop, whatever it does: bench/engine.py measures
seldon-engine's gRPC chains against it.
"""

from __future__ import annotations

import sys
from concurrent import futures
from typing import Any

import grpc


def serve(upstream: str, port: int, threads: int) -> None:
    channel = grpc.insecure_channel(upstream)
    predict: Any = channel.unary_unary("/seldon.protos.Model/Predict")  # no (de)serializers: bytes in and out

    def forward(request: bytes, context: grpc.ServicerContext) -> bytes:
        answer: bytes = predict(request, timeout=60)
        return answer

    handler: grpc.RpcMethodHandler[Any, Any] = grpc.unary_unary_rpc_method_handler(forward)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=threads))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("seldon.protos.Seldon", {"Predict": handler}),))
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    server.wait_for_termination()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
