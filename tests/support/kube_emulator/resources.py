"""The resource types the emulator serves: the built-in catalogue and the types a CRD adds.

``store.py`` keeps one ``Catalogue`` and asks it how to treat each resource (scope, status subresource,
generation, strategic-merge support, CRD schema); ``discovery.py`` renders it for clients.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from typing import Any

STANDARD_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclasses.dataclass(frozen=True)
class ScalePaths:
    spec_replicas: str = ".spec.replicas"
    status_replicas: str = ".status.replicas"
    label_selector: str | None = ".spec.selector"  # a LabelSelector object for built-ins, a string for CRDs


@dataclasses.dataclass(frozen=True)
class ResourceType:
    """One served group/version/plural, with what the server does differently for it."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    # The status subresource keeps status apart from the main resource (and from generation).
    has_status: bool = False
    # Whether metadata.generation is kept and bumped on spec changes.
    tracks_generation: bool = False
    # Custom resources: no strategic merge patch, PUT needs a resourceVersion, schema from the CRD.
    custom: bool = False
    schema: dict[str, Any] | None = dataclasses.field(default=None, compare=False, hash=False)
    # Extra names served under the resource besides "status" (e.g. "instantiate"), with their verbs.
    extra_subresources: tuple[tuple[str, tuple[str, ...]], ...] = ()
    verbs: tuple[str, ...] = STANDARD_VERBS
    # The scale subresource: JSON paths of spec replicas, status replicas and the label selector.
    scale: ScalePaths | None = None
    # Extra fields a field selector may use (a CRD's selectableFields), as dotted paths.
    selectable_fields: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def storage_key(self) -> tuple[str, str]:
        """Objects are stored once per group and plural, whichever version wrote them."""
        return (self.group, self.plural)

    @property
    def qualified_plural(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def singular(self) -> str:
        return self.kind.lower()


def _core(plural: str, kind: str, **options: Any) -> ResourceType:
    return ResourceType("", "v1", plural, kind, **options)


def _grouped(group_version: str, plural: str, kind: str, **options: Any) -> ResourceType:
    group, version = group_version.split("/")
    return ResourceType(group, version, plural, kind, **options)


_WORKLOAD = {"has_status": True, "tracks_generation": True, "categories": ("all",)}
_SCALED = {**_WORKLOAD, "scale": ScalePaths()}

BUILTIN_TYPES: tuple[ResourceType, ...] = (
    _core("namespaces", "Namespace", namespaced=False, short_names=("ns",), has_status=True),
    _core("pods", "Pod", short_names=("po",), has_status=True, categories=("all",)),
    _core("services", "Service", short_names=("svc",), has_status=True, categories=("all",)),
    _core("configmaps", "ConfigMap", short_names=("cm",)),
    _core("secrets", "Secret"),
    _core("serviceaccounts", "ServiceAccount", short_names=("sa",)),
    _core("events", "Event", short_names=("ev",)),
    _core("endpoints", "Endpoints", short_names=("ep",)),
    _core("persistentvolumeclaims", "PersistentVolumeClaim", short_names=("pvc",), has_status=True),
    _core("limitranges", "LimitRange", short_names=("limits",)),
    _core("resourcequotas", "ResourceQuota", short_names=("quota",), has_status=True),
    _core("nodes", "Node", namespaced=False, short_names=("no",), has_status=True),
    _grouped("apps/v1", "deployments", "Deployment", short_names=("deploy",), **_SCALED),
    _grouped("apps/v1", "replicasets", "ReplicaSet", short_names=("rs",), **_SCALED),
    _grouped("apps/v1", "statefulsets", "StatefulSet", short_names=("sts",), **_SCALED),
    _grouped("apps/v1", "daemonsets", "DaemonSet", short_names=("ds",), **_WORKLOAD),
    _grouped("apps/v1", "controllerrevisions", "ControllerRevision"),
    _grouped("batch/v1", "jobs", "Job", **_WORKLOAD),
    _grouped("batch/v1", "cronjobs", "CronJob", short_names=("cj",), **_WORKLOAD),
    _grouped("autoscaling/v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", short_names=("hpa",),
             has_status=True, categories=("all",)),
    _grouped("policy/v1", "poddisruptionbudgets", "PodDisruptionBudget", short_names=("pdb",), has_status=True,
             tracks_generation=True),
    _grouped("networking.k8s.io/v1", "ingresses", "Ingress", short_names=("ing",), has_status=True,
             tracks_generation=True),
    _grouped("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy", short_names=("netpol",),
             tracks_generation=True),
    _grouped("rbac.authorization.k8s.io/v1", "roles", "Role"),
    _grouped("rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding"),
    _grouped("rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", namespaced=False),
    _grouped("rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding", namespaced=False),
    _grouped("coordination.k8s.io/v1", "leases", "Lease"),
    _grouped("apiextensions.k8s.io/v1", "customresourcedefinitions", "CustomResourceDefinition",
             namespaced=False, short_names=("crd", "crds"), has_status=True, tracks_generation=True),
    # OpenShift (served by openshift-apiserver as built-in types, so strategic merge works on them).
    _grouped("image.openshift.io/v1", "imagestreams", "ImageStream", short_names=("is",), has_status=True,
             tracks_generation=True, categories=("all",)),
    # ImageStreamTags are views of their ImageStream (served by imagestreamtags.py, not stored, not watchable).
    _grouped("image.openshift.io/v1", "imagestreamtags", "ImageStreamTag", short_names=("istag",),
             verbs=("create", "delete", "get", "list", "patch", "update")),
    _grouped("build.openshift.io/v1", "buildconfigs", "BuildConfig", short_names=("bc",), categories=("all",),
             extra_subresources=(("instantiate", ("create",)),)),
    _grouped("build.openshift.io/v1", "builds", "Build", categories=("all",)),
    _grouped("route.openshift.io/v1", "routes", "Route", has_status=True, categories=("all",)),
    _grouped("template.openshift.io/v1", "templates", "Template"),
    # Projects are views of namespaces (served by openshift.py, not stored).
    _grouped("project.openshift.io/v1", "projects", "Project", namespaced=False, has_status=True,
             verbs=("create", "delete", "get", "list", "patch", "update")),
    _grouped("project.openshift.io/v1", "projectrequests", "ProjectRequest", namespaced=False, verbs=("create", "list")),
    _grouped("template.openshift.io/v1", "processedtemplates", "Template", verbs=("create",)),
)


def types_from_crd(crd: dict[str, Any]) -> list[ResourceType]:
    """The resource types an ``apiextensions.k8s.io/v1`` CRD serves (one per served version)."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    served: list[ResourceType] = []
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        subresources = version.get("subresources") or {}
        scale = subresources.get("scale")
        served.append(ResourceType(
            group=spec["group"],
            version=version["name"],
            plural=names["plural"],
            kind=names["kind"],
            namespaced=spec.get("scope", "Namespaced") == "Namespaced",
            short_names=tuple(names.get("shortNames") or ()),
            categories=tuple(names.get("categories") or ()),
            has_status="status" in subresources,
            tracks_generation=True,
            custom=True,
            schema=(version.get("schema") or {}).get("openAPIV3Schema"),
            scale=ScalePaths(scale["specReplicasPath"], scale["statusReplicasPath"],
                             scale.get("labelSelectorPath")) if scale else None,
            selectable_fields=tuple(field["jsonPath"].lstrip(".") for field in version.get("selectableFields") or []),
        ))
    return served


class Catalogue:
    """Served resource types, looked up by group/version/plural or by apiVersion/kind."""

    def __init__(self, types: Iterable[ResourceType] = BUILTIN_TYPES) -> None:
        self._builtin = tuple(types)
        self._custom: dict[str, list[ResourceType]] = {}  # CRD name -> its served types

    def reset(self) -> None:
        self._custom.clear()

    def add_crd(self, crd_name: str, types: list[ResourceType]) -> None:
        self._custom[crd_name] = types

    def remove_crd(self, crd_name: str) -> None:
        self._custom.pop(crd_name, None)

    def __iter__(self) -> Iterator[ResourceType]:
        yield from self._builtin
        for types in self._custom.values():
            yield from types

    def find(self, group: str, version: str, plural: str) -> ResourceType | None:
        for resource in self:
            if (resource.group, resource.version, resource.plural) == (group, version, plural):
                return resource
        return None

    def find_kind(self, api_version: str, kind: str) -> ResourceType | None:
        for resource in self:
            if (resource.api_version, resource.kind) == (api_version, kind) and "get" in resource.verbs:
                return resource
        return None

    def versions_of(self, group: str, plural: str) -> list[ResourceType]:
        return [resource for resource in self if (resource.group, resource.plural) == (group, plural)]

    def groups(self) -> dict[str, list[str]]:
        """Group name -> served versions, preferred first, in the API server's version priority."""
        found: dict[str, list[str]] = {}
        for resource in self:
            versions = found.setdefault(resource.group, [])
            if resource.version not in versions:
                versions.append(resource.version)
        return {group: sorted(versions, key=version_priority) for group, versions in found.items()}


def version_priority(version: str) -> tuple[int, int, int, str]:
    """Sort key: GA before beta before alpha, higher numbers first (v1 > v1beta2 > v1beta1 > v1alpha1)."""
    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if match is None:
        return (3, 0, 0, version)
    major, stage, minor = match.groups()
    stage_rank = {None: 0, "beta": 1, "alpha": 2}[stage]
    return (stage_rank, -int(major), -int(minor or 0), version)
