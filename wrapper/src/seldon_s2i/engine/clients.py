"""Calls to the graph's nodes: keep-alive HTTP connections and multiplexed gRPC channels, bytes in and out.

The transports call the orchestrator from their worker threads, so a node call is made
right there, with no hop to another thread: a REST node gets a keep-alive
``http.client`` connection per serving thread (made on first use, reused after), a gRPC
node one channel shared by all threads. Measured on the identity chain of bench/engine.py,
this costs 150-230 µs less per call than aiohttp or grpc.aio behind an event loop. Bodies
stay bytes (no JSON or protobuf parsing here); each call has the node's timeout. A node
that cannot be reached fails at once naming the node: a refused connection is immediate,
and gRPC channels retry a lost node after at most a second, so the graph recovers as soon
as the node is back. A keep-alive connection the node closed (it was restarted) is
retried once on a new connection.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

import grpc

from seldon_s2i.engine import errors
from seldon_s2i.engine.payload import Payload, Wire

Method = Literal["predict", "transform-input", "transform-output", "route", "aggregate", "send-feedback"]
Observer = Callable[[str, str, str, str, float], None]  # node, service, method, code, seconds

_GRPC_PATHS: dict[str, str] = {
    "predict": "/seldon.protos.Model/Predict",
    "transform-input": "/seldon.protos.Transformer/TransformInput",
    "transform-output": "/seldon.protos.OutputTransformer/TransformOutput",
    "route": "/seldon.protos.Router/Route",
    "aggregate": "/seldon.protos.Combiner/Aggregate",
    "send-feedback": "/seldon.protos.Model/SendFeedback",
}
_MAX_MESSAGE = 2**31 - 1  # as Seldon's executor: no limit of its own on what nodes send
_CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", _MAX_MESSAGE),
    ("grpc.max_receive_message_length", _MAX_MESSAGE),
    # Retry a lost node quickly (grpc's default backoff grows to two minutes).
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
    ("grpc.enable_retries", 0),
]
# A reused keep-alive connection can turn out closed by the node only when used: worth one new attempt.
_STALE_CONNECTION = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError,
                     http.client.CannotSendRequest, http.client.BadStatusLine)


def _ignore(*_: Any) -> None:
    return None


class NodeClient:
    """How the walk reaches one node over one transport."""

    wire: Wire

    def __init__(self, node: str, host: str, port: int, timeout: float, observe: Observer | None) -> None:
        self.node = node
        self.host = host
        self.port = port
        self.address = f"{host}:{port}"
        self.timeout = timeout
        self.observe: Observer = observe or _ignore

    def call(self, method: Method, payload: Payload, headers: Mapping[str, str]) -> Payload:
        raise NotImplementedError

    def metadata(self) -> Any:
        raise NotImplementedError

    def reachable(self, timeout: float = 1.0) -> bool:
        """Whether the node's port takes a TCP connection now (Seldon's executor readiness check)."""
        try:
            with socket.create_connection((self.host, self.port), timeout=timeout):
                return True
        except OSError:
            return False

    def close(self) -> None:
        return None


class RestNodeClient(NodeClient):
    wire: Wire = "json"

    def __init__(self, node: str, host: str, port: int, timeout: float, observe: Observer | None = None) -> None:
        super().__init__(node, host, port, timeout, observe)
        self._local = threading.local()

    def _connection(self, fresh: bool) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's connection to the node, and whether it was used before."""
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is not None and not fresh:
            return connection, True
        if connection is not None:
            connection.close()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self._local.connection = connection
        return connection, False

    def _exchange(self, verb: str, path: str, body: bytes | None, headers: Mapping[str, str]) -> tuple[int, bytes]:
        fresh = False
        while True:
            connection, reused = self._connection(fresh)
            try:
                if connection.sock is not None:
                    connection.sock.settimeout(self.timeout)
                connection.request(verb, path, body, dict(headers))
                answer = connection.getresponse()
                return answer.status, answer.read()
            except _STALE_CONNECTION as error:
                connection.close()
                if reused:
                    fresh = True
                    continue
                raise errors.node_unavailable(self.node, self.address, _cause(error)) from None
            except TimeoutError:
                connection.close()
                raise errors.node_timeout(self.node, self.address, path, self.timeout) from None
            except OSError as error:  # refused, unreachable, reset while connecting
                connection.close()
                raise errors.node_unavailable(self.node, self.address, _cause(error)) from None

    def call(self, method: Method, payload: Payload, headers: Mapping[str, str]) -> Payload:
        path = f"/{method}"
        start = time.perf_counter()
        status, answer = self._exchange("POST", path, payload.json_bytes(),
                                        {**headers, "Content-Type": "application/json"})
        self.observe(self.node, path, "POST", str(status), time.perf_counter() - start)
        if status != 200:
            raise errors.from_rest_answer(self.node, status, answer)
        return Payload("message", json=answer)

    def metadata(self) -> Any:
        status, body = self._exchange("GET", "/metadata", None, {})
        if status != 200:
            raise errors.from_rest_answer(self.node, status, body)
        return Payload("model_metadata", json=body).document()


class GrpcNodeClient(NodeClient):
    wire: Wire = "proto"

    def __init__(self, node: str, host: str, port: int, timeout: float, observe: Observer | None = None,
                 feedback_path: str = _GRPC_PATHS["send-feedback"]) -> None:
        super().__init__(node, host, port, timeout, observe)
        self.channel = grpc.insecure_channel(self.address, options=_CHANNEL_OPTIONS)
        self.paths = {**_GRPC_PATHS, "send-feedback": feedback_path}
        # No serializers: requests and answers stay bytes.
        self.calls: dict[str, Any] = {method: self.channel.unary_unary(path) for method, path in self.paths.items()}
        self.metadata_call: Any = self.channel.unary_unary("/seldon.protos.Model/Metadata")

    def call(self, method: Method, payload: Payload, headers: Mapping[str, str]) -> Payload:
        start = time.perf_counter()
        code = "OK"
        try:
            answer = self.calls[method](payload.proto_bytes(), timeout=self.timeout, metadata=tuple(headers.items()))
        except grpc.RpcError as error:
            code = error.code().name
            raise self._error(error, self.paths[method]) from None
        finally:
            self.observe(self.node, self.paths[method], "unary", code, time.perf_counter() - start)
        return Payload("message", proto=answer)

    def _error(self, error: grpc.RpcError, path: str) -> errors.GraphError:
        code: grpc.StatusCode = error.code()
        details: str | None = error.details()
        trailing: Any = error.trailing_metadata() or ()
        own = any(key == "seldon-http-status" for key, _ in trailing)
        if code == grpc.StatusCode.UNAVAILABLE and not own:
            return errors.node_unavailable(self.node, self.address, details or "unavailable")
        if code == grpc.StatusCode.DEADLINE_EXCEEDED and not own:
            return errors.node_timeout(self.node, self.address, path, self.timeout)
        return errors.from_grpc_error(self.node, code, details, trailing)

    def metadata(self) -> Any:
        try:
            answer = self.metadata_call(b"", timeout=self.timeout)
        except grpc.RpcError as error:
            raise self._error(error, "/seldon.protos.Model/Metadata") from None
        return Payload("model_metadata", proto=answer).document()

    def close(self) -> None:
        self.channel.close()


def _cause(error: BaseException) -> str:
    return str(error) or type(error).__name__
