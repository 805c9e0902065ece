"""The Open Inference (V2) gRPC messages and service, in a descriptor pool of their own.

Triton's client, MLServer and KServe each register their own copy of the standard ``inference`` package in
protobuf's default pool, and two copies cannot share it: whichever comes second fails to import. So the
wrapper never puts its copy there. It reads the serialized descriptor that protoc wrote into the generated
``open_inference_pb2.py`` (without importing that module) and builds the classes in a private pool; names and
field numbers are the protocol's, so the wire format is the same, and a model or a test may import any client
library before or after the wrapper.
"""

from __future__ import annotations

import ast
from importlib import resources
from typing import Any

from google.protobuf import descriptor_pool, message_factory

GENERATED = "open_inference_pb2.py"


def _serialized_descriptor() -> bytes:
    """The bytes protoc passes to ``AddSerializedFile`` in the generated module."""
    source = resources.files("seldon_s2i.protos").joinpath(GENERATED).read_text()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "AddSerializedFile":
            value = ast.literal_eval(node.args[0])
            if isinstance(value, bytes):
                return value
    raise ImportError(f"no serialized descriptor in seldon_s2i/protos/{GENERATED}: reinstall seldon-s2i")


_POOL = descriptor_pool.DescriptorPool()
_POOL.AddSerializedFile(_serialized_descriptor())
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
