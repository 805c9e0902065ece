"""The gRPC transport: one servicer of any :class:`Handler` for all seven services of ``seldon.protos``,
plus standard health checking and reflection."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent import futures
from typing import Any, cast

import grpc
from google.protobuf import message_factory
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from seldon_s2i.codec import proto_codec
from seldon_s2i.codec.base import Codec
from seldon_s2i.errors import describe, grpc_status_for
from seldon_s2i.handler import Handler, Inbound, Outbound, Raw
from seldon_s2i.protos import prediction_pb2
from seldon_s2i.transport import v2_grpc
from seldon_s2i.transport.grpc_requests import lenient_parser, refusing_malformed
from seldon_s2i.v2_service import V2Service

log = logging.getLogger(__name__)

CODEC: Codec = proto_codec
SERVICES = ("Generic", "Model", "Router", "Transformer", "OutputTransformer", "Combiner", "Seldon")
SERVICE_NAMES = tuple(prediction_pb2.DESCRIPTOR.services_by_name[name].full_name for name in SERVICES)


class SeldonServicer:
    """Implements every rpc of Generic, Model, Router, Transformer, OutputTransformer, Combiner and Seldon."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    def _call(
        self, name: str, operation: Callable[[Inbound], Outbound], request: Any, context: grpc.ServicerContext
    ) -> Any:
        start = time.perf_counter()
        inbound = Inbound(request, CODEC, "grpc", _Metadata(context))
        try:
            outcome = operation(inbound)
            answer = proto_codec.encode_raw(outcome.value) if isinstance(outcome, Raw) else proto_codec.encode_message_bytes(outcome)
        except Exception as error:
            self.handler.record_request(name, "grpc", _abort_code(error).name, time.perf_counter() - start)
            _send_answer_headers(context, inbound)
            _abort(context, error)
        _send_answer_headers(context, inbound)
        self.handler.record_request(name, "grpc", "OK", time.perf_counter() - start)
        return answer

    def Predict(self, request: Any, context: grpc.ServicerContext) -> Any:
        return self._call("predict", self.handler.predict, request, context)

    def TransformInput(self, request: Any, context: grpc.ServicerContext) -> Any:
        return self._call("transform_input", self.handler.transform_input, request, context)

    def TransformOutput(self, request: Any, context: grpc.ServicerContext) -> Any:
        return self._call("transform_output", self.handler.transform_output, request, context)

    def Route(self, request: Any, context: grpc.ServicerContext) -> Any:
        return self._call("route", self.handler.route, request, context)

    def Aggregate(self, request: Any, context: grpc.ServicerContext) -> Any:
        return self._call("aggregate", self.handler.aggregate, request, context)

    def SendFeedback(self, request: Any, context: grpc.ServicerContext) -> Any:
        return self._call("send_feedback", self.handler.send_feedback, request, context)

    def Metadata(self, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return proto_codec.encode_raw(self.handler.metadata(), "model_metadata")
        except Exception as error:
            _abort(context, error)

    def ModelMetadata(self, request: Any, context: grpc.ServicerContext) -> Any:
        return self.Metadata(request, context)

    def GraphMetadata(self, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return proto_codec.encode_raw(self.handler.graph_metadata(), "graph_metadata")
        except Exception as error:
            _abort(context, error)


class _Metadata(Mapping[str, str]):
    """A call's invocation metadata as a mapping, read on first use (text values only)."""

    __slots__ = ("_context", "_items")

    def __init__(self, context: grpc.ServicerContext) -> None:
        self._context = context
        self._items: dict[str, str] | None = None

    def _read(self) -> dict[str, str]:
        if self._items is None:
            self._items = {key: value for key, value in self._context.invocation_metadata() or ()
                           if isinstance(value, str)}
        return self._items

    def __getitem__(self, key: str) -> str:
        return self._read()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())


def _send_answer_headers(context: grpc.ServicerContext, inbound: Inbound) -> None:
    if inbound.answer_headers:
        context.send_initial_metadata(tuple((key.lower(), value) for key, value in inbound.answer_headers.items()))


def _abort_code(error: BaseException) -> grpc.StatusCode:
    """The status for ``error``: its own ``grpc_status`` if it carries one (an orchestrator passing on a node's
    gRPC error), else the one its HTTP status says."""
    own = getattr(error, "grpc_status", None)
    if isinstance(own, grpc.StatusCode):
        return own
    status, _, _ = describe(error)
    return grpc_status_for(status)


def _abort(context: grpc.ServicerContext, error: BaseException) -> None:
    status, reason, message = describe(error)
    if status >= 500 and status != 501:  # 501: asked for what this handler does not serve, not a failure
        log.error("rpc failed: %s", message, exc_info=error)
    context.set_trailing_metadata((("seldon-reason", reason), ("seldon-http-status", str(status))))
    context.abort(_abort_code(error), message)


def server_options(max_message_bytes: int) -> list[tuple[str, Any]]:
    return [
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.so_reuseport", 1),
    ]


def _serialize(answer: Any) -> bytes:
    # Handlers may answer with an already serialized message (the codec's tensor fast path).
    return answer if isinstance(answer, bytes) else bytes(answer.SerializeToString())


def _handlers(servicer: SeldonServicer) -> list[grpc.GenericRpcHandler]:
    """Method handlers for every rpc of the Seldon services, all bound to one servicer."""
    handlers = []
    for service in SERVICES:
        descriptor = prediction_pb2.DESCRIPTOR.services_by_name[service]
        methods = {
            method.name: grpc.unary_unary_rpc_method_handler(
                refusing_malformed(getattr(servicer, method.name)),
                request_deserializer=lenient_parser(message_factory.GetMessageClass(method.input_type)),
                response_serializer=_serialize,
            )
            for method in descriptor.methods
        }
        handlers.append(grpc.method_handlers_generic_handler(descriptor.full_name, methods))
    return handlers


class ReadinessHealth(health.HealthServicer):
    """Standard health checking that answers NOT_SERVING while the handler is not ready (as ``/health/ping``
    answers 503 over REST), e.g. an orchestrator whose children cannot be reached yet."""

    def __init__(self, handler: Handler) -> None:
        super().__init__()
        self._ready = handler.ready

    def Check(self, request: health_pb2.HealthCheckRequest, context: Any) -> Any:
        if not self._ready():
            return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.NOT_SERVING)
        return super().Check(request, context)


