"""``seldon_core.proto.prediction_pb2_grpc``: stubs and servicers of the Seldon services."""

from seldon_s2i.protos.prediction_pb2_grpc import *  # noqa: F403
