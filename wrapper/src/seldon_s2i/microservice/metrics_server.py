"""The Prometheus endpoint: sums every worker process's metrics (prometheus-client multiprocess mode).

A small asyncio server on a thread of the supervisor, because a scrape port must stay cheap whatever clients
do: connections cost no thread, at most ``MAX_CONNECTIONS`` are open at once (more are closed at once), a
connection that sends no complete request head within ``IDLE_SECONDS`` (silent, slow, or idle between
scrapes) is closed, and collection runs on one thread so scrapes cannot pile up. The answer carries no
``Server`` banner. (granian's hyper does not time out a connection that never sends a byte, and the
standard library's WSGI server spends a thread on each connection.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.exposition import choose_encoder

from seldon_s2i.microservice.settings import Settings

log = logging.getLogger(__name__)

MAX_CONNECTIONS = 256
IDLE_SECONDS = 5.0
MAX_HEAD_BYTES = 16 * 1024

Answer = tuple[int, str, bytes]


def metrics_answer(paths: Iterable[str]) -> Callable[[str, str], Answer]:
    """Answers (status, content type, body) of a GET for a request target and an Accept header."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    served = set(paths)

    def answer(target: str, accept: str) -> Answer:
        url = urlsplit(target)
        if url.path not in served:
            return 404, "text/plain", b"not found: metrics are at " + ", ".join(sorted(served)).encode() + b"\n"
        encoder, content_type = choose_encoder(accept)
        names = parse_qs(url.query).get("name[]")
        chosen = registry.restricted_registry(names) if names else registry
        return 200, content_type, encoder(chosen)

    return answer


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 431: "Request Header Fields Too Large"}


class MetricsServer:
    def __init__(self, listening: socket.socket, answer: Callable[[str, str], Answer]) -> None:
        self._answer = answer
        self._collector = ThreadPoolExecutor(1, thread_name_prefix="metrics-collect")
        self._open = 0
        self._idle: dict[asyncio.Task[None], float] = {}  # connections waiting for a request head, since when
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        started = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(listening, started), name="metrics", daemon=True)
        self._thread.start()
        started.wait(10)

    def _run(self, listening: socket.socket, started: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)

        async def open_server() -> None:
            self._server = await asyncio.start_server(self._serve, sock=listening, limit=MAX_HEAD_BYTES)

        self._loop.run_until_complete(open_server())
        started.set()
        self._loop.run_forever()
        self._loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._open >= MAX_CONNECTIONS and not self._evict_longest_idle():
            writer.close()
            return
        self._open += 1
        try:
            while await self._exchange(reader, writer):
                pass
        except (ConnectionError, asyncio.TimeoutError, asyncio.CancelledError):
            pass
        finally:
            self._open -= 1
            current = asyncio.current_task()
            if current is not None:
                self._idle.pop(current, None)
            writer.close()

    def _evict_longest_idle(self) -> bool:
        """Make room for a new connection (a scrape) by closing the one idle longest."""
        if not self._idle:
            return False
        task = min(self._idle, key=self._idle.__getitem__)
        del self._idle[task]
        task.cancel()  # it ends (and is no longer counted) at its next step
        return True

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Read one request head and answer it; whether to wait for another on this connection."""
        task = asyncio.current_task()
        assert task is not None
        self._idle[task] = self._loop.time()
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_SECONDS)
        except asyncio.LimitOverrunError:
            await self._write(writer, (431, "text/plain", b"request head too large\n"), keep_open=False)
            return False
        except (asyncio.IncompleteReadError, asyncio.TimeoutError):
            return False
        finally:
            self._idle.pop(task, None)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            await self._write(writer, (400, "text/plain", b"bad request\n"), keep_open=False)
            return False
        method, target, version = parts
        headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
        keep_open = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
        if method not in ("GET", "HEAD"):
            await self._write(writer, (405, "text/plain", b"only GET\n"), keep_open=False)
            return False
        answer = await self._loop.run_in_executor(self._collector, self._answer, target, headers.get("accept", ""))
        if method == "HEAD":
            answer = (answer[0], answer[1], b"")
        await self._write(writer, answer, keep_open)
        return keep_open

    async def _write(self, writer: asyncio.StreamWriter, answer: Answer, keep_open: bool) -> None:
        status, content_type, body = answer
        head = (
            f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: {'keep-alive' if keep_open else 'close'}\r\n\r\n"
        )
        writer.write(head.encode("latin-1") + body)
        await asyncio.wait_for(writer.drain(), IDLE_SECONDS)

    def shutdown(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()

        with contextlib.suppress(RuntimeError):
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._collector.shutdown(wait=False)


def start_metrics_server(settings: Settings) -> MetricsServer:
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening.bind((settings.host, settings.metrics_port))
    listening.listen(128)
    return MetricsServer(listening, metrics_answer({"/prometheus", "/metrics", settings.metrics_endpoint}))
