"""An executor whose spare threads step in only for work that has waited: health beside a stuck model call.

The gRPC server runs every call on its executor's threads. With ``--grpc-threads`` plus
``--extra-threads`` equal threads, all of them take calls all the time, and a second Python thread
busy on every call costs throughput (GIL hand-offs) for nothing. Here ``workers`` threads take each
call at once, and the ``spares`` only take a call that has waited ``delay`` seconds: never while the
workers keep up, at once when one is stuck in the model and a health check arrives.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

# Long against a healthy queue wait (milliseconds), short against a probe's timeout (a second or more).
SPARE_DELAY_SECONDS = 0.1

_Task = tuple[float, "Future[Any]", Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class SparingExecutor(Executor):
    def __init__(self, workers: int, spares: int, delay: float = SPARE_DELAY_SECONDS, name: str = "seldon") -> None:
        self.delay = delay
        self._queue: deque[_Task] = deque()
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)
        self._spare = threading.Condition(self._lock)
        self._closed = False
        self._threads = [
            threading.Thread(target=self._take_at_once, name=f"{name}-{index}", daemon=True)
            for index in range(max(1, workers))
        ] + [threading.Thread(target=self._take_when_waited, name=f"{name}-spare-{index}", daemon=True)
             for index in range(spares)]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot submit after shutdown")
            self._queue.append((time.monotonic(), future, fn, args, kwargs))
            self._work.notify()
            if len(self._queue) == 1:
                self._spare.notify()  # a spare times the new oldest task
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            if cancel_futures:
                while self._queue:
                    self._queue.popleft()[1].cancel()
            self._work.notify_all()
            self._spare.notify_all()
        if wait:
            for thread in self._threads:
                if thread is not threading.current_thread():
                    thread.join()

    def _take_at_once(self) -> None:
        while True:
            with self._lock:
                while not self._queue:
                    if self._closed:
                        return
                    self._work.wait()
                task = self._queue.popleft()
            _run(task)

    def _take_when_waited(self) -> None:
        while True:
            with self._lock:
                while True:
                    if self._closed and not self._queue:
                        return
                    if not self._queue:
                        self._spare.wait()
                        continue
                    waited = time.monotonic() - self._queue[0][0]
                    if waited >= self.delay:
                        task = self._queue.popleft()
                        if self._queue:
                            self._spare.notify()  # another spare times the next one
                        break
                    self._spare.wait(self.delay - waited)
            _run(task)


def _run(task: _Task) -> None:
    _, future, fn, args, kwargs = task
    if not future.set_running_or_notify_cancel():
        return
    try:
        result = fn(*args, **kwargs)
    except BaseException as error:  # handed to whoever waits on the future, as ThreadPoolExecutor does
        future.set_exception(error)
    else:
        future.set_result(result)
