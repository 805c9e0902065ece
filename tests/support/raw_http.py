"""Raw HTTP/1.1 exchanges for what ordinary clients will not send (oversized, chunked, malformed)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable, Iterator

import orjson


def exchange(port: int, head: bytes, body: Iterable[bytes] = (), timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    """Send ``head`` and ``body`` (from a thread, so an early answer is read), return status, headers and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:

        def send() -> None:
            try:
                sock.sendall(head)
                for piece in body:
                    sock.sendall(piece)
            except OSError:
                pass  # the server answered early and closed: the answer is what the test looks at

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        received = b""
        while b"\r\n\r\n" not in received or not _complete(received):
            try:
                piece = sock.recv(65536)
            except ConnectionResetError:
                break
            if not piece:
                break
            received += piece
        sender.join(timeout)
    head_part, _, payload = received.partition(b"\r\n\r\n")
    lines = head_part.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    return status, headers, payload


def _complete(received: bytes) -> bool:
    head, _, payload = received.partition(b"\r\n\r\n")
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            return len(payload) >= int(value)
    return False


def chunked(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """HTTP/1.1 chunked framing of ``pieces``."""
    for piece in pieces:
        if piece:
            yield b"%x\r\n" % len(piece) + piece + b"\r\n"
    yield b"0\r\n\r\n"


def seldon_error(payload: bytes) -> dict[str, object]:
    """The ``status`` object of Seldon's error JSON; fails the test if ``payload`` is not one."""
    document = orjson.loads(payload)
    status = document["status"]
    assert status["status"] == 1 and status["code"] == -1 and isinstance(status["info"], str), document
    assert isinstance(status["reason"], str) and status["reason"].startswith("MICROSERVICE_"), document
    return dict(status)
