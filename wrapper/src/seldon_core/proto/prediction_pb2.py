"""``seldon_core.proto.prediction_pb2``: the same message classes seldon-s2i serves with."""

from seldon_s2i.protos.prediction_pb2 import *  # noqa: F403
