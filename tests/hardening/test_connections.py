"""Idle and slow connections cannot make the REST or metrics port unreachable; the metrics port stays bounded."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from microservice_process import Microservice, start

WRAPPER_COMPONENTS = Path(__file__).parents[1] / "wrapper" / "components"


@pytest.fixture(scope="module")
def echo(log_dir: Path) -> Iterator[Microservice]:
    args = ["--grpc-workers", "0", "--max-connections", "20", "--keepalive", "1"]
    service = start("Echo", WRAPPER_COMPONENTS, log_dir, args)
    try:
        yield service
    finally:
        service.stop()


def _closed_by_server_within(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


def _threads(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("Threads:")).split()[1])


def test_idle_keepalive_connections_over_the_limit_are_closed_and_new_clients_served(echo: Microservice) -> None:
    idle = []
    for _ in range(30):  # more than --max-connections, each idle after one request
        sock = socket.create_connection(("127.0.0.1", echo.http_port), timeout=10)
        sock.sendall(b"GET /health/ping HTTP/1.1\r\nHost: model\r\n\r\n")
        idle.append(sock)
    started = time.monotonic()
    answer = requests.post(f"{echo.url}/predict", json={"strData": "still here"}, timeout=30)
    assert answer.status_code == 200 and answer.json()["strData"] == "still here"
    assert time.monotonic() - started < 10  # --keepalive 1: idle connections go after a second
    for sock in idle:
        assert _closed_by_server_within(sock, 10)
        sock.close()


def test_a_client_sending_its_headers_slowly_is_cut_off(echo: Microservice) -> None:
    slow = socket.create_connection(("127.0.0.1", echo.http_port), timeout=10)
    slow.sendall(b"POST /predict HTTP/1.1\r\nHost: model\r\n")
    started = time.monotonic()
    assert _closed_by_server_within(slow, 15)
    assert time.monotonic() - started < 10
    slow.close()


def test_the_metrics_port_serves_scrapes_beside_hundreds_of_idle_connections(echo: Microservice) -> None:
    supervisor_threads = _threads(echo.process.pid)
    idle = [socket.create_connection(("127.0.0.1", echo.metrics_port), timeout=10) for _ in range(400)]
    try:
        time.sleep(0.5)
        started = time.monotonic()
        for _ in range(20):
            scrape = requests.get(f"{echo.metrics_url}/prometheus", timeout=10)
            assert scrape.status_code == 200
        assert time.monotonic() - started < 10
        assert _threads(echo.process.pid) <= supervisor_threads + 2  # no thread per connection
    finally:
        for sock in idle:
            sock.close()


def test_the_metrics_port_closes_idle_connections_and_shows_no_server_banner(echo: Microservice) -> None:
    silent = socket.create_connection(("127.0.0.1", echo.metrics_port), timeout=10)
    started = time.monotonic()
    assert _closed_by_server_within(silent, 30)
    assert time.monotonic() - started < 15
    silent.close()
    scrape = requests.get(f"{echo.metrics_url}/metrics", timeout=10)
    assert scrape.status_code == 200 and "Server" not in scrape.headers
    assert "WSGIServer" not in scrape.text and "CPython" not in scrape.text
