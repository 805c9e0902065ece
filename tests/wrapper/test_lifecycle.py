"""Process life cycle: graceful drain on SIGTERM, exit status when a server dies."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from pathlib import Path

import grpc
import pytest
import requests
from microservice_process import free_port, start
from seldon_s2i.protos import prediction_pb2 as pb
from seldon_s2i.protos import prediction_pb2_grpc as pb_grpc

COMPONENTS = Path(__file__).parent / "components"


def test_sigterm_drains_in_flight_rest_and_grpc_requests(log_dir: Path) -> None:
    service = start("Slow", COMPONENTS, log_dir, ["--threads", "2", "--grpc-threads", "2"])
    results: dict[str, object] = {}

    def rest_call() -> None:
        answer = requests.post(f"{service.url}/predict", json={"strData": "2"}, timeout=20)
        results["rest"] = (answer.status_code, answer.json().get("strData"))

    def grpc_call() -> None:
        with service.channel() as channel:
            results["grpc"] = pb_grpc.ModelStub(channel).Predict(pb.SeldonMessage(strData="2"), timeout=20).strData

    callers = [threading.Thread(target=rest_call), threading.Thread(target=grpc_call)]
    for caller in callers:
        caller.start()
    time.sleep(0.8)  # both requests are now inside predict()
    started = time.monotonic()
    service.process.send_signal(signal.SIGTERM)
    for caller in callers:
        caller.join(20)
    assert results["rest"] == (200, "slept 2")
    assert results["grpc"] == "slept 2"
    assert service.process.wait(20) == 0
    assert time.monotonic() - started < 15
    # Nothing is left listening.
    try:
        requests.get(f"{service.url}/health/ping", timeout=2)
        raise AssertionError("REST still serving after shutdown")
    except requests.ConnectionError:
        pass
    with service.channel() as channel:
        try:
            pb_grpc.ModelStub(channel).Predict(pb.SeldonMessage(strData="0"), timeout=2)
            raise AssertionError("gRPC still serving after shutdown")
        except grpc.RpcError as error:
            assert error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


def test_a_dead_grpc_worker_stops_the_service_with_failure(log_dir: Path) -> None:
    service = start("Slow", COMPONENTS, log_dir)
    try:
        worker_pids = [
            int(pid)
            for pid in os.listdir("/proc")
            if pid.isdigit() and _parent_of(int(pid)) == service.process.pid
        ]
        assert worker_pids, "no serving processes found"
        # Kill the gRPC worker the hard way, as the OOM killer would.
        grpc_workers = [pid for pid in worker_pids if "granian" not in _cmdline(pid) and _is_grpc(pid)]
        os.kill((grpc_workers or worker_pids)[0], signal.SIGKILL)
        assert service.process.wait(30) == 1
        assert "exited with status" in service.log()
    finally:
        service.stop()


def _parent_of(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().decode(errors="replace")
    except OSError:
        return ""


def _is_grpc(pid: int) -> bool:
    # The REST server's process has granian worker children; a gRPC worker has none.
    return not any(_parent_of(int(child)) == pid for child in os.listdir("/proc") if child.isdigit())


def test_failing_load_stops_the_service_with_its_message(log_dir: Path) -> None:
    service = start("BrokenLoad", COMPONENTS, log_dir, wait=False)
    try:
        assert service.process.wait(60) == 1
        assert "load() of BrokenLoad failed: RuntimeError: weights.bin is missing" in service.log()
    finally:
        service.stop()


@pytest.mark.parametrize("flag", ["--http-port", "--grpc-port", "--metrics-port"])
def test_a_taken_port_is_a_clear_failure(log_dir: Path, flag: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        service = start("Slow", COMPONENTS, log_dir, [flag, str(port)], wait=False)
        try:
            assert service.process.wait(60) == 2
            assert f"cannot listen on 127.0.0.1:{port} for" in service.log()
            assert f"({flag}): Address already in use" in service.log()
            assert "Traceback" not in service.log()
        finally:
            service.stop()


def test_custom_service_runs_beside_the_servers_and_stops_with_them(log_dir: Path) -> None:
    side_port = free_port()
    service = start("WithSideService", COMPONENTS, log_dir, env={"SIDE_PORT": str(side_port)})
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{side_port}/", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, service.log()
                time.sleep(0.2)
        assert answer.text == "side service of WithSideService"
        assert requests.post(f"{service.url}/predict", json={"strData": "x"}, timeout=5).json()["strData"] == "x"
    finally:
        assert service.stop() == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{side_port}/", timeout=2)
