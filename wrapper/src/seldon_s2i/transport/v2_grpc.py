"""The Open Inference Protocol (V2) gRPC service ``inference.GRPCInferenceService``, on the Seldon gRPC port.

Registered by :func:`seldon_s2i.transport.grpc_server.build_server` beside the Seldon services; failures
abort with the status code that says what the V2 REST status says (unknown model: NOT_FOUND, bad request:
INVALID_ARGUMENT, the class failing: INTERNAL or the status its exception carries).
"""

from __future__ import annotations

import logging
from typing import Any

import grpc

from seldon_s2i.codec.v2 import proto as v2_proto
from seldon_s2i.errors import describe, grpc_status_for
from seldon_s2i.protos import v2 as v2_protos
from seldon_s2i.transport.grpc_requests import lenient_parser, refusing_malformed
from seldon_s2i.v2_service import V2Service

log = logging.getLogger(__name__)

SERVICE_NAME: str = v2_protos.SERVICE.full_name


def _abort(context: grpc.ServicerContext, error: BaseException) -> None:
    status, _, message = describe(error)
    if status >= 500:
        log.error("V2 rpc failed: %s", message, exc_info=error)
    context.abort(grpc_status_for(status), message)


class V2Servicer:
    """Every rpc of GRPCInferenceService that the protocol requires, over one :class:`V2Service`."""

    def __init__(self, service: V2Service) -> None:
        self.service = service

    def ServerLive(self, request: Any, context: grpc.ServicerContext) -> Any:
        return v2_protos.ServerLiveResponse(live=True)

    def ServerReady(self, request: Any, context: grpc.ServicerContext) -> Any:
        return v2_protos.ServerReadyResponse(ready=self.service.ready())

    def ModelReady(self, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            self.service.check_model(request.name, request.version or None)
        except Exception as error:
            _abort(context, error)
        return v2_protos.ModelReadyResponse(ready=self.service.ready())

    def ServerMetadata(self, request: Any, context: grpc.ServicerContext) -> Any:
        return v2_protos.ServerMetadataResponse(**self.service.server_metadata())

    def ModelMetadata(self, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            self.service.check_model(request.name, request.version or None)
            metadata = self.service.model_metadata()
        except Exception as error:
            _abort(context, error)
        answer = v2_protos.ModelMetadataResponse(
            name=metadata["name"], versions=metadata["versions"], platform=metadata["platform"]
        )
        for key in ("inputs", "outputs"):
            for tensor in metadata[key]:
                getattr(answer, key).add(**tensor)
        return answer

    def ModelInfer(self, request: Any, context: grpc.ServicerContext) -> Any:
        done = self.service.timer("v2-grpc")
        try:
            self.service.check_model(request.model_name, request.model_version or None)
            decoded = v2_proto.decode_request(request)
            answer = v2_proto.encode_response(self.service.infer(decoded), decoded)
        except Exception as error:
            status, _, _ = describe(error)
            done(grpc_status_for(status).name)
            _abort(context, error)
        done("OK")
        return answer


def handler(service: V2Service) -> grpc.GenericRpcHandler:
    """The generic handler serving GRPCInferenceService from ``service``."""
    servicer = V2Servicer(service)
    methods: dict[str, grpc.RpcMethodHandler[Any, Any]] = {
        method.name: grpc.unary_unary_rpc_method_handler(
            refusing_malformed(getattr(servicer, method.name)),
            request_deserializer=lenient_parser(v2_protos.request_class(method.name)),
            response_serializer=lambda answer: bytes(answer.SerializeToString()),
        )
        for method in v2_protos.SERVICE.methods
    }
    return grpc.method_handlers_generic_handler(SERVICE_NAME, methods)
