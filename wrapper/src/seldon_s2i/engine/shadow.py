"""Mirroring predictions to shadow predictors (``ENGINE_SHADOW_ENDPOINTS``), answers ignored.

Seldon mirrors a predictor's traffic to its ``shadow`` predictor in the ingress (Istio);
without one, the controller tells the main predictor's engine where the shadows' engines
are, and the engine sends each of them a copy of every prediction (REST JSON to
``<url>/api/v1.0/predictions``) on a few background threads. The caller never waits for a
shadow: when shadows fall behind, copies beyond a small backlog are dropped and counted.
"""

from __future__ import annotations

import http.client
import logging
import threading
import urllib.parse
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger("seldon_s2i.engine")
BACKLOG = 64


class Shadows:
    def __init__(self, urls: Sequence[str], timeout: float = 10.0) -> None:
        self.targets = [urllib.parse.urlsplit(url) for url in urls]
        self.timeout = timeout
        self.pool = ThreadPoolExecutor(max_workers=max(1, min(4, 2 * len(self.targets))),
                                       thread_name_prefix="seldon-engine-shadow")
        self.lock = threading.Lock()
        self.pending = 0
        self.dropped = 0
        self.sent = 0
        self.failed = 0
        self.local = threading.local()

    def mirror(self, body: bytes, headers: Mapping[str, str]) -> None:
        for target in self.targets:
            with self.lock:
                if self.pending >= BACKLOG:
                    self.dropped += 1
                    continue
                self.pending += 1
            self.pool.submit(self._send, target, body, dict(headers))

    def _send(self, target: urllib.parse.SplitResult, body: bytes, headers: dict[str, str]) -> None:
        try:
            connections: dict[str, http.client.HTTPConnection] = self.local.__dict__.setdefault("connections", {})
            connection = connections.get(target.netloc)
            if connection is None:
                connection = http.client.HTTPConnection(target.hostname or "localhost", target.port or 80,
                                                        timeout=self.timeout)
                connections[target.netloc] = connection
            try:
                connection.request("POST", target.path.rstrip("/") + "/api/v1.0/predictions", body,
                                   {**headers, "Content-Type": "application/json"})
                answer = connection.getresponse()
                answer.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                raise
            with self.lock:
                self.sent += 1
        except (OSError, http.client.HTTPException) as error:
            with self.lock:
                self.failed += 1
            log.debug("shadow %s: %s", target.geturl(), error)
        finally:
            with self.lock:
                self.pending -= 1
