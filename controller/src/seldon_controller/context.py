"""What every object of one predictor is built from: its names, ports, replicas, front pod and engine graph.

``render.py`` makes one ``PredictorPlan`` per predictor; ``workloads.py``, ``services.py`` and ``scaling.py``
read it. The engine graph is the predictor as ``ENGINE_PREDICTOR`` carries it: every node's ``endpoint`` filled
the way Seldon's defaulting does (``localhost`` inside the orchestrator's pod, the container's Service
otherwise).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from seldon_graph import ComponentSpec, PredictiveUnit, Predictor, SeldonDeployment

from seldon_controller import naming


@dataclasses.dataclass
class PredictorPlan:
    sdep: str
    namespace: str
    deployment: SeldonDeployment
    predictor: Predictor
    ports: dict[str, naming.Ports]
    engine: bool
    front_index: int  # the componentSpec whose pod the predictor Service reaches (engine or single model)
    shadow_endpoints: list[str] = dataclasses.field(default_factory=list)

    @property
    def service_name(self) -> str:
        return naming.predictor_service_name(self.sdep, self.predictor)

    @property
    def predictor_labels(self) -> dict[str, str]:
        return dict(self.predictor.labels) if self.predictor.labels else {"version": self.predictor.name}

    def transport(self, node: PredictiveUnit) -> str:
        if node.endpoint is not None and node.endpoint.type:
            return node.endpoint.type
        return "GRPC" if self.deployment.spec.transport == "grpc" else "REST"

    def replicas(self, component: ComponentSpec) -> int | None:
        """Seldon's precedence, componentSpec > predictor > spec; None when an autoscaler decides."""
        if component.hpaSpec is not None or component.kedaSpec is not None:
            return None
        for value in (component.replicas, self.predictor.replicas, self.deployment.spec.replicas):
            if value is not None:
                return value
        return 1

    def component_of(self, container: str) -> int | None:
        for index, component in enumerate(self.predictor.componentSpecs or []):
            if any(found.name == container for found in component.spec.containers):
                return index
        return None

    def host_of(self, container: str) -> str:
        if self.component_of(container) == self.front_index and self.engine:
            return "localhost"
        service = naming.container_service_name(self.sdep, self.predictor, container)
        return f"{service}.{self.namespace}.svc.cluster.local"

    @property
    def engine_predictor(self) -> dict[str, Any]:
        """The predictor with every container node's endpoint filled, as the orchestrator reads it.

        Only what the orchestrator reads (name, graph, labels, annotations): a new model image, replica count or
        traffic weight must not restart it."""
        document: dict[str, Any] = self.predictor.model_dump(exclude_unset=True, mode="json",
                                                             include={"name", "graph", "labels", "annotations"})

        def fill(raw: dict[str, Any], node: PredictiveUnit) -> None:
            if node.needs_container and node.name in self.ports:
                ports = self.ports[node.name]
                kind = self.transport(node)
                raw["endpoint"] = {**(raw.get("endpoint") or {}), "service_host": self.host_of(node.name),
                                   "httpPort": ports.http, "grpcPort": ports.grpc, "type": kind,
                                   "service_port": ports.grpc if kind == "GRPC" else ports.http}
            for raw_child, child in zip(raw.get("children") or [], node.child_nodes, strict=True):
                fill(raw_child, child)
        fill(document["graph"], self.predictor.graph)
        return document


def plan(deployment: SeldonDeployment, namespace: str, bases: naming.PortBases) -> list[PredictorPlan]:
    sdep = deployment.name
    ports = naming.container_ports(deployment, bases)
    plans = []
    shadows = [predictor for predictor in deployment.spec.predictors if predictor.shadow]
    for predictor in deployment.spec.predictors:
        engine = not naming.no_engine(deployment, predictor)
        front = 0
        if not engine:
            root = predictor.graph.name
            front = next((index for index, component in enumerate(predictor.componentSpecs or [])
                          if any(container.name == root for container in component.spec.containers)), 0)
        current = PredictorPlan(sdep, namespace, deployment, predictor, ports, engine, front)
        if not predictor.shadow and engine:
            current.shadow_endpoints = [
                f"http://{naming.predictor_service_name(sdep, shadow)}.{namespace}.svc.cluster.local:"
                f"{naming.ENGINE_HTTP_PORT}" for shadow in shadows]
        plans.append(current)
    return plans
