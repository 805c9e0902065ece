"""Whether the ports a server is about to listen on are free, checked before anything starts.

Used by ``seldon-microservice`` and ``seldon-engine`` so that a taken port stops them with one clear line
naming the port and the flag that sets it, instead of a traceback from deep inside a server library.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable


def unavailable_port(host: str, ports: Iterable[tuple[str, int]]) -> str | None:
    """Why one of ``ports`` (purpose, port) cannot be listened on at ``host``; None when all can."""
    for purpose, port in ports:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as error:
                return f"cannot listen on {host}:{port} for {purpose}: {error.strerror}"
    return None
