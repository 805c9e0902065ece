"""Seldon-Puid and forwarded headers: the request's headers reach every node, the puid comes back.

The node here is a stand-in HTTP server of the test that records what it receives (the one thing a
real component cannot show); the engine is the real process.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import grpc
import pytest
import requests
from engine_graphs import grpc_predict, predictor
from engine_process import running_engine
from google.protobuf import json_format
from seldon_s2i.protos import prediction_pb2, prediction_pb2_grpc


class RecordingNode(BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).seen.append({key.lower(): value for key, value in self.headers.items()})
        body = json.dumps({"data": {"ndarray": [[1.0]]}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        return None


@pytest.fixture
def recording_node() -> Iterator[tuple[int, list[dict[str, str]]]]:
    RecordingNode.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingNode)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], RecordingNode.seen
    finally:
        server.shutdown()
        server.server_close()


def test_puid_and_headers_travel_through_the_graph(recording_node: tuple[int, list[dict[str, str]]],
                                                   tmp_path: Path) -> None:
    port, seen = recording_node
    graph = {"name": "node", "type": "MODEL", "endpoint": {"service_host": "127.0.0.1", "httpPort": port}}
    with running_engine(predictor(graph), tmp_path) as engine:
        given = requests.post(f"{engine.url}/api/v1.0/predictions", json={"data": {"ndarray": [[0.0]]}},
                              headers={"Seldon-Puid": "puid-1", "X-Trace": "abc"}, timeout=30)
        fresh = requests.post(f"{engine.url}/api/v1.0/predictions", json={"data": {"ndarray": [[0.0]]}}, timeout=30)
        with grpc.insecure_channel(engine.grpc_target) as channel:
            answer, call = prediction_pb2_grpc.SeldonStub(channel).Predict.with_call(
                json_format.ParseDict({"data": {"ndarray": [[0.0]]}}, prediction_pb2.SeldonMessage()),
                metadata=(("seldon-puid", "puid-3"), ("x-trace", "def")), timeout=30)
        generated = grpc_predict(engine.grpc_target, [[0.0]])
    assert given.headers["Seldon-Puid"] == "puid-1" and given.json()["meta"]["puid"] == "puid-1"
    assert seen[0]["seldon-puid"] == "puid-1" and seen[0]["x-trace"] == "abc"
    assert seen[0]["content-type"] == "application/json"
    assert fresh.headers["Seldon-Puid"] == fresh.json()["meta"]["puid"] == seen[1]["seldon-puid"]
    assert len(fresh.headers["Seldon-Puid"]) == 36  # a new UUID
    assert answer.meta.puid == "puid-3" and dict(call.initial_metadata())["seldon-puid"] == "puid-3"
    assert seen[2]["seldon-puid"] == "puid-3" and seen[2]["x-trace"] == "def"
    assert len(generated["meta"]["puid"]) == 36
