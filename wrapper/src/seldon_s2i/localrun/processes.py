"""Child processes of ``seldon-s2i run``: logs streamed with the component's name, readiness, a clean stop.

Each child runs in a session of its own: it gets SIGTERM and drains its own workers
(granian, gRPC), and whatever is left of its session is killed at the end, so no
process outlives the command. Linux also sends a child SIGTERM if ``seldon-s2i run``
itself dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

_PR_SET_PDEATHSIG = 1
TAIL_LINES = 30


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Child:
    """A started process; its output goes to ``out`` line by line, prefixed with its name."""

    def __init__(self, name: str, command: Sequence[str], cwd: Path | None, environment: Mapping[str, str],
                 out: TextIO, lock: threading.Lock) -> None:
        self.name = name
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self.process = subprocess.Popen(
            list(command), cwd=cwd, env=dict(environment), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent,
        )
        self._out = out
        self._lock = lock
        self.reader = threading.Thread(target=self._pump, name=f"log-{name}", daemon=True)
        self.reader.start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.tail.append(line)
            with self._lock:
                self._out.write(f"[{self.name}] {line}\n")
                self._out.flush()

    def exited(self) -> bool:
        return self.process.poll() is not None

    def log_tail(self) -> str:
        self.reader.join(timeout=2)  # the last lines of a process that just ended
        return "\n".join(f"  [{self.name}] {line}" for line in self.tail) or f"  [{self.name}] (no output)"


class ProcessGroup:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.lock = threading.Lock()
        self.children: list[Child] = []

    def start(self, name: str, command: Sequence[str], cwd: Path | None, environment: Mapping[str, str]) -> Child:
        child = Child(name, command, cwd, environment, self.out, self.lock)
        self.children.append(child)
        return child

    def first_exited(self) -> Child | None:
        return next((child for child in self.children if child.exited()), None)

    def stop(self, grace: float = 10.0, on_kill: Callable[[Child], None] | None = None) -> None:
        """SIGTERM to every child (each stops its own workers), then SIGKILL to each child's whole process
        group once ``grace`` seconds have passed or the child has left (no worker outlives its parent)."""
        for child in self.children:
            with contextlib.suppress(ProcessLookupError):
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in self.children:
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                if on_kill is not None:
                    on_kill(child)
        for child in self.children:
            _signal_group(child, signal.SIGKILL)  # stragglers of a group whose leader already left
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(5)
            child.reader.join(timeout=2)


def _signal_group(child: Child, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.process.pid, signum)


def http_ready(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return int(answer.status) == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def grpc_ready(address: str, timeout: float = 1.0) -> bool:
    """Whether the gRPC server at ``host:port`` answers standard health checking with SERVING.

    A component's REST port can answer before its gRPC worker serves; a graph whose requests come in over gRPC
    calls its nodes over gRPC, so both must be up before the graph is announced.
    """
    with grpc.insecure_channel(address) as channel:
        try:
            health: Any = health_pb2_grpc.HealthStub(channel)  # the stubs leave out its methods
            answer = health.Check(health_pb2.HealthCheckRequest(), timeout=timeout)
        except grpc.RpcError:
            return False
    return bool(answer.status == health_pb2.HealthCheckResponse.SERVING)


def ready(target: str) -> bool:
    """``http://…`` answers 200, or ``grpc://host:port`` reports SERVING."""
    if target.startswith("grpc://"):
        return grpc_ready(target.removeprefix("grpc://"))
    return http_ready(target)


class StartFailure(Exception):
    """A child ended, or did not become ready in time, before the graph was up."""

    def __init__(self, child: Child, why: str) -> None:
        super().__init__(f"component {child.name!r} {why}; its last log lines:\n{child.log_tail()}")
        self.child = child


def wait_ready(group: ProcessGroup, checks: Sequence[tuple[Child, str]], timeout: float,
               stopping: threading.Event) -> None:
    """Poll each child's readiness target (see ``ready``) until all are ready; StartFailure if one ends or time
    runs out."""
    pending = list(checks)
    deadline = time.monotonic() + timeout
    while pending and not stopping.is_set():
        for child, url in list(pending):
            if child.exited():
                raise StartFailure(child, f"exited with status {child.process.returncode} before it was ready")
            if ready(url):
                pending.remove((child, url))
        if not pending:
            return
        if time.monotonic() > deadline:
            raise StartFailure(pending[0][0], f"was not ready after {timeout:g} s ({pending[0][1]})")
        stopping.wait(0.2)
