"""Services of a predictor and the Route that splits traffic between predictors.

The predictor Service (``<sdep>-<predictor>``, ports ``http`` 8000 and ``grpc`` 5001) reaches the orchestrator,
or the single model straight when ``seldon.io/no-engine`` is set; each graph container gets a Service of its own
ports. One Route per SeldonDeployment carries the non-shadow predictors' ``traffic`` as ``to`` and
``alternateBackends`` weights, with edge TLS; shadows receive mirrored traffic from the orchestrators instead.
"""

from __future__ import annotations

from typing import Any

from seldon_graph import SeldonDeployment

from seldon_controller import naming
from seldon_controller.context import PredictorPlan

HEADLESS = "seldon.io/headless-svc"
MAX_ROUTE_BACKENDS = 4  # `to` plus at most three alternateBackends


def _service(name: str, namespace: str, labels: dict[str, str], selector: dict[str, str],
             ports: list[tuple[str, int, int]], headless: bool = False) -> dict[str, Any]:
    spec: dict[str, Any] = {"selector": selector, "ports": [
        {"name": port_name, "port": port, "targetPort": target, "protocol": "TCP"} for port_name, port, target in ports]}
    if headless:
        spec["clusterIP"] = "None"
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace,
                                                               "labels": labels}, "spec": spec}


def predictor_service(plan: PredictorPlan) -> dict[str, Any]:
    name = plan.service_name
    if plan.engine:
        targets = (naming.ENGINE_HTTP_PORT, naming.ENGINE_GRPC_PORT)
    else:
        ports = plan.ports[plan.predictor.graph.name]
        targets = (ports.http, ports.grpc)
    annotations = {**(plan.deployment.spec.annotations or {}), **(plan.predictor.annotations or {})}
    labels = {naming.APP_LABEL: name, naming.DEPLOYMENT_ID_LABEL: plan.sdep,
              "app.kubernetes.io/managed-by": naming.MANAGED_BY}
    return _service(name, plan.namespace, labels, {naming.APP_LABEL: name},
                    [("http", naming.ENGINE_HTTP_PORT, targets[0]), ("grpc", naming.ENGINE_GRPC_PORT, targets[1])],
                    headless=annotations.get(HEADLESS, "false").lower() == "true")


def container_services(plan: PredictorPlan, containers: list[str]) -> list[dict[str, Any]]:
    services = []
    for container in containers:
        name = naming.container_service_name(plan.sdep, plan.predictor, container)
        ports = plan.ports[container]
        labels = {naming.DEPLOYMENT_ID_LABEL: plan.sdep, "app.kubernetes.io/managed-by": naming.MANAGED_BY,
                  naming.container_service_label(container): name}
        services.append(_service(name, plan.namespace, labels, {naming.container_service_label(container): name},
                                 [("http", ports.http, ports.http), ("grpc", ports.grpc, ports.grpc)]))
    return services


def route(deployment: SeldonDeployment, namespace: str) -> dict[str, Any] | None:
    """The Route of the SeldonDeployment, or None when no predictor answers (only shadows)."""
    sdep = deployment.name
    serving = [predictor for predictor in deployment.spec.predictors if not predictor.shadow]
    if not serving:
        return None
    backends = [{"kind": "Service", "name": naming.predictor_service_name(sdep, predictor),
                 "weight": predictor.traffic if predictor.traffic is not None else
                 (100 if len(serving) == 1 else 0)} for predictor in serving]
    spec: dict[str, Any] = {"to": backends[0], "port": {"targetPort": "http"},
                            "tls": {"termination": "edge", "insecureEdgeTerminationPolicy": "Redirect"}}
    if backends[1:]:
        spec["alternateBackends"] = backends[1:]
    labels = {naming.DEPLOYMENT_ID_LABEL: sdep, "app.kubernetes.io/managed-by": naming.MANAGED_BY}
    return {"apiVersion": "route.openshift.io/v1", "kind": "Route",
            "metadata": {"name": naming.clean(sdep), "namespace": namespace, "labels": labels}, "spec": spec}


def route_problems(deployment: SeldonDeployment) -> list[str]:
    serving = [predictor for predictor in deployment.spec.predictors if not predictor.shadow]
    if len(serving) > MAX_ROUTE_BACKENDS:
        return [f"spec.predictors: a Route splits traffic between at most {MAX_ROUTE_BACKENDS} predictors, "
                f"this SeldonDeployment has {len(serving)} that are not shadows"]
    return []
