"""What one REST worker does around the application: health beside model calls, timeouts, recycling, accounting.

- Health probes (``/health/ping``, V2 live/ready) do not wait for the model: the server gives the worker
  ``--extra-threads`` more threads than ``--threads``, and only ``--threads`` of them run the application at
  once (the gate). With more requests than that in progress, the others (health checks too) queue in order.
- With ``--rest-timeout``, a request not answered in time gets 504 with Seldon's error JSON; if its model call
  was running (not just queued) the call cannot be stopped, so the worker asks to be replaced.
- After ``--max-requests`` (plus jitter) the worker asks to be replaced, as gunicorn does.
- Requests not yet answered are counted in shared memory, so the server can tell how many a kill dropped.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from seldon_s2i.transport.request_limits import WSGIApp, read_exactly, refuse_json

log = logging.getLogger("seldon_s2i.microservice")

TIMEOUT = "MICROSERVICE_TIMEOUT"

# Paths a kubelet probes: answered whatever the model is doing.
UNGATED_PATHS = frozenset({"/health/ping", "/ping", "/live", "/ready", "/v2/health/live", "/v2/health/ready"})


class InFlight:
    """This worker's count of requests taken and not yet answered, in a slot of a shared array."""

    def __init__(self, counters: Any, slot: int) -> None:
        self._counters = counters
        self._slot = slot
        self._lock = threading.Lock()
        counters[slot] = 0

    def add(self, delta: int) -> None:
        with self._lock:  # += on shared memory is not atomic between threads
            self._counters[self._slot] += delta


class ServingGuard:
    def __init__(
        self,
        app: WSGIApp,
        *,
        threads: int,
        timeout: float,
        max_requests: int,
        in_flight: InFlight | None,
        ask_replacement: Callable[[str], None],
    ) -> None:
        self.app = app
        self.timeout = timeout
        self.max_requests = max_requests
        self.in_flight = in_flight
        self._ask_replacement = ask_replacement
        self._gate = threading.BoundedSemaphore(threads)
        self._threads = threads
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="seldon-model") if timeout > 0 else None
        self._served = 0
        self._count_lock = threading.Lock()
        self._replacement_asked = False

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") in UNGATED_PATHS:
            return self.app(environ, start_response)
        _read_body(environ)  # before taking a model thread: a slow upload must not hold one
        if self.max_requests:
            self._count()
        if self._replacement_asked:
            # Leaving soon: no connection is left idle here to be cut when the worker stops.
            start_response = _closing_connection(start_response)
        if self.in_flight is not None:
            self.in_flight.add(1)
        try:
            if self._executor is not None:
                return self._call_with_timeout(environ, start_response)
            with self._gate:
                return self.app(environ, start_response)
        finally:
            if self.in_flight is not None:
                self.in_flight.add(-1)

    def _call_with_timeout(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        deadline = time.monotonic() + self.timeout
        while True:
            executor = self._executor
            assert executor is not None
            future: Future[tuple[str, list[tuple[str, str]], bytes]] = executor.submit(_complete, self.app, environ)
            try:
                status, headers, body = future.result(max(0.0, deadline - time.monotonic()))
                break
            except CancelledError:
                continue  # queued behind a call that got stuck: run it on the fresh threads
            except FutureTimeout:
                if not future.cancel():  # running in the model: it cannot be stopped, so this worker must go
                    self._abandon(executor)
                    self.replace(f"a request ran past --rest-timeout ({self.timeout:g} s)")
                return refuse_json(
                    start_response,
                    504,
                    f"Timeout: no answer within {self.timeout:g} s (--rest-timeout)",
                    TIMEOUT,
                    close=self._replacement_asked,
                )
        start_response(status, headers)
        return [body]

    def _abandon(self, executor: ThreadPoolExecutor) -> None:
        """Leave a stuck call its thread and serve on fresh ones until this worker is replaced."""
        with self._count_lock:
            if self._executor is executor:
                self._executor = ThreadPoolExecutor(self._threads, thread_name_prefix="seldon-model")
                executor.shutdown(wait=False, cancel_futures=True)

    def _count(self) -> None:
        with self._count_lock:
            self._served += 1
            due = self._served == self.max_requests
        if due:
            self.replace(f"served {self.max_requests} requests (--max-requests)")

    def leaving(self) -> None:
        """This worker is being replaced: close each connection after its answer."""
        self._replacement_asked = True

    def replace(self, reason: str) -> None:
        if not self._replacement_asked:
            self._replacement_asked = True
            log.info("REST worker: %s; asking for a fresh worker", reason)
            self._ask_replacement(reason)


def _read_body(environ: dict[str, Any]) -> None:
    """Read a declared-length body now (its size was checked by RequestLimits) and serve it from memory."""
    length = environ.get("CONTENT_LENGTH")
    stream = environ.get("wsgi.input")
    if not length or length == "0" or stream is None or isinstance(stream, io.BytesIO):
        return
    environ["wsgi.input"] = io.BytesIO(read_exactly(stream, int(length)))


def _closing_connection(start_response: Callable[..., Any]) -> Callable[..., Any]:
    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        return start_response(status, [*headers, ("Connection", "close")], exc_info)

    return start


def _complete(app: WSGIApp, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run ``app`` to the end (on a model thread), returning its status, headers and whole body."""
    answer: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        answer[:] = [status, headers]
        return lambda _data: None

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return answer[0], answer[1], body
