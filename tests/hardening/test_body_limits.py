"""Bodies over --max-message-size get 413 however they are framed, and never reach the model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from microservice_process import Microservice, start
from raw_http import chunked, exchange, seldon_error

COMPONENTS = Path(__file__).parent / "components"
LIMIT = 1024 * 1024
PREFIX = b'{"strData":"hi"}'


@pytest.fixture(scope="module")
def passthrough(log_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Microservice, Path]]:
    calls = tmp_path_factory.mktemp("calls") / "calls.log"
    calls.touch()
    env = {"SELDON_MAX_MESSAGE_SIZE": str(LIMIT), "PAYLOAD_PASSTHROUGH": "true", "COUNTING_LOG": str(calls)}
    service = start("Passthrough", COMPONENTS, log_dir, ["--grpc-workers", "0"], env)
    try:
        yield service, calls
    finally:
        service.stop()


def _spaces(total: int, piece: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        size = min(piece, total - sent)
        yield b" " * size
        sent += size


def _post(service: Microservice, framing: bytes) -> bytes:
    return b"POST /predict HTTP/1.1\r\nHost: model\r\nContent-Type: application/json\r\n" + framing + b"\r\n"


@pytest.mark.parametrize("size", [2 * 1024 * 1024, 64 * 1024 * 1024])
def test_chunked_body_over_the_limit_gets_413_and_never_reaches_the_model(passthrough: tuple[Microservice, Path], size: int) -> None:
    service, calls = passthrough
    before = calls.read_text()
    status, headers, payload = exchange(
        service.http_port, _post(service, b"Transfer-Encoding: chunked\r\n"), chunked([PREFIX, *_spaces(size)])
    )
    assert status == 413
    assert headers["content-type"] == "application/json"
    assert seldon_error(payload)["reason"] == "MICROSERVICE_PAYLOAD_TOO_LARGE"
    assert calls.read_text() == before


def test_content_length_over_the_limit_gets_413_before_the_body_is_read(passthrough: tuple[Microservice, Path]) -> None:
    service, calls = passthrough
    before = calls.read_text()
    # Only the head is sent: the answer must not wait for a body the server will not read.
    status, _, payload = exchange(service.http_port, _post(service, b"Content-Length: %d\r\n" % (LIMIT + 1)))
    assert status == 413
    assert seldon_error(payload)["reason"] == "MICROSERVICE_PAYLOAD_TOO_LARGE"
    assert calls.read_text() == before


@pytest.mark.parametrize("framing", ["chunked", "content-length"])
def test_a_body_exactly_at_the_limit_reaches_the_model_whole(passthrough: tuple[Microservice, Path], framing: str) -> None:
    service, calls = passthrough
    body = PREFIX + b" " * (LIMIT - len(PREFIX))
    if framing == "chunked":
        head = _post(service, b"Transfer-Encoding: chunked\r\n")
        pieces = list(chunked([body[i : i + 100_000] for i in range(0, len(body), 100_000)]))
    else:
        head, pieces = _post(service, b"Content-Length: %d\r\n" % len(body)), [body]
    status, _, payload = exchange(service.http_port, head, pieces)
    assert status == 200, payload
    assert payload == b'{"strData":"received %d bytes"}' % LIMIT
    assert calls.read_text().splitlines()[-1].endswith(f"raw {LIMIT}")


def test_the_server_keeps_serving_after_refusing_bodies(passthrough: tuple[Microservice, Path]) -> None:
    service, _ = passthrough
    for _ in range(3):
        exchange(service.http_port, _post(service, b"Transfer-Encoding: chunked\r\n"), chunked([PREFIX, *_spaces(3 * LIMIT)]))
    status, _, payload = exchange(service.http_port, _post(service, b"Content-Length: 16\r\n") + PREFIX)
    assert status == 200 and payload == b'{"strData":"received 16 bytes"}'
