"""What one gRPC worker does around the handler: health beside model calls, timeouts, accounting.

The gRPC server gets ``--extra-threads`` spare threads beside ``--grpc-threads`` (see
:mod:`~seldon_s2i.microservice.spare_threads`) so that health checks and metadata are answered while the
model is stuck; :class:`GuardedHandler` lets ``--grpc-threads`` model calls run at once. With
``--grpc-timeout``, a call not answered in time fails with DEADLINE_EXCEEDED; if its model call was running
it cannot be stopped, so it keeps its thread, the worker serves on fresh threads and asks to be replaced.
After ``--max-requests`` model calls (plus jitter) it asks to be replaced too, as a REST worker does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from seldon_s2i.errors import SeldonMicroserviceException
from seldon_s2i.handler import Handler, Inbound, Outbound

log = logging.getLogger("seldon_s2i.microservice")

TIMEOUT = "MICROSERVICE_TIMEOUT"
MODEL_OPERATIONS = ("predict", "transform_input", "transform_output", "route", "aggregate", "send_feedback")


class GuardedHandler:
    """A :class:`Handler` whose model operations are gated, timed out and counted while in progress."""

    def __init__(
        self,
        handler: Handler,
        *,
        threads: int,
        timeout: float,
        ask_replacement: Callable[[str], None],
        max_requests: int = 0,
    ) -> None:
        self.handler = handler
        self.timeout = timeout
        self.max_requests = max_requests
        self.in_progress = 0
        self._served = 0
        self._threads = threads
        self._lock = threading.Lock()
        self._gate = threading.BoundedSemaphore(threads)
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="seldon-model") if timeout > 0 else None
        self._ask_replacement = ask_replacement
        self._replacement_asked = False
        for name in MODEL_OPERATIONS:
            setattr(self, name, self._guarded(name, getattr(handler, name)))

    def __getattr__(self, name: str) -> Any:  # health_status, ready, metadata, record_request, ...
        return getattr(self.handler, name)

    def _guarded(self, name: str, operation: Callable[[Inbound], Outbound]) -> Callable[[Inbound], Outbound]:
        def call(inbound: Inbound) -> Outbound:
            with self._lock:
                self.in_progress += 1
                self._served += 1
                due = self._served == self.max_requests
            if due:
                self._replace_once(f"served {self.max_requests} calls (--max-requests)")
            try:
                if self._executor is not None:
                    return self._call_with_timeout(operation, inbound)
                with self._gate:
                    return operation(inbound)
            finally:
                with self._lock:
                    self.in_progress -= 1

        call.__name__ = name
        return call

    def _call_with_timeout(self, operation: Callable[[Inbound], Outbound], inbound: Inbound) -> Outbound:
        deadline = time.monotonic() + self.timeout
        while True:
            executor = self._executor
            assert executor is not None
            future: Future[Outbound] = executor.submit(operation, inbound)
            try:
                return future.result(max(0.0, deadline - time.monotonic()))
            except CancelledError:
                continue  # queued behind a call that got stuck: run it on the fresh threads
            except FutureTimeout:
                if not future.cancel():  # running in the model: it cannot be stopped, so this worker must go
                    self._abandon(executor)
                raise SeldonMicroserviceException(
                    f"Timeout: no answer within {self.timeout:g} s (--grpc-timeout)", status_code=504, reason=TIMEOUT
                ) from None

    def _abandon(self, executor: ThreadPoolExecutor) -> None:
        with self._lock:
            if self._executor is not executor:
                return
            self._executor = ThreadPoolExecutor(self._threads, thread_name_prefix="seldon-model")
            executor.shutdown(wait=False, cancel_futures=True)
        self._replace_once(f"a call ran past --grpc-timeout ({self.timeout:g} s)")

    def _replace_once(self, reason: str) -> None:
        with self._lock:
            first = not self._replacement_asked
            self._replacement_asked = True
        if first:
            log.info("gRPC worker: %s; asking for a fresh worker", reason)
            self._ask_replacement(reason)
