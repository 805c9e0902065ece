"""The serving processes: the gRPC worker and the REST server (granian with Flask workers)."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import random
import signal
import threading
from typing import Any, cast

from seldon_s2i.component.adapter import Component
from seldon_s2i.handler import Handler
from seldon_s2i.microservice import DROPPED_WORK_STATUS
from seldon_s2i.microservice.settings import Settings
from seldon_s2i.service import SeldonService, ServiceOptions
from seldon_s2i.v2_service import V2Model, V2Service

log = logging.getLogger("seldon_s2i.microservice")

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM this process if its parent dies, so no orphan keeps a port."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _with_jitter(max_requests: int, jitter: int) -> int:
    """This worker's --max-requests: the setting plus a random 0 to --max-requests-jitter (0: never)."""
    return max_requests + random.randint(0, jitter) if max_requests else 0


def build_service(user: Any, settings: Settings) -> SeldonService:
    """Everything one serving process needs: the user's object (loaded here), metrics and the protocol service."""
    from seldon_s2i.metrics import MetricsRecorder

    component = Component(user)
    try:
        component.load()
    except Exception as error:
        log.exception("load() of %s failed: %s: %s", type(user).__name__, type(error).__name__, error)
        raise SystemExit(1) from None
    unit = settings.unit
    options = ServiceOptions(
        include_metrics_in_response=settings.include_metrics_in_response,
        model_metadata=settings.model_metadata,
    )
    return SeldonService(component, unit, MetricsRecorder(unit), options)


def v2_service(user: Any, service: Handler, settings: Settings) -> V2Service | None:
    """The Open Inference (V2) side of ``service``, unless only Seldon's protocol is served.

    V2 clients call the model by its graph node name (PREDICTIVE_UNIT_ID), else by its class name.
    """
    if settings.protocol == "seldon":
        return None
    name = settings.unit.unit_id or type(user).__name__
    return V2Service(service, V2Model(name, settings.service_type.value))


def grpc_worker(user: Any, settings: Settings, dropped: Any = None, messages: Any = None) -> None:
    """A gRPC server process (several share the port); ``messages`` reach the supervisor, ``dropped`` counts
    calls it could not answer before its grace period ended."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides when to stop
    # Until it serves, SIGTERM ends it at once (it has taken no call); the supervisor's handler, inherited by
    # fork, would swallow the signal and leave it to be killed at the end of the grace period. The supervisor
    # forks with SIGTERM blocked: one sent meanwhile is delivered here.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    from seldon_s2i.microservice.grpc_guard import GuardedHandler
    from seldon_s2i.microservice.spare_threads import SparingExecutor
    from seldon_s2i.transport.grpc_server import build_server

    service = build_service(user, settings)
    timeout = settings.limits.grpc_timeout
    limits = settings.limits
    guarded = GuardedHandler(
        service,
        threads=settings.grpc_threads,
        timeout=timeout,
        ask_replacement=messages.replace_me if messages is not None else lambda _reason: None,
        max_requests=_with_jitter(limits.max_requests, limits.max_requests_jitter),
    )
    handler = cast(Handler, guarded)
    address = f"{settings.host}:{settings.grpc_port}"
    try:
        server = build_server(
            handler,
            address,
            settings.grpc_threads,
            settings.max_message_bytes,
            v2=v2_service(user, handler, settings),
            seldon=settings.protocol != "v2",
            # The extra threads answer health checks (and metadata) beside a model call that is stuck.
            executor=SparingExecutor(settings.grpc_threads, settings.limits.extra_threads, name="seldon-grpc"),
        )
    except (RuntimeError, OSError):
        log.error("cannot serve gRPC on %s: the port is taken or the address is not local", address)
        raise SystemExit(1) from None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server.start()
    if messages is not None:
        messages.ready()
    stop.wait()
    # No call may take longer than the timeout: past it, nothing more will be answered.
    grace = min(settings.graceful_timeout, timeout + 1) if timeout else settings.graceful_timeout
    server.stop(grace).wait()
    unanswered = guarded.in_progress
    if unanswered:
        log.error("gRPC worker: %d call(s) were not answered before the grace period ended", unanswered)
        if dropped is not None:
            with dropped.get_lock():
                dropped.value += unanswered
    # Exit now: a call stuck in the model (answered DEADLINE_EXCEEDED) would keep the process alive.
    logging.shutdown()
    os._exit(DROPPED_WORK_STATUS if unanswered else 0)


def custom_service(run: Any) -> None:
    """The component's own extra service (Seldon's ``custom_service()``); its failure does not stop the model."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        run()
    except Exception:
        log.exception("custom_service() failed; the model keeps serving")


