"""Start-up checks and the process tree of a serving microservice.

The supervisor (this process) imports and checks the user's class, builds one
instance (as Seldon does, so expensive ``__init__`` work is shared by fork),
then forks the gRPC workers and the REST server (granian, which forks its own
WSGI workers), and serves Prometheus metrics itself. Every serving process
calls ``load()`` once. SIGTERM/SIGINT drain: each server stops taking new work
and finishes what it has within ``--graceful-timeout``. If any serving process
dies, everything stops and the exit status is non-zero, so the platform
restarts the container.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
from multiprocessing.process import BaseProcess
from typing import Any

from seldon_s2i.component import contract
from seldon_s2i.component.loader import import_class, parse_parameters
from seldon_s2i.errors import ComponentContractError, SeldonMicroserviceException
from seldon_s2i.listening import unavailable_port
from seldon_s2i.microservice import DROPPED_WORK_STATUS
from seldon_s2i.microservice.grpc_workers import GrpcWorkers
from seldon_s2i.microservice.settings import Settings

log = logging.getLogger("seldon_s2i.microservice")


def _fail(message: str, status: int = 2) -> int:
    print(f"seldon-microservice: error: {message}", file=sys.stderr)
    return status


def _checked_class(settings: Settings) -> tuple[type, dict[str, Any]]:
    component_class = import_class(settings.interface_name)
    for warning in contract.check(component_class, settings.service_type):
        print(f"seldon-microservice: warning: {warning}", file=sys.stderr)
    return component_class, parse_parameters(settings.parameters)


def validate(settings: Settings) -> int:
    """``--validate``: import and check the class without constructing it or starting servers."""
    try:
        component_class, parameters = _checked_class(settings)
    except (ComponentContractError, SeldonMicroserviceException) as error:
        return _fail(str(error))
    # The model's own packages share the process: check the servers still import with them.
    for module in ("seldon_s2i.transport.rest", "seldon_s2i.transport.grpc_server", "seldon_s2i.metrics"):
        try:
            importlib.import_module(module)
        except Exception as error:
            return _fail(f"the server cannot run with this model's packages ({module}): {type(error).__name__}: {error}")
    names = ", ".join(sorted(parameters)) or "none"
    print(
        f"seldon-microservice: {settings.interface_name} ({component_class.__module__}.{component_class.__qualname__}) "
        f"can serve as {settings.service_type.value}; parameters: {names}"
    )
    return 0


def run(settings: Settings) -> int:
    try:
        component_class, parameters = _checked_class(settings)
    except (ComponentContractError, SeldonMicroserviceException) as error:
        return _fail(str(error))
    try:
        user = component_class(**parameters)
    except Exception as error:
        log.exception("constructing %s failed", settings.interface_name)
        return _fail(f"constructing {settings.interface_name} failed: {type(error).__name__}: {error}", 1)

    problem = _unavailable_port(settings)
    if problem:
        return _fail(problem)

    from seldon_s2i.microservice import workers

    context = multiprocessing.get_context("fork")
    dropped = context.Value("q", 0)  # requests the servers could not answer before their grace period ended
    grpc = GrpcWorkers(context, user, settings, dropped)
    grpc.start()
    rest = context.Process(target=workers.rest_server, args=(user, settings, dropped), name="rest")
    rest.start()
    # Seldon's one hook for extra endpoints: custom_service() runs in a process of its own, beside the servers.
    helpers: list[BaseProcess] = []
    custom_service = contract.implemented(user, "custom_service")
    if custom_service is not None:
        helpers.append(context.Process(target=workers.custom_service, args=(custom_service,), name="custom_service"))
        helpers[0].start()

    stopping = threading.Event()

    def request_stop(signum: int, _frame: Any) -> None:
        log.info("received %s, draining", signal.Signals(signum).name)
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    if settings.pidfile:
        with open(settings.pidfile, "w") as handle:
            handle.write(f"{os.getpid()}\n")

    from seldon_s2i.microservice.metrics_server import start_metrics_server

    metrics_server = start_metrics_server(settings)
    log.info(
        "serving %s as %s: REST %s:%d (%d worker(s) x %d thread(s)), gRPC %s, metrics :%d",
        settings.interface_name,
        settings.service_type.value,
        settings.host,
        settings.http_port,
        settings.workers,
        settings.threads,
        f"{settings.host}:{settings.grpc_port} ({settings.grpc_workers} worker(s))" if settings.grpc_workers else "off",
        settings.metrics_port,
    )
    failed = None
    while not stopping.is_set():
        serving = [rest, *grpc.serving]
        multiprocessing.connection.wait([child.sentinel for child in serving], timeout=0.5)
        dead = [child for child in serving if not child.is_alive()]
        if dead:
            failed = dead[0]
            break
        grpc.tend(stopping)
    if failed is not None and not stopping.is_set():
        log.error("%s server exited with status %s; stopping", failed.name, failed.exitcode)
    killed = _stop_children([*grpc.all(), rest, *helpers], settings.graceful_timeout)
    metrics_server.shutdown()
    if settings.pidfile:
        with contextlib.suppress(OSError):
            os.unlink(settings.pidfile)
    if failed is not None and not stopping.is_set():
        return 1
    if dropped.value or killed:
        log.error(
            "stopped with %d request(s) unanswered when the grace period (--graceful-timeout %g s) ended%s",
            dropped.value,
            settings.graceful_timeout,
            f"; killed {', '.join(killed)}" if killed else "",
        )
        return DROPPED_WORK_STATUS
    return 0


def _unavailable_port(settings: Settings) -> str | None:
    """Why a port cannot be listened on, checked before anything starts (a clear message, not a crash)."""
    ports = [("REST (--http-port)", settings.http_port), ("metrics (--metrics-port)", settings.metrics_port)]
    if settings.grpc_workers:
        ports.append(("gRPC (--grpc-port)", settings.grpc_port))
    return unavailable_port(settings.host, ports)


def _stop_children(children: list[BaseProcess], grace: float) -> list[str]:
    """Stop every child within ``grace`` seconds (and a margin), killing the late; the names of the killed."""
    for child in children:
        if child.is_alive() and child.pid:
            os.kill(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace + 2
    killed = []
    for child in children:
        child.join(max(0.0, deadline - time.monotonic()))
        if child.is_alive():
            log.warning("%s server did not stop in time; killing it", child.name)
            child.kill()
            child.join(2)
            killed.append(str(child.name))
        elif child.exitcode == DROPPED_WORK_STATUS:
            log.warning("%s server stopped with requests unanswered", child.name)
    return killed
