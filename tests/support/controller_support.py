"""Helpers of the controller's tests: SeldonDeployment bodies, polling, and OpenShift's restricted-v2 check."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

NAMESPACE = "models"
CONTROLLER_NAMESPACE = "seldon-system"
SDEP = "machinelearning.seldon.io/v1"


def eventually(check: Callable[[], Any], timeout: float = 20.0, what: str = "the condition") -> Any:
    """Poll ``check`` until it returns something truthy (generous: the machine is shared and loaded)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def seldon_deployment(name: str, *predictors: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {"apiVersion": SDEP, "kind": "SeldonDeployment", "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {"predictors": list(predictors) or [predictor()], **spec}}


def predictor(name: str = "default", image: str = "quay.io/example/classifier:1.0", container: str = "classifier",
              **fields: Any) -> dict[str, Any]:
    return {"name": name, "graph": {"name": container, "type": "MODEL"},
            "componentSpecs": [{"spec": {"containers": [{"name": container, "image": image}]}}], **fields}


def container(deployment: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(item for item in deployment["spec"]["template"]["spec"]["containers"]
                                 if item["name"] == name)
    return found


def env(container_spec: dict[str, Any]) -> dict[str, str]:
    return {entry["name"]: entry.get("value", "") for entry in container_spec.get("env") or []}


def restricted_v2_violations(pod_spec: dict[str, Any]) -> list[str]:
    """What OpenShift's restricted-v2 SCC would refuse in a pod spec (it assigns the UID from the namespace)."""
    found = []
    pod_context = pod_spec.get("securityContext") or {}
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod_spec.get(field):
            found.append(f"pod {field}")
    if any("hostPath" in volume for volume in pod_spec.get("volumes") or []):
        found.append("hostPath volume")
    allowed_volumes = {"configMap", "downwardAPI", "emptyDir", "persistentVolumeClaim", "projected", "secret",
                       "ephemeral", "csi"}
    for volume in pod_spec.get("volumes") or []:
        kinds = set(volume) - {"name"}
        if not kinds <= allowed_volumes:
            found.append(f"volume {volume['name']} of type {sorted(kinds)}")
    if pod_context.get("runAsUser") is not None:
        found.append("pod runAsUser (restricted-v2 assigns the UID)")
    for item in [*(pod_spec.get("containers") or []), *(pod_spec.get("initContainers") or [])]:
        context = {**pod_context, **(item.get("securityContext") or {})}
        name = item["name"]
        if context.get("privileged"):
            found.append(f"{name}: privileged")
        if context.get("allowPrivilegeEscalation") is not False:
            found.append(f"{name}: allowPrivilegeEscalation must be false")
        if context.get("runAsNonRoot") is not True:
            found.append(f"{name}: runAsNonRoot must be true")
        if context.get("runAsUser") is not None:
            found.append(f"{name}: runAsUser set (restricted-v2 assigns the UID)")
        if (context.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
            found.append(f"{name}: seccompProfile must be RuntimeDefault")
        capabilities = context.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            found.append(f"{name}: capabilities must drop ALL")
        if set(capabilities.get("add") or []) - {"NET_BIND_SERVICE"}:
            found.append(f"{name}: adds capabilities {capabilities['add']}")
        if any(port.get("hostPort") for port in item.get("ports") or []):
            found.append(f"{name}: hostPort")
    return found
