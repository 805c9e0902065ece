"""Every *_raw method: a dict in and out over REST, a protobuf message in and out over gRPC."""

from __future__ import annotations

from typing import Any

METRICS: list[dict[str, Any]] = [{"key": "raw_calls", "type": "COUNTER", "value": 1, "tags": {"via": "raw"}}]


class RawEverything:
    def _answer(self, message: Any, method: str) -> Any:
        if isinstance(message, bytes | str):  # PAYLOAD_PASSTHROUGH: the body as sent, answered as it is
            return message
        if isinstance(message, dict | list):
            answer: dict[str, Any] = {
                "jsonData": {"method": method, "got": sorted(message) if isinstance(message, dict) else len(message)}
            }
            answer["meta"] = {"metrics": [{**metric, "tags": dict(metric["tags"])} for metric in METRICS]}
            if (
                isinstance(message, dict)
                and isinstance(message.get("jsonData"), dict)
                and "answer_status" in message["jsonData"]
            ):
                answer["status"] = {"code": message["jsonData"]["answer_status"], "info": "as asked"}
            return answer
        # A protobuf request: answer a SeldonMessage of the same generated module.
        seldon_message = type(message) if type(message).__name__ == "SeldonMessage" else type(message.seldonMessages[0])
        proto: Any = seldon_message()
        proto.strData = f"{method} got {type(message).__name__}"
        metric = proto.meta.metrics.add()
        metric.key, metric.value = "raw_calls", 1
        metric.tags["via"] = "raw"
        return proto

    def predict_raw(self, message: Any) -> Any:
        return self._answer(message, "predict")

    def transform_input_raw(self, message: Any) -> Any:
        return self._answer(message, "transform_input")

    def transform_output_raw(self, message: Any) -> Any:
        return self._answer(message, "transform_output")

    def route_raw(self, message: Any) -> Any:
        return self._answer(message, "route")

    def aggregate_raw(self, messages: Any) -> Any:
        return self._answer(messages, "aggregate")

    def send_feedback_raw(self, feedback: Any) -> Any:
        # Always a Feedback proto, over REST too; the answer is a SeldonMessage.
        answer = type(feedback.request)()
        answer.strData = f"reward {feedback.reward}"
        return answer

    def health_status_raw(self) -> Any:
        return {"strData": "raw health"}
