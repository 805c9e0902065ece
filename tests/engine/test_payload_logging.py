"""Payload logging (``graph.logger``): each logging node's request and response reach the logger's URL as
CloudEvents, as Seldon's executor sends them; a request never waits for the logger, and
``Seldon-Skip-Logging: true`` turns it off."""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
import requests
from engine_graphs import Graph, grpc_predict, predictor, rest_predict, values
from engine_process import engine_environment, running_engine
from google.protobuf import json_format
from microservice_process import BIN, free_port
from seldon_s2i.engine.settings import EngineConfigError, parse
from seldon_s2i.protos import prediction_pb2


class Sink:
    """A real HTTP server on 127.0.0.1 keeping every POST it gets (headers lower-cased, body bytes)."""

    def __init__(self) -> None:
        self.events: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with sink.lock:
                    sink.events.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 20) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.events) >= count:
                    return list(self.events)
            time.sleep(0.05)
        with self.lock:
            return list(self.events)

    def clear(self) -> None:
        with self.lock:
            self.events.clear()


@pytest.fixture
def sink() -> Iterator[Sink]:
    running = Sink()
    yield running
    running.server.shutdown()


def logging_graph(graph: Graph, url: str) -> dict[str, Any]:
    """add1 (logs all) -> times10 (logs requests only): a chain, so times10 gets add1's answer."""
    child = graph.node("times10", type="MODEL", logger={"mode": "request", "url": url})
    return predictor(graph.node("add1", type="MODEL", logger={"mode": "all", "url": url}, children=[child]))


def by_type(events: list[tuple[dict[str, str], bytes]]) -> dict[tuple[str, str], tuple[dict[str, str], bytes]]:
    return {(headers["ce-modelid"], headers["ce-type"]): (headers, body) for headers, body in events}


def test_rest_requests_and_answers_of_logging_nodes_reach_the_logger(graph: Graph, sink: Sink, tmp_path: Path) -> None:
    with running_engine(logging_graph(graph, sink.url), tmp_path, env={"POD_NAMESPACE": "models"}) as engine:
        answer = rest_predict(engine.url, [[2.0]], headers={"Seldon-Puid": "puid-7"})
        assert answer.status_code == 200 and values(answer.json()) == [[30.0]]
        events = by_type(sink.wait_for(3))
    assert sorted(events) == [("add1", "io.seldon.serving.inference.request"),
                              ("add1", "io.seldon.serving.inference.response"),
                              ("times10", "io.seldon.serving.inference.request")]
    headers, body = events[("add1", "io.seldon.serving.inference.request")]
    assert orjson.loads(body)["data"]["ndarray"] == [[2.0]]
    assert headers["content-type"] == "application/json"
    assert (headers["ce-specversion"], headers["ce-requestid"], headers["ce-inferenceservicename"],
            headers["ce-namespace"], headers["ce-endpoint"], headers["ce-protocol"]) == (
        "1.0", "puid-7", "test-graph", "models", "default", "seldon")
    assert headers["ce-source"].startswith("http://") and headers["ce-id"] and headers["ce-time"].endswith("Z")
    assert len({headers["ce-id"] for headers, _ in events.values()}) == 3, "each event has its own id"
    _, answered = events[("add1", "io.seldon.serving.inference.response")]
    assert orjson.loads(answered)["data"]["ndarray"] == [[3.0]]
    _, sent_on = events[("times10", "io.seldon.serving.inference.request")]
    assert orjson.loads(sent_on)["data"]["ndarray"] == [[3.0]], "times10 is sent add1's answer"


