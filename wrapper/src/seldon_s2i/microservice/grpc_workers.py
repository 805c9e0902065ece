"""The gRPC server processes of the supervisor, and their replacement: when one asks (a call stuck past
``--grpc-timeout``, ``--max-requests`` served) or its resident memory passes ``--max-worker-memory`` (sampled
every second). The fresh process is forked from the supervisor's untouched instance, runs ``load()`` and
listens (the port is shared with SO_REUSEPORT) before the old one is told to stop; the old one finishes its
calls and tells its clients to reconnect (HTTP/2 GOAWAY), so no call fails."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from multiprocessing.context import ForkContext
from multiprocessing.process import BaseProcess
from typing import Any

from seldon_s2i.microservice.resident_memory import SAMPLE_SECONDS, past_ceiling, resident_bytes
from seldon_s2i.microservice.settings import Settings
from seldon_s2i.microservice.worker_messages import WorkerMessages

log = logging.getLogger("seldon_s2i.microservice")


class GrpcWorkers:
    def __init__(self, context: ForkContext, user: Any, settings: Settings, dropped: Any) -> None:
        self._context = context
        self._user = user
        self._settings = settings
        self._dropped = dropped
        self.messages = WorkerMessages()
        self.serving: list[BaseProcess] = []
        self.retiring: dict[BaseProcess, float] = {}  # process -> when to kill it
        self._started = 0
        self._pending: list[tuple[str, int, str]] = []
        self._ready: set[int] = set()
        self._sampled_at = 0.0
        timeout = settings.limits.grpc_timeout
        grace = min(settings.graceful_timeout, timeout + 1) if timeout else settings.graceful_timeout
        self._retire_seconds = grace + 2

    def start(self) -> None:
        for _ in range(self._settings.grpc_workers):
            self.serving.append(self._spawn())

    def _spawn(self) -> BaseProcess:
        from seldon_s2i.microservice import workers

        self._started += 1
        process = self._context.Process(
            target=workers.grpc_worker,
            args=(self._user, self._settings, self._dropped, self.messages),
            name=f"grpc-{self._started}",
        )
        # SIGTERM stays blocked across the fork until the child has its own handling (workers.grpc_worker), so
        # one sent while it starts is not lost to the supervisor's handler it inherits.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        try:
            process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        return process

    def all(self) -> list[BaseProcess]:
        return [*self.serving, *self.retiring]

    def tend(self, stopping: threading.Event) -> None:
        """Replace the workers that asked, and kill retired ones that outlive their grace period."""
        while (message := self._pending.pop(0) if self._pending else self.messages.receive_within(0)) is not None:
            kind, pid, reason = message
            if kind == "ready":
                self._ready.add(pid)
            elif kind == "replace":
                self._replace(pid, reason, stopping)
        self._watch_memory(stopping)
        now = time.monotonic()
        for process, deadline in list(self.retiring.items()):
            if not process.is_alive():
                process.join()
                del self.retiring[process]
            elif now > deadline:
                log.warning("%s (being replaced) did not stop in time; killing it", process.name)
                process.kill()
                process.join(2)
                del self.retiring[process]

    def _watch_memory(self, stopping: threading.Event) -> None:
        ceiling = self._settings.limits.max_worker_memory
        if not ceiling or time.monotonic() - self._sampled_at < SAMPLE_SECONDS:
            return
        self._sampled_at = time.monotonic()
        for process in list(self.serving):
            size = resident_bytes(process.pid) if process.pid in self._ready else None
            if size is not None and size > ceiling and process.pid is not None:
                self._replace(process.pid, past_ceiling(size, ceiling), stopping)

    def _replace(self, pid: int, reason: str, stopping: threading.Event) -> None:
        old = next((process for process in self.serving if process.pid == pid), None)
        if old is None or stopping.is_set():
            return
        log.info("%s: %s; starting a fresh gRPC worker before stopping it", old.name, reason)
        fresh = self._spawn()
        self.serving.append(fresh)  # if it dies in load(), the supervisor stops the service
        while not stopping.is_set() and fresh.is_alive():
            message = self.messages.receive_within(0.5)
            if message is not None and message[0] == "ready" and message[1] == fresh.pid:
                self._ready.add(message[1])
                break
            if message is not None and message[0] == "replace":
                self._pending.append(message)  # another worker's ask, handled next
        else:
            return
        self.serving.remove(old)
        self._ready.discard(pid)
        self.retiring[old] = time.monotonic() + self._retire_seconds
        if old.pid:
            os.kill(old.pid, signal.SIGTERM)
        log.info("%s replaced by %s", old.name, fresh.name)
