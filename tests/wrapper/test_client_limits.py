"""The client (seldon-s2i predict) keeps the same message-size limit as the server, over REST and gRPC."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from inprocess_servers import grpc_server, seldon_service
from microservice_process import free_port
from seldon_s2i.client import ClientError, call_grpc, call_rest
from seldon_s2i.transport.rest import create_app
from werkzeug.serving import make_server


class Repeat:
    """Answers a string of the requested length."""

    def predict(self, X: Any, names: list[str]) -> str:
        return "x" * int(X)


@pytest.fixture(scope="module")
def rest_endpoint() -> Iterator[str]:
    port = free_port()
    server = make_server("127.0.0.1", port, create_app(seldon_service(Repeat()), max_request_bytes=1 << 20), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(10)


def test_rest_answers_within_the_limit_are_read(rest_endpoint: str) -> None:
    answer = call_rest(rest_endpoint, "predict", {"jsonData": 100}, max_message_bytes=10_000)
    assert answer["strData"] == "x" * 100


def test_rest_answers_over_the_limit_are_refused(rest_endpoint: str) -> None:
    with pytest.raises(ClientError, match=r"larger than the message size limit \(1000 bytes\)"):
        call_rest(rest_endpoint, "predict", {"jsonData": 5000}, max_message_bytes=1000)


def test_grpc_answers_over_the_limit_are_refused() -> None:
    with grpc_server(seldon_service(Repeat())) as caller:
        endpoint = caller.address
        assert call_grpc(endpoint, "predict", {"jsonData": 100}, max_message_bytes=10_000)["strData"] == "x" * 100
        with pytest.raises(ClientError) as refused:
            call_grpc(endpoint, "predict", {"jsonData": 5000}, max_message_bytes=1000)
        assert refused.value.status == "RESOURCE_EXHAUSTED"
