"""Discovery documents (``/version``, ``/api``, ``/apis``, ``/apis/<group>[/<version>]``) from the catalogue.

Rendered by ``server.py`` on each request, so a CRD shows up as soon as it is created.
"""

from __future__ import annotations

from typing import Any

from kube_emulator.resources import Catalogue, ResourceType

SERVER_VERSION = {
    "major": "1", "minor": "31", "gitVersion": "v1.31.0+emulated", "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean", "buildDate": "2024-08-13T00:00:00Z", "goVersion": "go1.22.5", "compiler": "gc",
    "platform": "linux/amd64",
}


def api_versions() -> dict[str, Any]:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}


def _group(catalogue: Catalogue, name: str, versions: list[str]) -> dict[str, Any]:
    listed = [{"groupVersion": f"{name}/{version}", "version": version} for version in versions]
    return {"name": name, "versions": listed, "preferredVersion": dict(listed[0])}


def api_group_list(catalogue: Catalogue) -> dict[str, Any]:
    groups = [_group(catalogue, name, versions) for name, versions in sorted(catalogue.groups().items()) if name]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(catalogue: Catalogue, name: str) -> dict[str, Any] | None:
    versions = catalogue.groups().get(name)
    if not name or not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(catalogue, name, versions)}


def _entry(resource: ResourceType, subresource: str = "", verbs: tuple[str, ...] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": f"{resource.plural}/{subresource}" if subresource else resource.plural,
        "singularName": "" if subresource else resource.singular,
        "namespaced": resource.namespaced,
        "kind": resource.kind,
        "verbs": list(verbs if verbs is not None else resource.verbs),
    }
    if not subresource:
        if resource.short_names:
            entry["shortNames"] = list(resource.short_names)
        if resource.categories:
            entry["categories"] = list(resource.categories)
        entry["storageVersionHash"] = ""
    return entry


def api_resource_list(catalogue: Catalogue, group: str, version: str) -> dict[str, Any] | None:
    served = [resource for resource in catalogue if (resource.group, resource.version) == (group, version)]
    if not served:
        return None
    entries = []
    for resource in served:
        entries.append(_entry(resource))
        if resource.has_status:
            entries.append(_entry(resource, "status", ("get", "patch", "update")))
        if resource.scale is not None:
            entries.append({**_entry(resource, "scale", ("get", "patch", "update")), "group": "autoscaling",
                            "version": "v1", "kind": "Scale"})
        for subresource, verbs in resource.extra_subresources:
            entries.append(_entry(resource, subresource, verbs))
    group_version = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": entries}
