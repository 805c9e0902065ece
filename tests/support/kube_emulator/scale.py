"""The scale subresource: an ``autoscaling/v1 Scale`` view of Deployments, ReplicaSets, StatefulSets and of CRDs
that declare ``subresources.scale`` (SeldonDeployment does). Routed here by ``server.py``; writes go through
``store.py`` as a merge patch of the replicas field, so they get the usual 409, generation and watch events.
"""

from __future__ import annotations

from typing import Any

from kube_emulator import errors, patching
from kube_emulator.admission import WriteOptions
from kube_emulator.resources import ResourceType, ScalePaths
from kube_emulator.store import Store


def _steps(path: str) -> list[str]:
    return [step for step in path.split(".") if step]


def _read_path(obj: dict[str, Any], path: str) -> Any:
    value: Any = obj
    for step in _steps(path):
        value = value.get(step) if isinstance(value, dict) else None
    return value


def format_label_selector(selector: dict[str, Any]) -> str:
    """A LabelSelector object in the string form of ``metav1.FormatLabelSelector``."""
    parts = [f"{key}={value}" for key, value in sorted((selector.get("matchLabels") or {}).items())]
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], sorted(expression.get("values") or [])
        parts.append({"In": f"{key} in ({','.join(values)})", "NotIn": f"{key} notin ({','.join(values)})",
                      "Exists": key, "DoesNotExist": f"!{key}"}[operator])
    return ",".join(parts)


def _paths(resource: ResourceType) -> ScalePaths:
    if resource.scale is None:
        raise errors.unknown_path()
    return resource.scale


def as_scale(resource: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    paths = _paths(resource)
    selector = _read_path(obj, paths.label_selector) if paths.label_selector else None
    if isinstance(selector, dict):
        selector = format_label_selector(selector)
    metadata = {key: value for key, value in obj["metadata"].items()
                if key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")}
    status: dict[str, Any] = {"replicas": _read_path(obj, paths.status_replicas) or 0}
    if selector:
        status["selector"] = selector
    return {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": metadata,
            "spec": {"replicas": _read_path(obj, paths.spec_replicas) or 0}, "status": status}


def read(store: Store, resource: ResourceType, namespace: str, name: str) -> dict[str, Any]:
    return as_scale(resource, store.get(resource, namespace, name))


def write(store: Store, resource: ResourceType, namespace: str, name: str, scale: Any,
          options: WriteOptions) -> dict[str, Any]:
    replicas = (scale.get("spec") or {}).get("replicas") if isinstance(scale, dict) else None
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        raise errors.invalid(resource, name, [("spec.replicas", f"Invalid value: {replicas!r}: must be greater "
                                                                "than or equal to 0")])
    change: dict[str, Any] = {}
    node = change
    steps = _steps(_paths(resource).spec_replicas)
    for step in steps[:-1]:
        node = node.setdefault(step, {})
    node[steps[-1]] = replicas
    wanted_version = (scale.get("metadata") or {}).get("resourceVersion")
    if wanted_version:
        change["metadata"] = {"resourceVersion": wanted_version}
    result = store.patch(resource, namespace, name, "application/merge-patch+json", change, options)
    return as_scale(resource, result.obj)


def patch(store: Store, resource: ResourceType, namespace: str, name: str, patch_type: str, body: Any,
          options: WriteOptions) -> dict[str, Any]:
    current = read(store, resource, namespace, name)
    if patch_type == "application/json-patch+json":
        patched = patching.json_patch(current, body)
    elif patch_type == "application/merge-patch+json":
        patched = patching.merge_patch(current, body)
    elif patch_type == "application/strategic-merge-patch+json":
        patched = patching.strategic_merge(current, body)
    else:
        raise errors.unsupported_media_type(patch_type)
    return write(store, resource, namespace, name, patched, options)
