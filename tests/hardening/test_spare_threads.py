"""The gRPC server's executor: its workers take every call, its spares only a call that has waited."""

from __future__ import annotations

import threading
import time

import pytest
from seldon_s2i.microservice.spare_threads import SparingExecutor


def _thread_name() -> str:
    return threading.current_thread().name


def test_while_the_worker_keeps_up_every_call_runs_on_it() -> None:
    executor = SparingExecutor(1, 2, delay=0.1, name="t")
    try:
        names = {executor.submit(_thread_name).result(5) for _ in range(300)}
        # A burst queued at once: each waits well under the delay behind the ones before it.
        burst = [executor.submit(_thread_name) for _ in range(100)]
        names |= {future.result(5) for future in burst}
    finally:
        executor.shutdown()
    assert names == {"t-0"}


def test_a_call_waiting_behind_a_stuck_one_runs_on_a_spare_after_the_delay() -> None:
    executor = SparingExecutor(1, 1, delay=0.2, name="t")
    release = threading.Event()
    try:
        stuck = executor.submit(release.wait, 30)
        time.sleep(0.05)
        started = time.monotonic()
        assert executor.submit(_thread_name).result(5) == "t-spare-0"
        waited = time.monotonic() - started
        assert 0.19 <= waited < 2
        release.set()
        assert stuck.result(5) is True
    finally:
        release.set()
        executor.shutdown()


def test_several_spares_take_several_waiting_calls() -> None:
    executor = SparingExecutor(1, 2, delay=0.1, name="t")
    release = threading.Event()
    try:
        executor.submit(release.wait, 30)
        held = [executor.submit(release.wait, 30) for _ in range(2)]  # both spares end up holding one
        time.sleep(0.5)
        assert all(future.running() for future in held)
        waiting = executor.submit(_thread_name)
        time.sleep(0.3)
        assert not waiting.done(), "every thread is busy: the call waits"
        release.set()
        assert waiting.result(5).startswith("t-")
    finally:
        release.set()
        executor.shutdown()


def test_errors_reach_the_caller_and_shutdown_refuses_new_work() -> None:
    executor = SparingExecutor(2, 1, name="t")

    def fail() -> None:
        raise ValueError("from the task")

    with pytest.raises(ValueError, match="from the task"):
        executor.submit(fail).result(5)
    executor.shutdown()
    with pytest.raises(RuntimeError, match="shutdown"):
        executor.submit(_thread_name)
