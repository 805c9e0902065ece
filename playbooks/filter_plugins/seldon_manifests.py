"""Filters the seldon-s2i playbooks use to read the repository's manifest files.

The playbooks apply the same files as `oc apply -f` does (crds/, rbac/, imagestreams/,
openshift-templates/, builds/, console/, controller/manifests/); these filters load them
and adapt the few fields an installation chooses: the namespaces, and the controller's image.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

# Files that describe how to apply the others (kustomize), not objects of the cluster.
NOT_OBJECTS = {"Kustomization"}
CLUSTER_KINDS = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
                 "ConsoleYAMLSample", "ConsoleQuickStart"}


def _copy(item: Any) -> Any:
    # Plain dicts and lists again: Ansible hands filters its own (lazy, tagged) containers.
    return json.loads(json.dumps(item))


def seldon_manifests(folder: str) -> list[dict[str, Any]]:
    """Every object of every *.yaml file in ``folder`` (sorted by file name); an absent folder has none."""
    path = Path(folder)
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(path.glob("*.yaml"))
    else:
        return []
    return [item for file in files for item in yaml.safe_load_all(file.read_text(encoding="utf-8"))
            if item and item.get("kind") not in NOT_OBJECTS]


def in_namespace(objects: list[dict[str, Any]], namespace: str) -> list[dict[str, Any]]:
    """The objects with ``metadata.namespace`` set (for the namespaced ones the caller passes)."""
    return [{**item, "metadata": {**item.get("metadata", {}), "namespace": namespace}} for item in map(_copy, objects)]


def controller(objects: list[dict[str, Any]], namespace: str, image: str) -> list[dict[str, Any]]:
    """The controller's manifests moved into ``namespace`` (its Namespace object, namespaced objects and the
    ServiceAccounts its bindings name) with every Deployment container running ``image``."""
    result = []
    for item in map(_copy, objects):
        metadata = item.setdefault("metadata", {})
        if item.get("kind") == "Namespace":
            metadata["name"] = namespace
        elif item.get("kind") not in CLUSTER_KINDS:
            metadata["namespace"] = namespace
        for subject in item.get("subjects") or []:
            if subject.get("kind") == "ServiceAccount":
                subject["namespace"] = namespace
        if item.get("kind") == "Deployment":
            for container in item["spec"]["template"]["spec"].get("containers", []):
                container["image"] = image
        result.append(item)
    # What others refer to first: the namespace before what lives in it, the Deployment last.
    order = ["Namespace", "ServiceAccount", "ClusterRole", "Role", "ClusterRoleBinding", "RoleBinding"]
    return sorted(result, key=lambda item: order.index(item["kind"]) if item["kind"] in order else len(order))


def version_tag(streams: list[dict[str, Any]]) -> str:
    """The versioned tag (not ``latest``) of the one ImageStream in ``streams``."""
    (stream,) = streams
    (tag,) = [tag["name"] for tag in stream["spec"]["tags"] if tag["name"] != "latest"]
    return str(tag)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"seldon_manifests": seldon_manifests, "in_namespace": in_namespace, "controller": controller,
                "version_tag": version_tag}
