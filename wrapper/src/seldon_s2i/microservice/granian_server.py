"""The REST server process: granian's process manager, taught to replace a worker without dropping a request.

granian can respawn workers on a timer or past a memory size sampled every
30 s or more, but it stops the old worker a fixed time after starting the new
one, and on Linux each worker has its own listening socket (SO_REUSEPORT), so
connections queued on the old one are reset unless net.ipv4.tcp_migrate_req is
set. Here:

- all workers accept from ONE listening socket, so a connection queued while a
  worker leaves is taken by another;
- a worker is replaced when it asks (``--max-requests`` reached, a call past
  ``--rest-timeout``) or when its resident memory passes ``--max-worker-memory``
  (sampled every second); the fresh worker is started first and the old one is
  stopped only once the fresh one has run ``load()`` and is serving;
- every worker counts its requests not yet answered in shared memory, so
  requests cut off when a worker had to be killed are counted (``dropped``).

This uses granian's process-manager internals (``granian.server.mp``); the
wrapper pins granian to the minor versions it was checked against.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import threading
import time
from typing import Any

from granian.net import SocketSpec
from granian.server.mp import MPServer, WorkerProcess

from seldon_s2i.microservice.resident_memory import SAMPLE_SECONDS, past_ceiling, resident_bytes
from seldon_s2i.microservice.worker_messages import WorkerMessages

log = logging.getLogger("seldon_s2i.microservice")


# Set in the server process before a worker is forked; the worker reads its own copy.
_worker_slot = -1
_listener_inode = -1
_stopped_listeners: list[socket.socket] = []
STOP_ACCEPTING = signal.SIGUSR1


def worker_slot() -> int:
    """In a worker: its slot in the shared in-flight counters."""
    return _worker_slot


def stop_accepting() -> None:
    """In a worker being replaced: take no more connections from the shared socket; the others take them.

    granian cannot be told to stop accepting without also closing the connections it has, one of which may
    hold a request not yet read. So the worker's descriptors of the shared socket are pointed at a listening
    socket nobody can reach (non-blocking: accept() finds nothing); the kernel queue stays the others'.
    """
    unreachable = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unreachable.bind("")  # Linux picks an unused abstract address
    unreachable.setblocking(False)
    unreachable.listen(1)
    _stopped_listeners.append(unreachable)
    for name in os.listdir("/proc/self/fd"):
        descriptor = int(name)
        with contextlib.suppress(OSError):
            if descriptor != unreachable.fileno() and os.fstat(descriptor).st_ino == _listener_inode:
                os.dup2(unreachable.fileno(), descriptor)


class RecyclingServer(MPServer):
    def __init__(
        self,
        *args: Any,
        messages: WorkerMessages,
        max_worker_memory: int,
        request_timeout: float,
        idle_seconds: float,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.drain_seconds = idle_seconds + 0.5
        self.messages = messages
        self.max_worker_memory = max_worker_memory
        # A worker being replaced has this long to finish: no request may take longer than the request
        # timeout, so with one set, a worker kept alive by a stuck call goes as soon as the others are answered.
        kill_timeout = float(self.workers_kill_timeout or 30)
        self.replaced_kill_timeout = min(kill_timeout, request_timeout + 1) if request_timeout else kill_timeout
        # Slots for the workers serving and those being retired (each for up to a drain and a grace period).
        self.in_flight: Any = multiprocessing.get_context("fork").RawArray("q", 8 * self.workers + 16)
        self.dropped = 0
        self._slots: dict[int, int] = {}  # worker pid -> slot
        self._ready: set[int] = set()
        self._to_replace: dict[int, str] = {}  # worker pid -> why
        self._replaced: set[int] = set()
        self._stoppers: list[threading.Thread] = []
        self._lock = threading.Condition()

    # ---- listening: one socket shared by every worker -----------------------------------------------------
    def _init_shared_socket(self) -> None:
        holder: Any = SocketSpec(self.bind_addr, self.bind_port, self.backlog).build()
        descriptor: int = holder.get_fd()
        self._shd = holder
        self._sfd = descriptor  # type: ignore[assignment]  # granian declares it None until set
        self._ssp = None
        sock = socket.socket(fileno=descriptor)
        sock.set_inheritable(True)
        self._sso = sock
        global _listener_inode
        _listener_inode = os.fstat(descriptor).st_ino

    # ---- starting workers ---------------------------------------------------------------------------------
    def startup(self, spawn_target: Any, target_loader: Any) -> None:
        threading.Thread(target=self._receive_messages, name="worker-messages", daemon=True).start()
        if self.max_worker_memory:
            threading.Thread(target=self._watch_memory, name="worker-memory", daemon=True).start()
        super().startup(spawn_target, target_loader)  # type: ignore[no-untyped-call]

    def _spawn_workers(self, spawn_target: Any, target_loader: Any) -> None:
        for idx in range(self.workers):
            self.wrks.append(self._start_worker(idx, spawn_target, target_loader))
        self._metrics.incr_spawn(self.workers)

    def _start_worker(self, idx: int, spawn_target: Any, target_loader: Any) -> WorkerProcess:
        global _worker_slot
        with self._lock:
            used = set(self._slots.values())
            # All taken only if workers are retired faster than they stop: share the last slot then.
            _worker_slot = next((slot for slot in range(len(self.in_flight)) if slot not in used), len(self.in_flight) - 1)
            self.in_flight[_worker_slot] = 0
            worker = self._spawn_worker(idx=idx, target=spawn_target, callback_loader=target_loader)
            worker.start()
            self._slots[worker._id()] = _worker_slot
        return worker

    # ---- replacing workers --------------------------------------------------------------------------------
    def _receive_messages(self) -> None:
        while True:
            kind, pid, detail = self.messages.receive()
            if kind == "ready":
                with self._lock:
                    self._ready.add(pid)
                    self._lock.notify_all()
            elif kind == "replace":
                self._ask_replacement(pid, detail)

    def _watch_memory(self) -> None:
        while True:
            time.sleep(SAMPLE_SECONDS)
            for worker in list(self.wrks):
                pid = worker._id()
                size = resident_bytes(pid) if pid in self._ready else None
                if size is not None and size > self.max_worker_memory:
                    self._ask_replacement(pid, past_ceiling(size, self.max_worker_memory))

    def _ask_replacement(self, pid: int, reason: str) -> None:
        with self._lock:
            if pid in self._to_replace or pid in self._replaced:
                return
            self._to_replace[pid] = reason
        # granian's main loop calls _handle_rss_signal on this signal (its own memory watcher is not used).
        self.rss_signal = True
        self.main_loop_interrupt.set()

    def _watch_workers_rss(self) -> None:
        pass  # the memory watcher above runs for the server's whole life

    def _handle_rss_signal(self, spawn_target: Any, target_loader: Any) -> None:
        # Asks arriving while a worker is being replaced are handled in this same call.
        while not self.interrupt_signal:
            with self._lock:
                if not self._to_replace:
                    return
                pid, reason = next(iter(self._to_replace.items()))
            old = next((worker for worker in self.wrks if worker._id() == pid), None)
            if old is not None:
                log.info("REST worker %d: %s; starting a fresh worker before stopping it", pid, reason)
                self._replace(old, spawn_target, target_loader)
            with self._lock:
                self._to_replace.pop(pid, None)
                self._replaced.add(pid)

    def _replace(self, old: WorkerProcess, spawn_target: Any, target_loader: Any) -> None:
        fresh = self._start_worker(old.idx, spawn_target, target_loader)
        fresh_pid = fresh._id()
        with self._lock:
            while fresh_pid not in self._ready and fresh.is_alive() and not self.interrupt_signal:
                self._lock.wait(0.5)
        if fresh_pid not in self._ready:
            # It died in load() (granian then stops the server) or the server is stopping: not one of self.wrks,
            # so stop it here (still in load(), it has taken no connection).
            fresh.kill()
            fresh.join(5)
            self._account(fresh)
            return
        self.wrks[self.wrks.index(old)] = fresh
        stopper = threading.Thread(target=self._retire, args=(old,), name="stop-worker")
        stopper.start()  # the main loop stays free for the next replacement and for SIGTERM
        self._stoppers.append(stopper)
        self._metrics.incr_respawn_rss(1)
        log.info("REST worker %d replaced by %d", old._id(), fresh_pid)

    def _retire(self, worker: WorkerProcess) -> None:
        """Stop a replaced worker without cutting a request: it stops accepting, answers what it has with
        ``Connection: close`` and lets idle keep-alive connections time out; then it is told to stop."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker._id(), STOP_ACCEPTING)
        time.sleep(self.drain_seconds)
        self._stop(worker, self.replaced_kill_timeout)

    def _stop(self, worker: WorkerProcess, timeout: float) -> None:
        worker.terminate()
        # The sentinel, not join(): granian's watcher thread may have reaped the process already.
        if not multiprocessing.connection.wait([worker.inner.sentinel], timeout):
            log.warning("REST worker %d did not finish its requests in time; killing it", worker._id())
            worker.kill()
        worker.join(5)
        self._account(worker)

    def _account(self, worker: WorkerProcess) -> None:
        pid = worker._id()
        with self._lock:
            slot = self._slots.pop(pid, None)
            self._ready.discard(pid)
        if slot is not None and self.in_flight[slot] > 0:
            log.error("REST worker %d was stopped with %d request(s) unanswered", pid, self.in_flight[slot])
            self.dropped += self.in_flight[slot]

    # ---- stopping -----------------------------------------------------------------------------------------
    def _stop_workers(self) -> None:
        for stopper in self._stoppers:
            stopper.join()
        workers = list(self.wrks)
        super()._stop_workers()  # type: ignore[no-untyped-call]
        for worker in workers:
            self._account(worker)