def test_grpc_requests_are_logged_as_protobuf_and_feedback_too(graph: Graph, sink: Sink, tmp_path: Path) -> None:
    with running_engine(logging_graph(graph, sink.url), tmp_path) as engine:
        answer = grpc_predict(engine.grpc_target, [[1.0]], metadata=(("seldon-puid", "puid-g"),))
        assert values(answer) == [[20.0]]
        events = by_type(sink.wait_for(3))
        headers, body = events[("add1", "io.seldon.serving.inference.request")]
        assert headers["content-type"] == "application/protobuf" and headers["ce-requestid"] == "puid-g"
        assert json_format.MessageToDict(prediction_pb2.SeldonMessage.FromString(body))["data"]["ndarray"] == [[1.0]]
        sink.clear()
        feedback = {"request": {"data": {"ndarray": [[1.0]]}}, "response": {"meta": {"routing": {}}}, "reward": 1}
        assert requests.post(f"{engine.url}/api/v1.0/feedback", json=feedback, timeout=30).status_code == 200
        logged = sink.wait_for(1)
    # add1 logs its responses, so its feedback; times10 logs requests only.
    assert [(headers["ce-modelid"], headers["ce-type"]) for headers, _ in logged] == [
        ("add1", "io.seldon.serving.feedback")]
    assert orjson.loads(logged[0][1])["reward"] == 1


def test_seldon_skip_logging_turns_logging_off_for_that_request(graph: Graph, sink: Sink, tmp_path: Path) -> None:
    with running_engine(logging_graph(graph, sink.url), tmp_path) as engine:
        answer = rest_predict(engine.url, [[2.0]], headers={"Seldon-Skip-Logging": "true"})
        assert answer.status_code == 200
        rest_predict(engine.url, [[5.0]])  # logged: shows the logger works while the first was not
        events = sink.wait_for(3)
        time.sleep(0.5)
    assert len(sink.events) == 3
    assert all(orjson.loads(body)["data"]["ndarray"] != [[2.0]] for _, body in events)


def test_a_logger_that_is_down_never_delays_or_fails_predictions(graph: Graph, tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}/"
    with running_engine(logging_graph(graph, down), tmp_path) as engine:
        started = time.monotonic()
        answers = [rest_predict(engine.url, [[float(i)]]) for i in range(12)]  # add1 refuses 13
        took = time.monotonic() - started
    assert [values(answer.json()) for answer in answers] == [[[(i + 1) * 10.0]] for i in range(12)]
    assert took < 10


def test_a_logger_url_that_is_not_http_is_refused_at_start_naming_the_node(graph: Graph, tmp_path: Path) -> None:
    environment = engine_environment(logging_graph(graph, "kafka://broker:9092"))
    result = subprocess.run([str(BIN / "seldon-engine"), "--http-port", str(free_port()), "--grpc-port",
                             str(free_port())], env=environment, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 2
    assert "graph.logger.url: 'kafka://broker:9092' is not an http:// or https:// URL (graph node 'add1'" in \
        result.stderr


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [
        ({}, (10000, 2.0)),
        ({"seldon.io/executor-logger-queue-size": "50", "seldon.io/executor-logger-write-timeout-ms": "250"},
         (50, 0.25)),
        ({"seldon.io/executor-logger-queue-size": "lots"}, "annotation seldon.io/executor-logger-queue-size: "),
        ({"seldon.io/executor-logger-write-timeout-ms": "0"},
         "annotation seldon.io/executor-logger-write-timeout-ms: '0' must be a positive number of milliseconds"),
    ],
)
def test_the_logger_queue_and_timeout_come_from_seldons_annotations(
    graph: Graph, annotations: dict[str, str], expected: tuple[int, float] | str
) -> None:
    spec = {**logging_graph(graph, "http://logs.example/"), "annotations": annotations}
    environ = {key: value for key, value in engine_environment(spec).items() if key != "REQUEST_LOGGER_DEFAULT_ENDPOINT"}
    if isinstance(expected, str):
        with pytest.raises(EngineConfigError, match=re.escape(expected)):
            parse([], environ)
        return
    logger = parse([], environ).payload_logger
    assert logger is not None
    assert (logger.queue_size, logger.timeout, logger.default_url) == (*expected, "http://default-broker")
