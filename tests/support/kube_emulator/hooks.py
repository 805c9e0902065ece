"""Per-kind rules the real API servers apply on write: namespaces, services, routes and CRDs.

Called by ``store.py`` while it holds its lock. Registering the types a CRD serves happens here, so a CRD
created over HTTP is served right away, as on a real cluster once it is Established.
"""

from __future__ import annotations

import base64
import ipaddress
import itertools
from typing import TYPE_CHECKING, Any

from kube_emulator import errors
from kube_emulator.resources import ResourceType, types_from_crd

if TYPE_CHECKING:
    from kube_emulator.store import Store

CRD_CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"
ROUTE_DOMAIN = "apps.emulator.local"
INTERNAL_REGISTRY = "image-registry.openshift-image-registry.svc:5000"
_service_addresses = (str(ipaddress.IPv4Address("10.96.0.10") + offset) for offset in itertools.count())


def _key(resource: ResourceType) -> tuple[str, str]:
    return resource.storage_key


def before_write(resource: ResourceType, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    creating = old is None
    key = _key(resource)
    if key == ("", "namespaces") and creating:
        new.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        new["status"] = {"phase": "Active"}
    elif key == ("", "services"):
        spec = new.setdefault("spec", {})
        if old is not None:  # an update that omits the allocated address keeps it (as since Kubernetes 1.20)
            for field in ("clusterIP", "clusterIPs"):
                if field in (old.get("spec") or {}) and not spec.get(field):
                    spec[field] = old["spec"][field]
        _default_service(spec)
    elif key == ("", "secrets") and new.get("stringData") is not None:
        # stringData is write-only: merged into data (base64), as the API server does, and never stored.
        encoded = {name: base64.b64encode(str(value).encode()).decode() for name, value in new.pop("stringData").items()}
        new["data"] = {**(new.get("data") or {}), **encoded}
    elif key == ("image.openshift.io", "imagestreams") and creating:
        meta = new["metadata"]
        new["status"] = {"dockerImageRepository": f"{INTERNAL_REGISTRY}/{meta.get('namespace', '')}/{meta['name']}"}
    elif key == ("route.openshift.io", "routes") and creating:
        spec = new.setdefault("spec", {})
        if not spec.get("host"):
            spec["host"] = f"{new['metadata']['name']}-{new['metadata'].get('namespace', '')}.{ROUTE_DOMAIN}"
    elif key == ("apiextensions.k8s.io", "customresourcedefinitions"):
        _admit_crd(resource, new, creating)


def _default_service(spec: dict[str, Any]) -> None:
    spec.setdefault("type", "ClusterIP")
    if spec.get("clusterIP") != "None" and spec["type"] != "ExternalName":
        spec.setdefault("clusterIP", next(_service_addresses))
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
    for port in spec.get("ports") or []:
        port.setdefault("protocol", "TCP")
        port.setdefault("targetPort", port.get("port"))


def _admit_crd(resource: ResourceType, crd: dict[str, Any], creating: bool) -> None:
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    name = crd["metadata"]["name"]
    problems = []
    if not spec.get("group") or not names.get("plural") or not names.get("kind"):
        problems.append(("spec", "Required value: group, names.plural and names.kind are required"))
    elif name != f"{names['plural']}.{spec['group']}":
        problems.append(("metadata.name", f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group'))
    versions = spec.get("versions") or []
    if not versions or sum(1 for version in versions if version.get("storage")) != 1:
        problems.append(("spec.versions", "Invalid value: exactly one version must be the storage version"))
    if problems:
        raise errors.invalid(resource, name, problems)
    if creating and CRD_CLEANUP_FINALIZER not in (crd["metadata"].get("finalizers") or []):
        crd["metadata"].setdefault("finalizers", []).append(CRD_CLEANUP_FINALIZER)
    accepted = {"singular": names["kind"].lower(), "listKind": f"{names['kind']}List", **names}
    storage = next(version["name"] for version in versions if version.get("storage"))
    conditions = [{"type": condition, "status": "True", "reason": reason, "message": message,
                   "lastTransitionTime": crd["metadata"].get("creationTimestamp", "")}
                  for condition, reason, message in (
                      ("NamesAccepted", "NoConflicts", "no conflicts found"),
                      ("Established", "InitialNamesAccepted", "the initial names have been accepted"))]
    stored_versions = ((crd.get("status") or {}).get("storedVersions") or []) if not creating else []
    crd["status"] = {"acceptedNames": accepted, "conditions": conditions,
                     "storedVersions": sorted({*stored_versions, storage})}


def after_commit(store: Store, resource: ResourceType, event_type: str, obj: dict[str, Any]) -> None:
    if _key(resource) != ("apiextensions.k8s.io", "customresourcedefinitions"):
        return
    name = obj["metadata"]["name"]
    if event_type == "DELETED":
        store.catalogue.remove_crd(name)
        store.close_watches((obj["spec"]["group"], obj["spec"]["names"]["plural"]))
    elif not obj["metadata"].get("deletionTimestamp"):
        store.catalogue.add_crd(name, types_from_crd(obj))


def blocks_removal(resource: ResourceType, obj: dict[str, Any]) -> bool:
    """Namespaces wait for their content to go (spec.finalizers), not only for metadata.finalizers."""
    return _key(resource) == ("", "namespaces") and bool((obj.get("spec") or {}).get("finalizers"))


def on_terminating(resource: ResourceType, obj: dict[str, Any]) -> None:
    if _key(resource) == ("", "namespaces"):
        obj["status"] = {"phase": "Terminating"}
