"""The executor's Prometheus metrics (names and labels of Seldon's ``executor/api/metric``).

``seldon_api_executor_server_requests_seconds``: each request the engine answered
(``service`` predictions, feedback, status or metadata); ``..._client_requests_seconds``:
each call to a node (``model_name`` the node, ``service`` its REST path or gRPC method).
One registry per engine process, served on the REST port at /metrics and /prometheus.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Histogram, generate_latest

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, float("inf"))
_SERVICES = {"predict": "predictions", "send_feedback": "feedback", "health_status": "status"}
_LABELS = ("deployment_name", "predictor_name", "predictor_version", "service", "method", "code")


class EngineMetrics:
    def __init__(self, deployment: str, predictor: str, version: str, images: dict[str, str]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.common = (deployment, predictor, version)
        self.images = images
        self.server = Histogram("seldon_api_executor_server_requests_seconds", "Requests the orchestrator answered",
                                _LABELS, buckets=BUCKETS, registry=self.registry)
        self.client = Histogram("seldon_api_executor_client_requests_seconds", "Calls to the graph's nodes",
                                (*_LABELS, "model_name", "model_image", "model_version"), buckets=BUCKETS,
                                registry=self.registry)

    def observe_request(self, method: str, transport: str, code: int | str, seconds: float) -> None:
        verb = "unary" if transport == "grpc" else "POST" if method in ("predict", "send_feedback") else "GET"
        self.server.labels(*self.common, _SERVICES.get(method, method), verb, str(code)).observe(seconds)

    def observe_node_call(self, node: str, service: str, method: str, code: str, seconds: float) -> None:
        image, _, version = self.images.get(node, "").partition(":")
        self.client.labels(*self.common, service, method, code, node, image, version).observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
