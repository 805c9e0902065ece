"""The Deployment of one componentSpec: its graph containers prepared as Seldon's operator does, the orchestrator
injected into the first one, and a pod that passes OpenShift's restricted-v2 SCC.

Graph containers get Seldon's ``PREDICTIVE_UNIT_*`` environment, ``http``/``grpc``/``metrics`` ports, probes
on the wrapper's health endpoint, a preStop pause and the ``seldon-podinfo`` volume. Values the user set win,
except the security settings restricted-v2 requires (non-root, no privilege escalation, all capabilities
dropped, seccomp RuntimeDefault), which every generated pod carries.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

from seldon_graph import ComponentSpec, Predictor

from seldon_controller import naming
from seldon_controller.context import PredictorPlan

PODINFO_VOLUME = "seldon-podinfo"
PODINFO_PATH = "/etc/podinfo"
NODE_TYPE_LABELS = {"MODEL": "seldon.io/model", "ROUTER": "seldon.io/router", "COMBINER": "seldon.io/combiner",
                    "TRANSFORMER": "seldon.io/transformer", "OUTPUT_TRANSFORMER": "seldon.io/output-transformer"}
_ENGINE_RESOURCES = {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}}


def _probe(path: str, port: int | str, initial_delay: int) -> dict[str, Any]:
    return {"httpGet": {"path": path, "port": port, "scheme": "HTTP"}, "initialDelaySeconds": initial_delay,
            "periodSeconds": 5, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3}


def restricted(container: dict[str, Any]) -> None:
    """The container settings restricted-v2 requires (it assigns the UID itself, so none is set)."""
    context = container.setdefault("securityContext", {})
    context["allowPrivilegeEscalation"] = False
    context["runAsNonRoot"] = True
    context.pop("privileged", None)
    context.pop("runAsUser", None)
    capabilities = context.setdefault("capabilities", {})
    capabilities["drop"] = ["ALL"]
    if capabilities.get("add"):
        capabilities["add"] = [name for name in capabilities["add"] if name == "NET_BIND_SERVICE"] or None
        if capabilities["add"] is None:
            capabilities.pop("add")
    context.setdefault("seccompProfile", {"type": "RuntimeDefault"})


def _add_env(container: dict[str, Any], values: dict[str, str]) -> None:
    env = container.setdefault("env", [])
    present = {entry.get("name") for entry in env if isinstance(entry, dict)}
    env.extend({"name": name, "value": value} for name, value in values.items() if name not in present)


def _mount_podinfo(container: dict[str, Any]) -> None:
    mounts = container.setdefault("volumeMounts", [])
    if not any(mount.get("name") == PODINFO_VOLUME for mount in mounts):
        mounts.append({"name": PODINFO_VOLUME, "mountPath": PODINFO_PATH})


def _graph_container(container: dict[str, Any], plan: PredictorPlan) -> None:
    name = container["name"]
    ports = plan.ports[name]
    node = plan.predictor.node(name)
    assert node is not None
    grpc = plan.transport(node) == "GRPC"
    values = {
        "PREDICTIVE_UNIT_SERVICE_PORT": str(ports.grpc if grpc else ports.http),
        "PREDICTIVE_UNIT_HTTP_SERVICE_PORT": str(ports.http),
        "PREDICTIVE_UNIT_GRPC_SERVICE_PORT": str(ports.grpc),
        "PREDICTIVE_UNIT_ID": name,
        "PREDICTIVE_UNIT_IMAGE": str(container.get("image") or ""),
        "PREDICTOR_ID": plan.predictor.name,
        "PREDICTOR_LABELS": json.dumps(plan.predictor_labels, sort_keys=True),
        "SELDON_DEPLOYMENT_ID": plan.sdep,
        "SELDON_EXECUTOR_ENABLED": "true",
        "PREDICTIVE_UNIT_METRICS_SERVICE_PORT": str(ports.metrics),
        "PREDICTIVE_UNIT_METRICS_ENDPOINT": "/prometheus",
    }
    if node.parameters:
        values["PREDICTIVE_UNIT_PARAMETERS"] = json.dumps([parameter.model_dump(exclude_unset=True)
                                                          for parameter in node.parameters])
    _add_env(container, values)
    declared = {port.get("name") for port in container.get("ports") or []}
    container.setdefault("ports", []).extend(
        {"name": port_name, "containerPort": number, "protocol": "TCP"}
        for port_name, number in (("http", ports.http), ("grpc", ports.grpc), ("metrics", ports.metrics))
        if port_name not in declared)
    health = ports.grpc if grpc else ports.http
    if not grpc:
        container.setdefault("readinessProbe", _probe("/health/ping", health, 20))
        container.setdefault("livenessProbe", _probe("/health/ping", health, 60))
    else:  # the wrapper's gRPC server has no HTTP health path: Seldon's TCP check
        tcp = {"tcpSocket": {"port": health}, "periodSeconds": 5, "timeoutSeconds": 1, "successThreshold": 1,
               "failureThreshold": 3}
        container.setdefault("readinessProbe", {**tcp, "initialDelaySeconds": 20})
        container.setdefault("livenessProbe", {**tcp, "initialDelaySeconds": 60})
    container.setdefault("lifecycle", {"preStop": {"exec": {"command": ["/bin/sh", "-c", "/bin/sleep 10"]}}})


def engine_container(plan: PredictorPlan, engine_image: str) -> dict[str, Any]:
    encoded = base64.b64encode(json.dumps(plan.engine_predictor, sort_keys=True).encode()).decode()
    values = {"ENGINE_PREDICTOR": encoded, "SELDON_DEPLOYMENT_ID": plan.sdep, "PREDICTOR_ID": plan.predictor.name,
              "ENGINE_SERVER_PORT": str(naming.ENGINE_HTTP_PORT),
              "ENGINE_SERVER_GRPC_PORT": str(naming.ENGINE_GRPC_PORT),
              "POD_NAMESPACE": plan.namespace}  # the payload logger's Ce-Namespace
    if plan.shadow_endpoints:
        values["ENGINE_SHADOW_ENDPOINTS"] = ",".join(plan.shadow_endpoints)
    orchestrator = plan.predictor.svcOrchSpec
    container: dict[str, Any] = {
        "name": naming.ENGINE_CONTAINER, "image": engine_image, "command": ["seldon-engine"],
        "env": [{"name": name, "value": value} for name, value in values.items()],
        "ports": [{"name": "http", "containerPort": naming.ENGINE_HTTP_PORT, "protocol": "TCP"},
                  {"name": "grpc", "containerPort": naming.ENGINE_GRPC_PORT, "protocol": "TCP"}],
        "readinessProbe": _probe("/ready", naming.ENGINE_HTTP_PORT, 20),
        "livenessProbe": _probe("/live", naming.ENGINE_HTTP_PORT, 60),
        "resources": copy.deepcopy(orchestrator.resources if orchestrator and orchestrator.resources
                                   else _ENGINE_RESOURCES),
    }
    if orchestrator and orchestrator.env:  # svcOrchSpec.env adds to what the orchestrator needs, never replaces it
        names = {entry["name"] for entry in container["env"]}
        container["env"] += [copy.deepcopy(entry) for entry in orchestrator.env if entry.get("name") not in names]
    return container


def _labels(plan: PredictorPlan, index: int, component: ComponentSpec, name: str) -> dict[str, str]:
    labels = {naming.DEPLOYMENT_ID_LABEL: plan.sdep, "app": name, "fluentd": "true",
              "app.kubernetes.io/managed-by": naming.MANAGED_BY, **plan.predictor_labels,
              **{str(key): str(value) for key, value in ((component.metadata or {}).get("labels") or {}).items()}}
    for container in component.spec.containers:
        node = plan.predictor.node(container.name)
        if node is None or not node.needs_container:
            continue
        labels[naming.container_service_label(container.name)] = naming.container_service_name(
            plan.sdep, plan.predictor, container.name)
        label = NODE_TYPE_LABELS.get(node.effective_type or "")
        if label:
            labels[label] = "true"
    if plan.predictor.shadow:
        labels["seldon.io/shadow"] = "true"
    if plan.front_index == index:
        labels[naming.APP_LABEL] = plan.service_name
        if plan.engine:
            labels[naming.SVC_ORCH_LABEL] = "true"
    return labels


def deployment(plan: PredictorPlan, index: int, component: ComponentSpec, images: dict[str, str],
               engine_image: str) -> dict[str, Any]:
    """The Deployment of ``component`` (the ``index``-th of the predictor), images already resolved."""
    name = naming.deployment_name(plan.sdep, plan.predictor, index, component)
    pod: dict[str, Any] = component.spec.model_dump(exclude_unset=True, mode="json")
    graph_names = {container for container in plan.ports if (node := plan.predictor.node(container)) is not None
                   and node.needs_container}
    for container in pod.get("containers") or []:
        if container["name"] in images:
            container["image"] = images[container["name"]]
        if container["name"] in graph_names:
            _graph_container(container, plan)
    if plan.engine and plan.front_index == index:
        pod.setdefault("containers", []).insert(0, engine_container(plan, engine_image))
    for container in [*(pod.get("containers") or []), *(pod.get("initContainers") or [])]:
        _mount_podinfo(container)
        restricted(container)
    volumes = pod.setdefault("volumes", [])
    if not any(volume.get("name") == PODINFO_VOLUME for volume in volumes):
        volumes.append({"name": PODINFO_VOLUME, "downwardAPI": {"items": [
            {"path": "annotations", "fieldRef": {"fieldPath": "metadata.annotations"}}]}})
    context = pod.setdefault("securityContext", {})
    context["runAsNonRoot"] = True
    context.pop("runAsUser", None)
    context["seccompProfile"] = {"type": "RuntimeDefault"}
    pod.setdefault("terminationGracePeriodSeconds", 20)
    labels = _labels(plan, index, component, name)
    annotations = {"prometheus.io/path": "/prometheus", "prometheus.io/scrape": "true",
                   **{str(key): str(value)
                      for key, value in ((component.metadata or {}).get("annotations") or {}).items()}}
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {naming.DEPLOYMENT_ID_LABEL: plan.sdep, "app": name}},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "10%"}},
        "template": {"metadata": {"labels": labels, "annotations": annotations}, "spec": pod},
    }
    replicas = plan.replicas(component)
    if replicas is not None:
        spec["replicas"] = replicas
    if plan.predictor.progressDeadlineSeconds:
        spec["progressDeadlineSeconds"] = plan.predictor.progressDeadlineSeconds
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": plan.namespace, "labels": labels}, "spec": spec}


def graph_containers(predictor: Predictor) -> list[str]:
    return [container for container in predictor.containers()
            if (node := predictor.node(container)) is not None and node.needs_container]