def rest_server(user: Any, settings: Settings, dropped: Any = None) -> None:
    """The REST server process: granian's process manager over WSGI workers, each with its own load()."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    from seldon_s2i.microservice import granian_server
    from seldon_s2i.microservice.rest_guard import InFlight, ServingGuard
    from seldon_s2i.microservice.worker_messages import WorkerMessages
    from seldon_s2i.transport.request_limits import RequestLimits
    from seldon_s2i.transport.rest import create_app

    # Workers must inherit `user` by fork (Python 3.14 would otherwise pick forkserver/spawn).
    multiprocessing.set_start_method("fork", force=True)
    limits = settings.limits
    messages = WorkerMessages()

    def load_app(_target: Any) -> Any:
        # Forked from granian's process manager with its handler; until granian sets the worker's own (after
        # load), SIGTERM ends the worker at once (it has taken no connection yet).
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _die_with_parent()  # if the server process is killed, its workers stop too
        service = build_service(user, settings)
        app = create_app(
            service,
            max_request_bytes=settings.max_message_bytes,
            payload_passthrough=settings.payload_passthrough,
            v2=v2_service(user, service, settings),
            seldon=settings.protocol != "v2",
        )
        max_requests = _with_jitter(limits.max_requests, limits.max_requests_jitter)
        guard = ServingGuard(
            app,
            threads=settings.threads,
            timeout=limits.rest_timeout,
            max_requests=max_requests,
            in_flight=InFlight(server.in_flight, granian_server.worker_slot()),
            ask_replacement=messages.replace_me,
        )

        def leave(_signum: int, _frame: Any) -> None:
            guard.leaving()
            try:
                granian_server.stop_accepting()
            except OSError:
                log.exception("REST worker: could not stop accepting; it keeps serving until it is stopped")

        signal.signal(granian_server.STOP_ACCEPTING, leave)
        messages.ready()
        return RequestLimits(guard, settings.max_message_bytes)

    server = granian_server.RecyclingServer(
        target="seldon_s2i",
        address=settings.host,
        port=settings.http_port,
        interface=Interfaces.WSGI,
        workers=settings.workers,
        # --extra-threads beyond --threads: requests waiting for the model hold one each, and health checks are
        # answered beside them (each active Python thread costs CPU on every request under load).
        blocking_threads=settings.threads + limits.extra_threads,
        backpressure=limits.max_connections,
        http1_settings=HTTP1Settings(
            header_read_timeout=max(1, int(limits.header_timeout * 1000)), keep_alive=limits.keepalive > 0
        ),
        log_level=LogLevels(settings.log_level.lower()),
        log_access=settings.access_log,
        websockets=False,
        # A worker that dies (load() failing, a crash in native code) ends the service, so that the
        # platform restarts the container instead of a crash loop hiding behind a live process.
        respawn_failed_workers=False,
        workers_kill_timeout=max(1, int(settings.graceful_timeout)),
        messages=messages,
        max_worker_memory=limits.max_worker_memory,
        request_timeout=limits.rest_timeout,
        idle_seconds=limits.header_timeout,
    )
    server.serve(target_loader=load_app)
    if server.dropped:
        log.error("REST server: %d request(s) were not answered before the grace period ended", server.dropped)
        if dropped is not None:
            with dropped.get_lock():
                dropped.value += server.dropped
        raise SystemExit(DROPPED_WORK_STATUS)
