"""HTTP POSTs the caller never waits for: a few background threads, keep-alive connections, a bounded backlog.

Shadow predictors and payload loggers both get copies of the traffic this way. A request
never waits on them: when they fall behind, copies past the backlog are dropped and
counted (and logged once in a while), as Seldon's executor drops log requests past its
queue.
"""

from __future__ import annotations

import http.client
import logging
import threading
import urllib.parse
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger("seldon_s2i.engine")


class BackgroundPoster:
    def __init__(self, name: str, workers: int, backlog: int, timeout: float) -> None:
        self.name = name
        self.backlog = backlog
        self.timeout = timeout
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix=f"seldon-engine-{name}")
        self.lock = threading.Lock()
        self.pending = 0
        self.dropped = 0
        self.sent = 0
        self.failed = 0
        self.local = threading.local()

    def post(self, url: urllib.parse.SplitResult, path: str, body: bytes, headers: Mapping[str, str]) -> bool:
        """Queue a POST of ``body`` to ``path`` on ``url``'s host; False if the backlog is full (dropped)."""
        with self.lock:
            if self.pending >= self.backlog:
                self.dropped += 1
                if self.dropped == 1 or self.dropped % 1000 == 0:
                    log.warning("%s: %d POST(s) to %s dropped so far: more than %d waiting", self.name,
                                self.dropped, url.netloc, self.backlog)
                return False
            self.pending += 1
        self.pool.submit(self._send, url, path, body, dict(headers))
        return True

    def _connection(self, url: urllib.parse.SplitResult) -> http.client.HTTPConnection:
        connections: dict[str, http.client.HTTPConnection] = self.local.__dict__.setdefault("connections", {})
        key = f"{url.scheme}://{url.netloc}"
        connection = connections.get(key)
        if connection is None:
            kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
            connection = kind(url.hostname or "localhost", url.port, timeout=self.timeout)
            connections[key] = connection
        return connection

    def _send(self, url: urllib.parse.SplitResult, path: str, body: bytes, headers: dict[str, str]) -> None:
        try:
            connection = self._connection(url)
            try:
                connection.request("POST", path, body, headers)
                answer = connection.getresponse()
                answer.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                raise
            with self.lock:
                if answer.status >= 300:
                    self.failed += 1
                else:
                    self.sent += 1
            if answer.status >= 300:
                log.debug("%s %s%s: answered %d", self.name, url.netloc, path, answer.status)
        except (OSError, http.client.HTTPException) as error:
            with self.lock:
                self.failed += 1
            log.debug("%s %s%s: %s", self.name, url.netloc, path, error)
        finally:
            with self.lock:
                self.pending -= 1
