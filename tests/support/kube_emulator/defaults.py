"""Defaulting of built-in kinds, as the API server's ``SetDefaults_*`` functions do before an object is stored.

``store.py`` calls ``apply_defaults`` on every write of a built-in kind, after pruning and before the no-op check,
so a client that diffs what it sent against what it reads back sees what a real cluster answers: a Deployment's
replicas, strategy, history limit and progress deadline, the pod template's restart/DNS/scheduler settings, each
container's pull policy and termination message, probe timings, Service session affinity and IP families, HPA
v2 minimum replicas, metrics and behaviour, Route weights and wildcard policy, and canonical quantities. A field
that its only applier stops applying is therefore reset to its default, not deleted.
"""

from __future__ import annotations

import copy
from typing import Any

from kube_emulator import quantities

_PROBE_DEFAULTS = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}


def apply_defaults(storage_key: tuple[str, str], obj: dict[str, Any]) -> None:
    """Fill the defaults of the kind stored under ``storage_key`` into ``obj`` (in place)."""
    handler = _BY_KIND.get(storage_key)
    if handler is not None:
        handler(obj)


def _spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        spec = obj["spec"] = {}
    return spec


def _deployment(obj: dict[str, Any]) -> None:
    spec = _spec(obj)
    spec.setdefault("replicas", 1)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    _pod_template(spec)


def _workload(obj: dict[str, Any]) -> None:
    _pod_template(_spec(obj))


def _pod_template(spec: dict[str, Any]) -> None:
    template = spec.get("template")
    if isinstance(template, dict):
        pod_spec = template.get("spec")
        if isinstance(pod_spec, dict):
            pod_spec_defaults(pod_spec)


def _pod(obj: dict[str, Any]) -> None:
    spec = _spec(obj)
    pod_spec_defaults(spec)
    # Pods only (not templates): a limit without a request requests the limit.
    for container in spec.get("containers") or []:
        resources = container.get("resources") if isinstance(container, dict) else None
        limits = resources.get("limits") if isinstance(resources, dict) else None
        if isinstance(limits, dict) and limits:
            requests = resources.setdefault("requests", {})  # type: ignore[union-attr]
            for name, value in limits.items():
                requests.setdefault(name, value)


def pod_spec_defaults(spec: dict[str, Any]) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for field in ("containers", "initContainers"):
        for container in spec.get(field) or []:
            if isinstance(container, dict):
                _container(container)
    for volume in spec.get("volumes") or []:
        if isinstance(volume, dict):
            _volume(volume)


def _image_pull_policy(image: str) -> str:
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    tag = last.rpartition(":")[2] if ":" in last else ""
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _container(container: dict[str, Any]) -> None:
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("imagePullPolicy", _image_pull_policy(str(container.get("image") or "")))
    container.setdefault("resources", {})
    for port in container.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
    for entry in container.get("env") or []:
        field_ref = ((entry or {}).get("valueFrom") or {}).get("fieldRef")
        if isinstance(field_ref, dict):
            field_ref.setdefault("apiVersion", "v1")
    for probe_field in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = container.get(probe_field)
        if isinstance(probe, dict):
            for key, value in _PROBE_DEFAULTS.items():
                probe.setdefault(key, value)
            if isinstance(probe.get("httpGet"), dict):
                probe["httpGet"].setdefault("scheme", "HTTP")
    resources = container["resources"]
    if isinstance(resources, dict):
        for bucket in ("limits", "requests"):
            if isinstance(resources.get(bucket), dict):
                resources[bucket] = {name: quantities.canonical(value) for name, value in resources[bucket].items()}


def _volume(volume: dict[str, Any]) -> None:
    for source in ("configMap", "secret"):
        if isinstance(volume.get(source), dict):
            volume[source].setdefault("defaultMode", 420)
    downward = volume.get("downwardAPI")
    if isinstance(downward, dict):
        downward.setdefault("defaultMode", 420)
        for item in downward.get("items") or []:
            if isinstance((item or {}).get("fieldRef"), dict):
                item["fieldRef"].setdefault("apiVersion", "v1")


def _service(obj: dict[str, Any]) -> None:
    spec = _spec(obj)
    spec.setdefault("type", "ClusterIP")
    if spec["type"] != "ExternalName":
        spec.setdefault("sessionAffinity", "None")
        spec.setdefault("internalTrafficPolicy", "Cluster")
        if spec.get("clusterIP") != "None" or spec.get("selector"):
            spec.setdefault("ipFamilies", ["IPv4"])
            spec.setdefault("ipFamilyPolicy", "SingleStack")
    for port in spec.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))


_SCALE_UP = {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
             "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                          {"type": "Percent", "value": 100, "periodSeconds": 15}]}
_SCALE_DOWN = {"selectPolicy": "Max", "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}


def _hpa(obj: dict[str, Any]) -> None:
    spec = _spec(obj)
    spec.setdefault("minReplicas", 1)
    if not spec.get("metrics"):
        spec["metrics"] = [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
    for metric in spec["metrics"]:
        for source in (metric or {}).values():
            target = source.get("target") if isinstance(source, dict) else None
            if isinstance(target, dict):
                for field in ("value", "averageValue"):
                    if field in target:
                        target[field] = quantities.canonical(target[field])
    behavior = spec.get("behavior")
    if isinstance(behavior, dict):  # only a behaviour that is given gets its gaps filled
        for direction, rules in (("scaleUp", _SCALE_UP), ("scaleDown", _SCALE_DOWN)):
            given = behavior.get(direction)
            behavior[direction] = {**copy.deepcopy(rules), **(given if isinstance(given, dict) else {})}


def _route(obj: dict[str, Any]) -> None:
    spec = _spec(obj)
    spec.setdefault("wildcardPolicy", "None")
    for backend in [spec.get("to"), *(spec.get("alternateBackends") or [])]:
        if isinstance(backend, dict):
            backend.setdefault("kind", "Service")
            backend.setdefault("weight", 100)


_BY_KIND = {
    ("apps", "deployments"): _deployment,
    ("apps", "replicasets"): _workload,
    ("apps", "statefulsets"): _workload,
    ("apps", "daemonsets"): _workload,
    ("batch", "jobs"): _workload,
    ("", "pods"): _pod,
    ("", "services"): _service,
    ("autoscaling", "horizontalpodautoscalers"): _hpa,
    ("route.openshift.io", "routes"): _route,
}
