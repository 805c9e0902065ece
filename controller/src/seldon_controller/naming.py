"""Seldon Core's object names, labels and port numbers, so tooling written for Seldon finds what it expects.

Names follow Seldon's operator: a Deployment per componentSpec ``<sdep>-<predictor>-<index>-<name>``, a
predictor Service ``<sdep>-<predictor>`` (or the predictor's ``seldon.io/svc-name``), a Service per graph
container ``<sdep>-<predictor>-<container>``; any name over 63 characters becomes ``seldon-<md5>``. Ports are
numbered per container name across the whole SeldonDeployment, from Seldon's bases upward.
"""

from __future__ import annotations

import dataclasses
import hashlib

from seldon_graph import ComponentSpec, Predictor, SeldonDeployment

MANAGED_BY = "seldon-s2i-controller"
DEPLOYMENT_ID_LABEL = "seldon-deployment-id"
SVC_ORCH_LABEL = "seldon-deployment-contains-svcorch"
APP_LABEL = "seldon-app"
NO_ENGINE = "seldon.io/no-engine"
SVC_NAME = "seldon.io/svc-name"
ENGINE_CONTAINER = "seldon-container-engine"
ENGINE_HTTP_PORT = 8000
ENGINE_GRPC_PORT = 5001
_MAX_NAME = 63


def clean(name: str) -> str:
    """A Kubernetes name: Seldon's ``seldon-<md5>`` when longer than 63 characters."""
    if len(name) <= _MAX_NAME:
        return name
    return "seldon-" + hashlib.md5(name.encode(), usedforsecurity=False).hexdigest()


def component_name(component: ComponentSpec) -> str:
    given = (component.metadata or {}).get("name")
    return str(given) if given else "-".join(container.name for container in component.spec.containers)


def deployment_name(sdep: str, predictor: Predictor, index: int, component: ComponentSpec) -> str:
    return clean(f"{sdep}-{predictor.name}-{index}-{component_name(component)}")


def predictor_service_name(sdep: str, predictor: Predictor) -> str:
    return clean((predictor.annotations or {}).get(SVC_NAME) or f"{sdep}-{predictor.name}")


def container_service_name(sdep: str, predictor: Predictor, container: str) -> str:
    return clean(f"{sdep}-{predictor.name}-{container}")


def container_service_label(container: str) -> str:
    return f"seldon-app-svc-{container}"[:_MAX_NAME].rstrip("-_.")


def no_engine(deployment: SeldonDeployment, predictor: Predictor) -> bool:
    annotations = {**(deployment.spec.annotations or {}), **(predictor.annotations or {})}
    return annotations.get(NO_ENGINE, "false").lower() == "true"


@dataclasses.dataclass(frozen=True)
class PortBases:
    """First port numbers (Seldon's operator defaults; its PREDICTIVE_UNIT_*_SERVICE_PORT settings override)."""

    http: int = 9000
    grpc: int = 9500
    metrics: int = 6000


@dataclasses.dataclass(frozen=True)
class Ports:
    http: int
    grpc: int
    metrics: int


def container_ports(deployment: SeldonDeployment, bases: PortBases) -> dict[str, Ports]:
    """Ports of every container of every componentSpec, numbered per distinct name in order of appearance.

    A container that declares ports named ``http``, ``grpc`` or ``metrics`` keeps them."""
    found: dict[str, Ports] = {}
    for predictor in deployment.spec.predictors:
        for component in predictor.componentSpecs or []:
            for container in component.spec.containers:
                if container.name in found:
                    continue
                index = len(found)
                declared = {port.get("name"): port.get("containerPort")
                            for port in getattr(container, "ports", None) or [] if isinstance(port, dict)}
                found[container.name] = Ports(int(declared.get("http") or bases.http + index),
                                              int(declared.get("grpc") or bases.grpc + index),
                                              int(declared.get("metrics") or bases.metrics + index))
    return found
