"""A work queue of SeldonDeployment keys: each key once in the queue, never in two workers at once, retried later.

As client-go's rate-limited queue: a key added while a worker holds it is processed again once that worker is
done; ``add_after`` schedules retries (failures back off exponentially) and periodic resyncs.
"""

from __future__ import annotations

import collections
import heapq
import itertools
import threading
import time

Key = tuple[str, str]  # namespace, name


class WorkQueue:
    def __init__(self) -> None:
        self._ready: collections.deque[Key] = collections.deque()
        self._queued: set[Key] = set()
        self._processing: set[Key] = set()
        self._again: set[Key] = set()
        self._later: list[tuple[float, int, Key]] = []
        self._order = itertools.count()
        self._failures: dict[Key, int] = {}
        self._condition = threading.Condition()
        self._closed = False

    def add(self, key: Key) -> None:
        with self._condition:
            if key in self._processing:
                self._again.add(key)
            elif key not in self._queued:
                self._queued.add(key)
                self._ready.append(key)
                self._condition.notify()

    def add_after(self, key: Key, delay: float) -> None:
        with self._condition:
            heapq.heappush(self._later, (time.monotonic() + delay, next(self._order), key))
            self._condition.notify()

    def retry(self, key: Key) -> float:
        """Schedule ``key`` again after its next backoff (5 ms doubling up to 30 s); returns the delay."""
        with self._condition:
            failures = self._failures[key] = self._failures.get(key, 0) + 1
        delay = min(0.005 * 2.0 ** failures, 30.0)
        self.add_after(key, delay)
        return delay

    def succeeded(self, key: Key) -> None:
        with self._condition:
            self._failures.pop(key, None)

    def get(self, timeout: float = 1.0) -> Key | None:
        deadline = time.monotonic() + timeout
        with self._condition:
            while not self._closed:
                now = time.monotonic()
                while self._later and self._later[0][0] <= now:
                    key = heapq.heappop(self._later)[2]
                    if key in self._processing:
                        self._again.add(key)
                    elif key not in self._queued:
                        self._queued.add(key)
                        self._ready.append(key)
                if self._ready:
                    key = self._ready.popleft()
                    self._queued.discard(key)
                    self._processing.add(key)
                    return key
                wait = deadline - now
                if self._later:
                    wait = min(wait, self._later[0][0] - now)
                if wait <= 0:
                    return None
                self._condition.wait(wait)
            return None

    def done(self, key: Key) -> None:
        with self._condition:
            self._processing.discard(key)
            if key in self._again:
                self._again.discard(key)
                self._queued.add(key)
                self._ready.append(key)
                self._condition.notify()

    def __len__(self) -> int:
        with self._condition:
            return len(self._ready) + len(self._later)

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify_all()
