"""What ``seldon-s2i run`` starts for a SeldonDeployment: one component per container, then the orchestrator.

A container's ``image`` names either a source folder (a path relative to the graph
file, holding ``MyModel.py``, ``requirements.txt`` and ``.s2i/environment``), run with
``seldon-microservice`` in this Python environment, or (with ``--containers``) an image
built by ``seldon-s2i build``, run with podman. Each component gets what Seldon's
operator gives a graph container (``PREDICTIVE_UNIT_ID``, ``PREDICTIVE_UNIT_PARAMETERS``,
ports, ``SELDON_DEPLOYMENT_ID``, ``PREDICTOR_ID``, the container's own ``env``); the
predictor handed to the orchestrator has every node's endpoint filled in.
"""

from __future__ import annotations

import base64
import json
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from seldon_graph import GraphSpecError, Predictor, SeldonDeployment, load_seldon_deployment, runtime_problems

from seldon_s2i.command_error import CommandError

LOCALHOST = "127.0.0.1"
# Ports inside a component's container (the wrapper's defaults).
CONTAINER_HTTP, CONTAINER_GRPC, CONTAINER_METRICS = 9000, 5000, 6000


@dataclass
class Component:
    """One graph container to start."""

    name: str
    node_type: str
    source: Path | None  # a source folder (process mode)
    image: str | None  # an image (container mode)
    http_port: int
    grpc_port: int
    metrics_port: int
    environment: dict[str, str] = field(default_factory=dict)


@dataclass
class Plan:
    deployment: str
    predictor: Predictor
    components: list[Component]
    engine_predictor: dict[str, Any]
    http_port: int
    grpc_port: int

    def engine_environment(self) -> dict[str, str]:
        encoded = base64.b64encode(json.dumps(self.engine_predictor).encode()).decode()
        return {"ENGINE_PREDICTOR": encoded, "SELDON_DEPLOYMENT_ID": self.deployment}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOCALHOST, 0))
        return int(probe.getsockname()[1])


def load(path: Path) -> tuple[SeldonDeployment, dict[str, Any]]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CommandError(f"{path}: cannot read: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        raise CommandError(f"{path}: not YAML or JSON: {' '.join(str(error).split())}") from None
    try:
        return load_seldon_deployment(document), document
    except GraphSpecError as error:
        raise CommandError(f"{path}: " + "; ".join(error.problems)) from None


def choose_predictor(path: Path, deployment: SeldonDeployment, name: str | None) -> int:
    names = [predictor.name for predictor in deployment.spec.predictors]
    if name is None:
        serving = [index for index, predictor in enumerate(deployment.spec.predictors) if not predictor.shadow]
        if len(serving) != 1:
            raise CommandError(f"{path}: has predictors {names}; choose one with --predictor")
        return serving[0]
    if name not in names:
        raise CommandError(f"{path}: no predictor named {name!r} (it has {', '.join(names)})")
    return names.index(name)


def _source_folder(graph_file: Path, image: str | None) -> Path | None:
    if not image:
        return None
    folder = (graph_file.parent / image).resolve()
    return folder if folder.is_dir() else None


def _node_types(predictor: Predictor) -> dict[str, str]:
    return {node.name: node.effective_type or "MODEL" for _, node in predictor.nodes()}


def make_plan(graph_file: Path, predictor_name: str | None, containers: bool, http_port: int,
              grpc_port: int) -> Plan:
    deployment, document = load(graph_file)
    index = choose_predictor(graph_file, deployment, predictor_name)
    predictor = deployment.spec.predictors[index]
    raw_predictor = document["spec"]["predictors"][index]
    where = f"{graph_file}: spec.predictors[{index}]"
    types = _node_types(predictor)
    nodes = {node.name: node for _, node in predictor.nodes()}
    problems = []
    components: list[Component] = []
    for container in predictor.containers().values():
        node = nodes.get(container.name)
        if node is None:
            continue  # a sidecar of the pod, not a graph node: Seldon runs it, the local runner does not
        folder = _source_folder(graph_file, container.image)
        if not container.image:
            problems.append(f"container {container.name!r} has no image (a source folder relative to "
                            f"{graph_file.name}, or with --containers an image built by seldon-s2i build)")
            continue
        if not containers and folder is None:
            problems.append(f"container {container.name!r}: image {container.image!r} is not a source folder "
                            f"(a path relative to {graph_file.name}); give one, or run images with --containers")
            continue
        environment = {
            entry["name"]: str(entry.get("value", ""))
            for entry in (container.model_extra or {}).get("env") or []
            if isinstance(entry, dict) and "name" in entry and "valueFrom" not in entry
        }
        environment.update({
            "PREDICTIVE_UNIT_ID": container.name,
            "PREDICTOR_ID": predictor.name,
            "SELDON_DEPLOYMENT_ID": deployment.name,
            "PREDICTIVE_UNIT_IMAGE": container.image or "",
        })
        if node.parameters:
            environment["PREDICTIVE_UNIT_PARAMETERS"] = json.dumps(
                [parameter.model_dump(exclude_none=True) for parameter in node.parameters])
        components.append(Component(
            name=container.name, node_type=types[container.name], source=None if containers else folder,
            image=container.image if containers else None,
            http_port=free_port(), grpc_port=free_port(), metrics_port=free_port(), environment=environment))
    for _, node in predictor.nodes():
        if node.needs_container and node.name not in predictor.containers():
            problems.append(f"graph node {node.name!r} has no container of that name in componentSpecs")
    if problems:
        raise CommandError(f"{where}: " + "; ".join(problems))
    engine_predictor = _with_endpoints(raw_predictor, {component.name: component for component in components})
    try:
        checked = Predictor.model_validate(engine_predictor)
    except ValueError as error:  # validated above; kept for a clear message if filling endpoints broke it
        raise CommandError(f"{where}: {error}") from None
    found = runtime_problems(checked)
    if found:
        raise CommandError(f"{where}: the graph cannot be served: " + "; ".join(found))
    return Plan(deployment.name or graph_file.stem, predictor, components, engine_predictor, http_port, grpc_port)


def _with_endpoints(raw_predictor: dict[str, Any], components: dict[str, Component]) -> dict[str, Any]:
    predictor: dict[str, Any] = json.loads(json.dumps(raw_predictor))  # a deep copy of plain JSON

    def fill(node: dict[str, Any]) -> None:
        component = components.get(node.get("name", ""))
        if component is not None:
            endpoint = dict(node.get("endpoint") or {})
            endpoint.update({"service_host": LOCALHOST, "httpPort": component.http_port,
                             "grpcPort": component.grpc_port})
            endpoint.pop("service_port", None)
            endpoint.setdefault("type", "REST")
            node["endpoint"] = endpoint
        for child in node.get("children") or []:
            fill(child)

    fill(predictor["graph"])
    return predictor


def microservice_command(component: Component, model_name: str, service_type: str) -> list[str]:
    """``seldon-microservice`` of this Python environment, serving the component's class."""
    return [sys.executable, "-m", "seldon_s2i.microservice.cli", model_name, "--service-type", service_type,
            "--host", LOCALHOST, "--http-port", str(component.http_port), "--grpc-port", str(component.grpc_port),
            "--metrics-port", str(component.metrics_port)]


def engine_command(plan: Plan) -> list[str]:
    return [sys.executable, "-m", "seldon_s2i.engine.server", "--host", LOCALHOST,
            "--http-port", str(plan.http_port), "--grpc-port", str(plan.grpc_port)]
