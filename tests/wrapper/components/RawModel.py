"""A model using predict_raw: a dict over REST, a SeldonMessage proto over gRPC."""

from typing import Any


class RawModel:
    def predict_raw(self, message):
        if isinstance(message, dict):
            values = message["data"]["ndarray"]
            return {
                "data": {"names": ["doubled"], "ndarray": [[2 * v for v in row] for row in values]},
                "meta": {"tags": {"raw": "rest"}, "metrics": [{"type": "COUNTER", "key": "raw_calls", "value": 1}]},
            }
        from seldon_s2i.protos import prediction_pb2

        rows: list[Any] = [[2 * v for v in row] for row in (list(r) for r in message.data.ndarray)]
        reply = prediction_pb2.SeldonMessage()
        reply.data.names.append("doubled")
        reply.data.ndarray.extend(rows)
        reply.meta.tags["raw"].string_value = "grpc"
        metric = reply.meta.metrics.add()
        metric.key = "raw_calls"
        metric.value = 1
        return reply
