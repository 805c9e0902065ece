"""REST workers are replaced after --max-requests and past --max-worker-memory, with no request failing."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import grpc
import requests
from microservice_process import Microservice, running
from seldon_s2i.protos import prediction_pb2, prediction_pb2_grpc

COMPONENTS = Path(__file__).parent / "components"


def _load(service: Microservice, clients: int, each: int) -> tuple[list[str], list[tuple[int, int, int]]]:
    """``clients`` threads each sending ``each`` predictions on a keep-alive session: failures, (pid, loaded_in, kept)."""
    failures: list[str] = []
    answers: list[tuple[int, int, int]] = []

    def client() -> None:
        with requests.Session() as session:
            for _ in range(each):
                try:
                    answer = session.post(f"{service.url}/predict", json={"strData": "x"}, timeout=60)
                except requests.RequestException as error:
                    failures.append(repr(error))
                    continue
                if answer.status_code != 200:
                    failures.append(f"{answer.status_code} {answer.text}")
                    continue
                pid, loaded_in, kept = (int(part) for part in answer.json()["strData"].split())
                answers.append((pid, loaded_in, kept))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures, answers


def test_workers_are_replaced_after_max_requests_with_no_request_failing(log_dir: Path) -> None:
    args = ["--grpc-workers", "0", "--workers", "2", "--max-requests", "40", "--max-requests-jitter", "10"]
    with running("Leaky", COMPONENTS, log_dir, args) as service:
        failures, answers = _load(service, clients=4, each=100)
        assert service.stop() == 0  # nothing dropped, nothing killed
        log = service.log()
    assert failures == []
    assert len(answers) == 400
    # Every answer comes from a worker that ran load() itself before taking traffic.
    assert all(pid == loaded_in for pid, loaded_in, _ in answers)
    served = Counter(pid for pid, _, _ in answers)
    # 2 workers at first, each asking to be replaced after 40 to 50 requests (and serving on until the fresh one is up)
    assert len(served) >= 4, served
    assert "served 4" in log or "served 5" in log
    assert "(--max-requests); starting a fresh worker before stopping it" in log


def test_a_worker_past_the_memory_ceiling_is_replaced_with_no_request_failing(log_dir: Path) -> None:
    leak = '[{"name": "megabytes_per_call", "value": "8", "type": "INT"}]'
    args = ["--grpc-workers", "0", "--max-worker-memory", "160Mi"]
    with running("Leaky", COMPONENTS, log_dir, args, {"PREDICTIVE_UNIT_PARAMETERS": leak}) as service:
        failures: list[str] = []
        answers: list[tuple[int, int, int]] = []
        # Slower than the memory is sampled (every second), as a leak in production is.
        for _ in range(12):
            more_failures, more_answers = _load(service, clients=1, each=6)
            failures += more_failures
            answers += more_answers
            threading.Event().wait(0.4)
        assert service.stop() == 0
        log = service.log()
    assert failures == []
    assert all(pid == loaded_in for pid, loaded_in, _ in answers)
    assert len({pid for pid, _, _ in answers}) >= 2
    assert "past --max-worker-memory (160 MiB); starting a fresh worker before stopping it" in log
    # Without the ceiling one worker would hold all 72 leaked blocks (576 MiB); replaced workers start afresh.
    assert max(kept for _, _, kept in answers) < 50


def _grpc_load(service: Microservice, calls: int, pause: float = 0.0) -> tuple[list[str], list[tuple[int, int, int]]]:
    """``calls`` predictions over one gRPC channel (as a client keeps it): failures, (pid, loaded_in, kept)."""
    failures: list[str] = []
    answers: list[tuple[int, int, int]] = []
    with grpc.insecure_channel(service.grpc_target) as channel:
        predict = prediction_pb2_grpc.ModelStub(channel).Predict
        for _ in range(calls):
            try:
                answer = predict(prediction_pb2.SeldonMessage(strData="x"), timeout=60)
            except grpc.RpcError as error:
                failures.append(f"{error.code().name} {error.details()}")
                continue
            pid, loaded_in, kept = (int(part) for part in answer.strData.split())
            answers.append((pid, loaded_in, kept))
            threading.Event().wait(pause)
    return failures, answers


def test_grpc_workers_are_replaced_after_max_requests_with_no_call_failing(log_dir: Path) -> None:
    args = ["--grpc-workers", "1", "--max-requests", "30", "--max-requests-jitter", "5"]
    with running("Leaky", COMPONENTS, log_dir, args) as service:
        # Paced, so that fresh workers (forked, load() run) come up while the calls go on.
        failures, answers = _grpc_load(service, calls=200, pause=0.02)
        assert service.stop() == 0  # nothing dropped, nothing killed
        log = service.log()
    assert failures == []
    assert len(answers) == 200
    # Every answer comes from a worker that ran load() itself before taking calls.
    assert all(pid == loaded_in for pid, loaded_in, _ in answers)
    served = Counter(pid for pid, _, _ in answers)
    assert len(served) >= 3, served
    assert "calls (--max-requests); asking for a fresh worker" in log
    assert "(--max-requests); starting a fresh gRPC worker before stopping it" in log


def test_a_grpc_worker_past_the_memory_ceiling_is_replaced_with_no_call_failing(log_dir: Path) -> None:
    leak = '[{"name": "megabytes_per_call", "value": "8", "type": "INT"}]'
    args = ["--grpc-workers", "1", "--max-worker-memory", "160Mi"]
    with running("Leaky", COMPONENTS, log_dir, args, {"PREDICTIVE_UNIT_PARAMETERS": leak}) as service:
        # Slower than the memory is sampled (every second), as a leak in production is.
        failures, answers = _grpc_load(service, calls=72, pause=0.07)
        assert service.stop() == 0
        log = service.log()
    assert failures == []
    assert all(pid == loaded_in for pid, loaded_in, _ in answers)
    assert len({pid for pid, _, _ in answers}) >= 2
    assert "past --max-worker-memory (160 MiB); starting a fresh gRPC worker before stopping it" in log
    # Without the ceiling one worker would hold all 72 leaked blocks (576 MiB).
    assert max(kept for _, _, kept in answers) < 50