def build_server(
    handler: Handler,
    address: str,
    threads: int,
    max_message_bytes: int,
    v2: V2Service | None = None,
    seldon: bool = True,
    executor: futures.Executor | None = None,
) -> grpc.Server:
    """A grpcio server serving ``handler`` as the Seldon services (unless not ``seldon``) and ``v2`` as the Open
    Inference Protocol's GRPCInferenceService (if given), with standard health checking and reflection, bound
    to ``address``; calls run on ``executor``, else on ``threads`` threads."""
    # grpcio's stubs ask for a ThreadPoolExecutor; it only calls submit().
    pool = cast(futures.ThreadPoolExecutor, executor) if executor is not None else None
    server = grpc.server(
        pool or futures.ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="seldon-grpc"),
        options=server_options(max_message_bytes),
    )
    names: tuple[str, ...] = SERVICE_NAMES if seldon else ()
    if seldon:
        server.add_generic_rpc_handlers(tuple(_handlers(SeldonServicer(handler))))
    if v2 is not None:
        server.add_generic_rpc_handlers((v2_grpc.handler(v2),))
        names = (*names, v2_grpc.SERVICE_NAME)
    health_servicer = ReadinessHealth(handler)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for name in ("", *names):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    reflection.enable_server_reflection((*names, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    if server.add_insecure_port(address) == 0:
        raise OSError(f"cannot bind gRPC to {address}")
    return server
