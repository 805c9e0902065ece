"""The Open Inference (V2) gRPC messages and service, whichever copy of the ``inference`` package holds them.

Triton's client, MLServer and KServe each register their own copy of the standard ``inference`` package in
protobuf's default pool, and two copies cannot share it. So our generated module is imported only if no
other copy came first, and the classes are then looked up by their standard names: every copy has the same
names and field numbers, so the wire format is the same whichever copy answers.
"""

from __future__ import annotations

import contextlib
from typing import Any

from google.protobuf import descriptor_pool, message_factory

with contextlib.suppress(TypeError):  # "duplicate symbol": another copy of the protocol is registered
    from seldon_s2i.protos import open_inference_pb2  # noqa: F401  (registers the package)

_POOL = descriptor_pool.Default()
SERVICE = _POOL.FindServiceByName("inference.GRPCInferenceService")


def _message(name: str) -> Any:
    return message_factory.GetMessageClass(_POOL.FindMessageTypeByName(f"inference.{name}"))


ServerLiveResponse = _message("ServerLiveResponse")
ServerReadyResponse = _message("ServerReadyResponse")
ModelReadyResponse = _message("ModelReadyResponse")
ServerMetadataResponse = _message("ServerMetadataResponse")
ModelMetadataResponse = _message("ModelMetadataResponse")
ModelInferRequest = _message("ModelInferRequest")
ModelInferResponse = _message("ModelInferResponse")
InferParameter = _message("InferParameter")
InferTensorContents = _message("InferTensorContents")


def request_class(method: str) -> Any:
    """The request message class of one rpc of GRPCInferenceService."""
    return message_factory.GetMessageClass(SERVICE.methods_by_name[method].input_type)
