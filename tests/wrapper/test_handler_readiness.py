"""A handler that is not ready yet (an orchestrator waiting for its children) is reported so by both transports."""

from __future__ import annotations

from typing import Any

from grpc_health.v1 import health_pb2, health_pb2_grpc
from inprocess_servers import RestCaller, grpc_server, seldon_service, serving
from seldon_s2i.service import SeldonService


class Identity:
    def predict(self, X: Any, names: list[str]) -> Any:
        return X


class Warming:
    """A Handler: the wrapper's service for one class, behind a readiness switch."""

    def __init__(self, service: SeldonService) -> None:
        self.service = service
        self.is_ready = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.service, name)

    def ready(self) -> bool:
        return self.is_ready


def test_rest_ping_answers_503_until_ready() -> None:
    handler = Warming(seldon_service(Identity()))
    with serving(handler, "rest") as caller:
        assert isinstance(caller, RestCaller)
        waiting = caller.client.get("/health/ping")
        assert waiting.status_code == 503
        assert waiting.get_json()["status"]["info"] == "not ready"
        assert caller.call("predict", {"data": {"ndarray": [[1]]}}).status == 200  # still answers requests
        handler.is_ready = True
        ready = caller.client.get("/health/ping")
        assert (ready.status_code, ready.get_data(as_text=True)) == (200, "pong")


def test_grpc_health_is_not_serving_until_ready() -> None:
    handler = Warming(seldon_service(Identity()))
    with grpc_server(handler) as caller:
        health: Any = health_pb2_grpc.HealthStub(caller.channel)  # the stubs leave out its methods
        for service in ("", "seldon.protos.Model"):
            answer = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=30)
            assert answer.status == health_pb2.HealthCheckResponse.NOT_SERVING
        handler.is_ready = True
        for service in ("", "seldon.protos.Model"):
            answer = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=30)
            assert answer.status == health_pb2.HealthCheckResponse.SERVING
