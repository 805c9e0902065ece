"""``seldon-s2i run <graph>``: run a SeldonDeployment locally, components from source folders (or images).

Starts every graph container with ``seldon-microservice`` (or podman with
``--containers``) and then ``seldon-engine``, waits until all are ready, prints the
endpoints and streams each log with the component's name. Ctrl-C or SIGTERM stops
everything; a component that fails to start is reported with its last log lines and
nothing is left running. With ``--containers``, a container named for a graph node
(``seldon-s2i-<deployment>-<node>``) that a live run of the same deployment still owns
refuses the start before anything runs; a leftover of a killed run is removed. The plan
(ports, environment) is :mod:`seldon_s2i.localrun.plan`; the processes are
:mod:`seldon_s2i.localrun.processes`; which run owns a container is :mod:`seldon_s2i.localrun.ownership`.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from seldon_s2i import environment
from seldon_s2i.cli.errors import CommandError
from seldon_s2i.imagebuild.source import read_environment_file
from seldon_s2i.localrun import ownership
from seldon_s2i.localrun.plan import (
    CONTAINER_GRPC,
    CONTAINER_HTTP,
    CONTAINER_METRICS,
    LOCALHOST,
    Component,
    Plan,
    engine_command,
    make_plan,
    microservice_command,
)
from seldon_s2i.localrun.processes import ProcessGroup, StartFailure, wait_ready


def container_name(plan: Plan, component: Component) -> str:
    return f"seldon-s2i-{plan.deployment}-{component.name}"


def _podman() -> str:
    podman = shutil.which("podman")
    if podman is None:
        raise CommandError("--containers needs podman on PATH")
    return podman


def _component_command(component: Component, plan: Plan, containers: bool) -> tuple[list[str], Path | None, dict[str, str]]:
    base = dict(environment.current())
    if containers:
        # --init: podman's init is PID 1 and forwards signals to the server. As PID 1 itself, the server would
        # never see a SIGTERM sent before it installs its handler (Linux drops signals PID 1 has no handler
        # for), so Ctrl-C while the graph starts would wait out --grace and kill it.
        command = [_podman(), "run", "--rm", "--init", "--name", container_name(plan, component),
                   *ownership.run_labels(),  # which run owns it: a second run of the graph must not remove it
                   "-p", f"{LOCALHOST}:{component.http_port}:{CONTAINER_HTTP}",
                   "-p", f"{LOCALHOST}:{component.grpc_port}:{CONTAINER_GRPC}",
                   "-p", f"{LOCALHOST}:{component.metrics_port}:{CONTAINER_METRICS}"]
        for name, value in component.environment.items():
            command += ["-e", f"{name}={value}"]
        return [*command, str(component.image)], None, base
    assert component.source is not None
    settings_file = component.source / ".s2i" / "environment"
    s2i = read_environment_file(settings_file) if settings_file.is_file() else {}
    model_name = s2i.get("MODEL_NAME")
    if not model_name:
        raise CommandError(f"component {component.name!r}: {settings_file} sets no MODEL_NAME (the class to serve)")
    service_type = s2i.get("SERVICE_TYPE") or component.node_type
    process_environment = {**base, **s2i, **component.environment, "PYTHONUNBUFFERED": "1"}
    return microservice_command(component, model_name, service_type), component.source, process_environment


def _announce(plan: Plan, out: Any) -> None:
    lines = [f"seldon-s2i run: {plan.deployment} (predictor {plan.predictor.name!r}) is ready",
             f"  REST  http://{LOCALHOST}:{plan.http_port}/api/v1.0/predictions",
             f"  gRPC  {LOCALHOST}:{plan.grpc_port} (seldon.protos.Seldon/Predict)"]
    for component in plan.components:
        lines.append(f"  node {component.name}: REST http://{LOCALHOST}:{component.http_port}, "
                     f"gRPC {LOCALHOST}:{component.grpc_port}, metrics http://{LOCALHOST}:{component.metrics_port}/prometheus")
    lines.append("  Ctrl-C stops the graph.")
    out.write("\n".join(lines) + "\n")
    out.flush()


def run(args: argparse.Namespace) -> int:
    plan = make_plan(Path(args.graph), args.predictor, args.containers, args.http_port, args.grpc_port)
    stopping = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stopping.set()) for signum in (signal.SIGINT, signal.SIGTERM)}
    group = ProcessGroup(sys.stdout)
    status = 0
    names = [container_name(plan, component) for component in plan.components]
    try:
        if args.containers:  # before anything starts: refused if a live run of this deployment holds a name
            ownership.claim(_podman(), names, plan.deployment)
        commands = [_component_command(component, plan, args.containers) for component in plan.components]
        checks = []
        for component, (command, cwd, process_environment) in zip(plan.components, commands, strict=True):
            child = group.start(component.name, command, cwd, process_environment)
            checks.append((child, f"http://{LOCALHOST}:{component.http_port}/health/ping"))
            checks.append((child, f"grpc://{LOCALHOST}:{component.grpc_port}"))
        wait_ready(group, checks, args.start_timeout, stopping)
        engine = group.start("seldon-engine", engine_command(plan), None,
                             {**environment.current(), **plan.engine_environment(), "PYTHONUNBUFFERED": "1"})
        wait_ready(group, [(engine, f"http://{LOCALHOST}:{plan.http_port}/ready")], args.start_timeout, stopping)
        if not stopping.is_set():
            _announce(plan, sys.stdout)
        while not stopping.is_set():
            ended = group.first_exited()
            if ended is not None:
                print(f"seldon-s2i run: {ended.name} exited with status {ended.process.returncode}; stopping the graph",
                      file=sys.stderr)
                status = 1
                break
            stopping.wait(0.5)
    except StartFailure as failure:
        print(f"seldon-s2i run: error: {failure}", file=sys.stderr)
        status = 1
    finally:
        group.stop(args.grace, on_kill=lambda child: print(
            f"seldon-s2i run: {child.name} did not stop within {args.grace:g} s; killing it", file=sys.stderr))
        if args.containers and shutil.which("podman") is not None:
            ownership.release(_podman(), names)  # only this run's: never those of the live run that refused it
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return status


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run a SeldonDeployment graph locally: every component and the orchestrator",
        description="Run a SeldonDeployment's predictor on this machine: each graph container from its source "
        "folder (the container's image is a path relative to the graph file) with seldon-microservice, or with "
        "--containers from its image with podman, then seldon-engine in front. Prints the endpoints when all "
        "are ready; Ctrl-C or SIGTERM stops everything.",
    )
    parser.add_argument("graph", help="SeldonDeployment YAML or JSON file")
    parser.add_argument("--predictor", help="the predictor to run (default: the only one that is not a shadow)")
    parser.add_argument("--containers", action="store_true", help="run the containers' images with podman")
    parser.add_argument("--http-port", type=environment.argument_type(environment.parse_integer), default=8000,
                        help="orchestrator REST port (default 8000)")
    parser.add_argument("--grpc-port", type=environment.argument_type(environment.parse_integer), default=5001,
                        help="orchestrator gRPC port (default 5001)")
    parser.add_argument("--start-timeout", type=environment.argument_type(environment.parse_seconds), default=120.0,
                        help="seconds every component may take to become ready (default 120)")
    parser.add_argument("--grace", type=environment.argument_type(environment.parse_seconds), default=10.0,
                        help="seconds to let the processes stop before killing them (default 10)")
    parser.set_defaults(handler=run)
