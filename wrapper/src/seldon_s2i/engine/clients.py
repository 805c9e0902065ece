"""Calls to the graph's nodes: pooled keep-alive HTTP (aiohttp) and multiplexed gRPC channels (grpc.aio).

One client per node and transport, made once and shared by every request; bodies go
out and come back as bytes (no protobuf or JSON parsing here). Each call has its own
timeout. A node that cannot be reached fails fast naming the node: a refused connection
is immediate, and gRPC channels retry a lost node after at most a second, so the graph
recovers as soon as the node is back. A keep-alive connection the node closed (it was
restarted) is retried once on a fresh connection.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

import aiohttp
import grpc
import grpc.aio

from seldon_s2i.engine import errors
from seldon_s2i.engine.payload import Payload, Wire

Method = Literal["predict", "transform-input", "transform-output", "route", "aggregate", "send-feedback"]
Observer = Callable[[str, str, str, str, float], None]  # node, service, method, code, seconds

REQUEST_KINDS: dict[str, Any] = {"aggregate": "message_list", "send-feedback": "feedback"}
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

    async def call(self, method: Method, payload: Payload, headers: Mapping[str, str]) -> Payload:
        raise NotImplementedError

    async def metadata(self) -> Any:
        raise NotImplementedError

    async def reachable(self, timeout: float = 1.0) -> bool:
        """Whether the node's port takes a TCP connection now (Seldon's executor readiness check)."""
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), timeout)
        except (OSError, asyncio.TimeoutError):
            return False
        writer.close()
        return True

    async def close(self) -> None:
        return None


class RestNodeClient(NodeClient):
    wire: Wire = "json"

    def __init__(self, node: str, host: str, port: int, timeout: float, session: aiohttp.ClientSession,
                 observe: Observer | None = None) -> None:
        super().__init__(node, host, port, timeout, observe)
        self.session = session
        self.base = f"http://{self.address}"
        self.client_timeout = aiohttp.ClientTimeout(total=timeout)

    async def call(self, method: Method, payload: Payload, headers: Mapping[str, str]) -> Payload:
        path = f"/{method}"
        body = payload.json_bytes()
        outgoing = {**headers, "Content-Type": "application/json"}
        start = time.perf_counter()
        status, answer = await self._post(path, body, outgoing)
        self.observe(self.node, path, "POST", str(status), time.perf_counter() - start)
        if status != 200:
            raise errors.from_rest_answer(self.node, status, answer)
        return Payload("message", json=answer)

    async def _post(self, path: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
        for attempt in (1, 2):
            try:
                async with self.session.post(self.base + path, data=body, headers=headers,
                                             timeout=self.client_timeout) as response:
                    return response.status, await response.read()
            except aiohttp.ClientConnectorError as error:
                raise errors.node_unavailable(self.node, self.address, _cause(error)) from None
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as error:
                # A pooled connection the node closed (restart, idle timeout): once more on a new one.
                if attempt == 2:
                    raise errors.node_unavailable(self.node, self.address, _cause(error)) from None
            except asyncio.TimeoutError:
                raise errors.node_timeout(self.node, self.address, path, self.timeout) from None
            except aiohttp.ClientError as error:
                raise errors.node_unavailable(self.node, self.address, _cause(error)) from None
        raise AssertionError("unreachable")

    async def metadata(self) -> Any:
        try:
            async with self.session.get(f"{self.base}/metadata", timeout=self.client_timeout) as response:
                body = await response.read()
                if response.status != 200:
                    raise errors.from_rest_answer(self.node, response.status, body)
                return Payload("model_metadata", json=body).document()
        except aiohttp.ClientError as error:
            raise errors.node_unavailable(self.node, self.address, _cause(error)) from None
        except asyncio.TimeoutError:
            raise errors.node_timeout(self.node, self.address, "/metadata", self.timeout) from None


class GrpcNodeClient(NodeClient):
    wire: Wire = "proto"

    def __init__(self, node: str, host: str, port: int, timeout: float, observe: Observer | None = None,
                 feedback_path: str = _GRPC_PATHS["send-feedback"]) -> None:
        super().__init__(node, host, port, timeout, observe)
        self.channel = grpc.aio.insecure_channel(self.address, options=_CHANNEL_OPTIONS)
        # No serializers: requests and answers stay bytes.
        paths = {**_GRPC_PATHS, "send-feedback": feedback_path}
        self.calls: dict[str, grpc.aio.UnaryUnaryMultiCallable[bytes, bytes]] = {method: self.channel.unary_unary(path) for method, path in paths.items()}
        self.paths = paths
        self.metadata_call: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = self.channel.unary_unary("/seldon.protos.Model/Metadata")

    async def call(self, method: Method, payload: Payload, headers: Mapping[str, str]) -> Payload:
        start = time.perf_counter()
        code = "OK"
        try:
            answer = await self.calls[method](payload.proto_bytes(), timeout=self.timeout,
                                              metadata=tuple(headers.items()))
        except grpc.aio.AioRpcError as error:
            code = error.code().name
            raise self._error(error, self.paths[method]) from None
        finally:
            self.observe(self.node, self.paths[method], "unary", code, time.perf_counter() - start)
        return Payload("message", proto=answer)

    def _error(self, error: grpc.aio.AioRpcError, path: str) -> errors.GraphError:
        trailing = error.trailing_metadata() or ()
        own = any(key == "seldon-http-status" for key, _ in trailing)
        if error.code() == grpc.StatusCode.UNAVAILABLE and not own:
            return errors.node_unavailable(self.node, self.address, error.details() or "unavailable")
        if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED and not own:
            return errors.node_timeout(self.node, self.address, path, self.timeout)
        return errors.from_grpc_error(self.node, error.code(), error.details(), trailing)

    async def metadata(self) -> Any:
        try:
            answer = await self.metadata_call(b"", timeout=self.timeout)
        except grpc.aio.AioRpcError as error:
            raise self._error(error, "/seldon.protos.Model/Metadata") from None
        return Payload("model_metadata", proto=answer).document()

    async def close(self) -> None:
        await self.channel.close()


def _cause(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text.replace(" [", " (").replace("]", ")") if "Cannot connect" in text else text
