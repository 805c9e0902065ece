"""SIGTERM: requests in progress are finished within the grace period; if some had to be dropped, the exit
status says so (3) and the log says how many."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import requests
from microservice_process import start

COMPONENTS = Path(__file__).parent / "components"


def _post_in_background(url: str, seconds: float, outcomes: list[Any]) -> threading.Thread:
    def call() -> None:
        try:
            outcomes.append(requests.post(f"{url}/predict", json={"strData": str(seconds)}, timeout=60).status_code)
        except requests.RequestException as error:
            outcomes.append(type(error).__name__)

    thread = threading.Thread(target=call)
    thread.start()
    return thread


def _wait_in_model(calls_log: Path, calls: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len(calls_log.read_text().splitlines()) < calls:
        assert time.monotonic() < deadline, "the calls did not reach the model"
        time.sleep(0.05)


def _start(log_dir: Path, tmp_path: Path, *args: str) -> tuple[Any, Path]:
    calls_log = tmp_path / "calls.log"
    calls_log.touch()
    service = start("Sleeper", COMPONENTS, log_dir, ["--grpc-workers", "0", "--threads", "4", *args],
                    {"CALLS_LOG": str(calls_log)})
    return service, calls_log


def test_requests_in_progress_are_finished_and_the_exit_is_clean(log_dir: Path, tmp_path: Path) -> None:
    service, calls_log = _start(log_dir, tmp_path, "--graceful-timeout", "20")
    outcomes: list[Any] = []
    threads = [_post_in_background(service.url, 1.5, outcomes) for _ in range(2)]
    _wait_in_model(calls_log, 2)
    assert service.stop(timeout=60) == 0
    for thread in threads:
        thread.join()
    assert outcomes == [200, 200]
    assert "unanswered" not in service.log()


def test_requests_dropped_at_the_end_of_the_grace_period_make_the_exit_status_3(log_dir: Path, tmp_path: Path) -> None:
    service, calls_log = _start(log_dir, tmp_path, "--graceful-timeout", "1")
    outcomes: list[Any] = []
    threads = [_post_in_background(service.url, 30, outcomes) for _ in range(3)]
    _wait_in_model(calls_log, 3)
    started = time.monotonic()
    assert service.stop(timeout=60) == 3
    assert time.monotonic() - started < 15
    for thread in threads:
        thread.join()
    assert len(outcomes) == 3 and 200 not in outcomes
    log = service.log()
    assert "stopped with 3 request(s) unanswered when the grace period (--graceful-timeout 1 s) ended" in log


def test_grpc_calls_dropped_at_the_end_of_the_grace_period_are_counted(log_dir: Path, tmp_path: Path) -> None:
    import grpc
    from seldon_s2i.protos import prediction_pb2, prediction_pb2_grpc

    calls_log = tmp_path / "calls.log"
    calls_log.touch()
    args = ["--grpc-threads", "4", "--graceful-timeout", "1"]
    service = start("Sleeper", COMPONENTS, log_dir, args, {"CALLS_LOG": str(calls_log)})
    outcomes: list[Any] = []
    with service.channel() as channel:
        model = prediction_pb2_grpc.ModelStub(channel)

        def call() -> None:
            try:
                outcomes.append(model.Predict(prediction_pb2.SeldonMessage(strData="30"), timeout=60))
            except grpc.RpcError as error:
                outcomes.append(error.code())

        threads = [threading.Thread(target=call) for _ in range(2)]
        for thread in threads:
            thread.start()
        _wait_in_model(calls_log, 2)
        assert service.stop(timeout=60) == 3
        for thread in threads:
            thread.join()
    assert len(outcomes) == 2 and all(isinstance(outcome, grpc.StatusCode) for outcome in outcomes)
    assert "stopped with 2 request(s) unanswered" in service.log()
