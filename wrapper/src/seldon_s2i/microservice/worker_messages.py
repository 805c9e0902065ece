"""Serving processes tell the process that started them they are ready (``load()`` done) or want replacing."""

from __future__ import annotations

import multiprocessing
import os
from typing import Any


class WorkerMessages:
    """A queue from workers to their parent (created before the workers are forked)."""

    def __init__(self) -> None:
        self._queue: Any = multiprocessing.get_context("fork").SimpleQueue()

    def ready(self) -> None:
        self._queue.put(("ready", os.getpid(), ""))

    def replace_me(self, reason: str) -> None:
        self._queue.put(("replace", os.getpid(), reason))

    def receive(self) -> tuple[str, int, str]:
        kind, pid, detail = self._queue.get()
        return str(kind), int(pid), str(detail)

    def receive_within(self, seconds: float) -> tuple[str, int, str] | None:
        """The next message, or None if none comes within ``seconds``."""
        if not self._queue._reader.poll(seconds):
            return None
        return self.receive()
