"""Health is answered while the model is busy; --rest-timeout answers 504 and replaces a worker whose call is stuck."""

from __future__ import annotations

import argparse
import socket
import threading
import time
from pathlib import Path
from typing import Any

import grpc
import pytest
import requests
from microservice_process import running
from raw_http import seldon_error
from seldon_s2i.microservice import limits, settings

WRAPPER_COMPONENTS = Path(__file__).parents[1] / "wrapper" / "components"


def _in_background(call: Any) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        started = time.monotonic()
        outcome["answer"] = call()
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _wait_for_log(service: Any, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while text not in service.log():
        assert time.monotonic() < deadline, f"{text!r} not logged:\n{service.log()}"
        time.sleep(0.1)


def test_health_answers_while_the_model_thread_is_busy_and_requests_wait(log_dir: Path) -> None:
    args = ["--grpc-workers", "0", "--threads", "1", "--extra-threads", "3"]
    with running("Slow", WRAPPER_COMPONENTS, log_dir, args) as service:
        calls = [
            _in_background(lambda: requests.post(f"{service.url}/predict", json={"strData": "3"}, timeout=60))
            for _ in range(3)
        ]
        time.sleep(0.5)  # the first call is in the model, two wait for it
        for _ in range(5):
            started = time.monotonic()
            ping = requests.get(f"{service.url}/health/ping", timeout=5)
            assert ping.status_code == 200 and ping.text == "pong"
            assert time.monotonic() - started < 2
        for thread, outcome in calls:
            thread.join()
            assert outcome["answer"].status_code == 200
        # One model thread: the calls ran one after another, not together.
        assert max(outcome["seconds"] for _, outcome in calls) > 7


def test_a_call_past_the_rest_timeout_gets_504_and_its_worker_is_replaced(log_dir: Path) -> None:
    with running("Slow", WRAPPER_COMPONENTS, log_dir, ["--grpc-workers", "0", "--rest-timeout", "1.5"]) as service:
        thread, outcome = _in_background(
            lambda: requests.post(f"{service.url}/predict", json={"strData": "120"}, timeout=60)
        )
        time.sleep(0.5)
        assert requests.get(f"{service.url}/health/ping", timeout=5).text == "pong"
        thread.join()
        answer = outcome["answer"]
        assert answer.status_code == 504 and 1.4 < outcome["seconds"] < 10
        assert answer.headers["Content-Type"] == "application/json"
        status = seldon_error(answer.content)
        assert status["reason"] == "MICROSERVICE_TIMEOUT" and "--rest-timeout" in str(status["info"])
        # The stuck call keeps its thread; the service answers at once, and a fresh worker takes over.
        quick = requests.post(f"{service.url}/predict", json={"strData": "0"}, timeout=10)
        assert quick.status_code == 200 and quick.json()["strData"] == "slept 0"
        _wait_for_log(service, "ran past --rest-timeout (1.5 s); starting a fresh worker")
        _wait_for_log(service, "replaced by")
        for _ in range(5):
            assert requests.post(f"{service.url}/predict", json={"strData": "0.1"}, timeout=10).status_code == 200
        assert service.stop() == 0  # the stuck call was answered (504): nothing was dropped


def test_calls_within_the_timeout_are_answered_normally(log_dir: Path) -> None:
    with running("Slow", WRAPPER_COMPONENTS, log_dir, ["--grpc-workers", "0", "--rest-timeout", "5"]) as service:
        answer = requests.post(f"{service.url}/predict", json={"strData": "0.5"}, timeout=10)
        assert answer.status_code == 200 and answer.json()["strData"] == "slept 0.5"
        assert "--rest-timeout" not in service.log()


def _arguments(**values: Any) -> argparse.Namespace:
    defaults = {"max_requests": 0, "max_requests_jitter": 0, "max_worker_memory": 0, "max_connections": 1024,
                "extra_threads": 1, "keepalive": 2.0, "rest_timeout": None, "grpc_timeout": None}
    return argparse.Namespace(**{**defaults, **values})


def test_timeouts_come_from_the_flag_else_seldons_annotations_in_milliseconds() -> None:
    annotations = {"seldon.io/rest-timeout": "2500", "seldon.io/grpc-timeout": "40000"}
    from_annotations = limits.from_arguments(_arguments(), annotations)
    assert (from_annotations.rest_timeout, from_annotations.grpc_timeout) == (2.5, 40.0)
    assert limits.from_arguments(_arguments(rest_timeout=1.0), annotations).rest_timeout == 1.0
    assert limits.from_arguments(_arguments(), {}).rest_timeout == 0  # off by default, as in Seldon
    with pytest.raises(limits.LimitError, match=r"seldon.io/rest-timeout='2s' is not a whole number of milliseconds"):
        limits.from_arguments(_arguments(), {"seldon.io/rest-timeout": "2s"})


def test_timeout_settings_from_the_environment_and_bad_values_name_the_variable() -> None:
    parsed = settings.parse(["Model"], {"SELDON_REST_TIMEOUT": "3", "SELDON_GRPC_TIMEOUT": "0.5"})
    assert (parsed.limits.rest_timeout, parsed.limits.grpc_timeout) == (3.0, 0.5)
    with pytest.raises(SystemExit, match="SELDON_REST_TIMEOUT"):
        settings.parse(["Model"], {"SELDON_REST_TIMEOUT": "soon"})


def test_grpc_health_answers_while_the_model_is_busy_and_a_stuck_call_gets_deadline_exceeded(log_dir: Path) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from seldon_s2i.protos import prediction_pb2, prediction_pb2_grpc

    with running("Slow", WRAPPER_COMPONENTS, log_dir, ["--grpc-timeout", "1.5"]) as service, service.channel() as channel:
        model = prediction_pb2_grpc.ModelStub(channel)
        health: Any = health_pb2_grpc.HealthStub(channel)  # the stubs leave out its methods

        def stuck() -> Any:
            try:
                return model.Predict(prediction_pb2.SeldonMessage(strData="120"), timeout=60)
            except grpc.RpcError as error:
                return error

        thread, outcome = _in_background(stuck)
        time.sleep(0.5)
        assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING
        thread.join()
        error = outcome["answer"]
        assert isinstance(error, grpc.RpcError) and error.code() is grpc.StatusCode.DEADLINE_EXCEEDED
        assert "--grpc-timeout" in str(error.details()) and 1.4 < outcome["seconds"] < 10
        assert model.Predict(prediction_pb2.SeldonMessage(strData="0"), timeout=10).strData == "slept 0"
        _wait_for_log(service, "ran past --grpc-timeout (1.5 s); starting a fresh gRPC worker")
        _wait_for_log(service, "grpc-1 replaced by grpc-2")
        for _ in range(5):
            assert model.Predict(prediction_pb2.SeldonMessage(strData="0.1"), timeout=10).strData == "slept 0.1"
        assert service.stop() == 0


def test_a_slow_upload_does_not_hold_the_model_thread(log_dir: Path) -> None:
    with running("Slow", WRAPPER_COMPONENTS, log_dir, ["--grpc-workers", "0", "--threads", "1"]) as service:
        body = b'{"strData": "0"}'
        with socket.create_connection(("127.0.0.1", service.http_port), timeout=30) as slow:
            slow.sendall(b"POST /predict HTTP/1.1\r\nHost: model\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(body) + body[:5])
            time.sleep(0.5)
            started = time.monotonic()
            answer = requests.post(f"{service.url}/predict", json={"strData": "0"}, timeout=30)
            assert answer.status_code == 200 and time.monotonic() - started < 5
            slow.sendall(body[5:])  # the slow client still gets its answer
            received = b""
            while b"slept 0" not in received and (piece := slow.recv(65536)):
                received += piece
            assert received.startswith(b"HTTP/1.1 200") and b"slept 0" in received
