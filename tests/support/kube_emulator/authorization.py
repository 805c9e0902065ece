"""Opt-in RBAC: ServiceAccount tokens authorized by the Roles, ClusterRoles and bindings stored in the emulator.

With ``KubeEmulator(authorization=True)`` (or ``cluster.authorization = True``) a request that carries a token
from ``cluster.service_account_kubeconfig(namespace, name)`` is evaluated as the real RBAC authorizer does
(RoleBindings in the request's namespace to a Role or ClusterRole, ClusterRoleBindings; verbs, apiGroups,
resources with ``/subresource``, resourceNames, ``*``) and refused with the API server's 403. The
OwnerReferencesPermissionEnforcement admission plugin (on by default on OpenShift) is emulated too, and an apply
that creates needs ``create``: changing
ownerReferences needs ``delete`` on the object, and setting ``blockOwnerDeletion`` needs ``update`` on the
owner's ``finalizers`` subresource. The emulator's own token stays a cluster administrator; discovery and
health paths are open to any authenticated user, as the bootstrap ``system:discovery`` role grants.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from kube_emulator import errors
from kube_emulator.resources import ResourceType
from kube_emulator.store import Store

SERVICE_ACCOUNT_TOKEN_PREFIX = "emulated-sa:"


@dataclasses.dataclass(frozen=True)
class User:
    name: str
    groups: tuple[str, ...]
    service_account: tuple[str, str] | None = None  # namespace, name


@dataclasses.dataclass(frozen=True)
class Attributes:
    verb: str
    group: str
    resource: str  # plural, or plural/subresource
    namespace: str
    name: str


def token_for(namespace: str, name: str) -> str:
    return f"{SERVICE_ACCOUNT_TOKEN_PREFIX}{namespace}:{name}"


def user_of(token: str) -> User | None:
    """The ServiceAccount a token stands for, or None when it is not a ServiceAccount token."""
    if not token.startswith(SERVICE_ACCOUNT_TOKEN_PREFIX):
        return None
    namespace, _, name = token[len(SERVICE_ACCOUNT_TOKEN_PREFIX):].partition(":")
    return User(f"system:serviceaccount:{namespace}:{name}",
                ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"),
                (namespace, name))


def _binds(binding: dict[str, Any], user: User) -> bool:
    binding_namespace = binding["metadata"].get("namespace", "")
    for subject in binding.get("subjects") or []:
        kind = subject.get("kind")
        if kind == "ServiceAccount" and user.service_account == (subject.get("namespace") or binding_namespace,
                                                                  subject.get("name")):
            return True
        if kind == "User" and subject.get("name") == user.name:
            return True
        if kind == "Group" and subject.get("name") in user.groups:
            return True
    return False


def _matches(rule: dict[str, Any], attributes: Attributes) -> bool:
    def has(values: Iterable[str] | None, wanted: str) -> bool:
        return any(value in ("*", wanted) for value in values or [])
    plural, _, sub = attributes.resource.partition("/")
    resources = rule.get("resources") or []
    resource_ok = any(value in ("*", attributes.resource) or (sub and value == f"*/{sub}") for value in resources)
    names = rule.get("resourceNames") or []
    return (has(rule.get("verbs"), attributes.verb) and has(rule.get("apiGroups"), attributes.group)
            and resource_ok and (not names or attributes.name in names) and bool(plural))


def _rules(store: Store, kind: str, namespace: str, name: str) -> list[dict[str, Any]]:
    resource = store.catalogue.find_kind("rbac.authorization.k8s.io/v1", kind)
    assert resource is not None
    role = store.find(resource, namespace, name)
    return list((role or {}).get("rules") or [])


def allowed(store: Store, user: User, attributes: Attributes) -> bool:
    bindings = store.catalogue.find_kind("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")
    role_bindings = store.catalogue.find_kind("rbac.authorization.k8s.io/v1", "RoleBinding")
    assert bindings is not None and role_bindings is not None
    for binding in store.list_objects(bindings, None, lambda obj: True):
        if _binds(binding, user) and any(_matches(rule, attributes) for rule in _rules(
                store, "ClusterRole", "", binding["roleRef"]["name"])):
            return True
    if not attributes.namespace:
        return False
    for binding in store.list_objects(role_bindings, attributes.namespace, lambda obj: True):
        reference = binding.get("roleRef") or {}
        kind = str(reference.get("kind", ""))
        rules = _rules(store, kind, attributes.namespace if kind == "Role" else "", reference.get("name", ""))
        if _binds(binding, user) and any(_matches(rule, attributes) for rule in rules):
            return True
    return False


def describe(user: User, attributes: Attributes) -> str:
    where = f'in the namespace "{attributes.namespace}"' if attributes.namespace else "at the cluster scope"
    return (f'User "{user.name}" cannot {attributes.verb} resource "{attributes.resource}" in API group '
            f'"{attributes.group}" {where}')


def forbidden(resource: ResourceType, name: str, user: User, attributes: Attributes, why: str = "") -> errors.ApiError:
    """403 about ``name`` of ``resource`` (the object written), explaining the check of ``attributes`` that failed."""
    subject = f'{resource.qualified_plural} "{name}"' if name else resource.qualified_plural
    failure = errors.forbidden(f"{subject} is forbidden: {why}{describe(user, attributes)}")
    failure.details = {"kind": resource.plural, **({"name": name} if name else {}),
                       **({"group": resource.group} if resource.group else {})}
    return failure


def authorize(store: Store, user: User, resource: ResourceType, attributes: Attributes) -> None:
    if not allowed(store, user, attributes):
        raise forbidden(resource, attributes.name, user, attributes)


Admission = Callable[[ResourceType, "dict[str, Any] | None", "dict[str, Any]"], None]


def write_admission(store: Store, user: User, method: str) -> Admission:
    """Checks run by the store on the object about to be written: a server-side apply that creates the object
    needs ``create`` as well as ``patch`` (as the API server authorizes it), and the
    OwnerReferencesPermissionEnforcement rules."""
    def admit(resource: ResourceType, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
        if old is None and method == "PATCH":
            namespace = new["metadata"].get("namespace", "") if resource.namespaced else ""
            authorize(store, user, resource, Attributes("create", resource.group, resource.plural, namespace,
                                                        new["metadata"]["name"]))
        old_references = ((old or {}).get("metadata") or {}).get("ownerReferences") or []
        new_references = new["metadata"].get("ownerReferences") or []
        if old_references == new_references:
            return
        namespace = new["metadata"].get("namespace", "") if resource.namespaced else ""
        name = new["metadata"]["name"]
        deleting = Attributes("delete", resource.group, resource.plural, namespace, name)
        if not allowed(store, user, deleting):
            raise forbidden(resource, name, user, deleting, "cannot set an ownerRef on a resource you can't delete: ")
        already = {(ref.get("uid"), True) for ref in old_references if ref.get("blockOwnerDeletion")}
        for reference in new_references:
            if not reference.get("blockOwnerDeletion") or (reference.get("uid"), True) in already:
                continue
            group = str(reference.get("apiVersion", "")).rpartition("/")[0]
            owner = next((found for found in store.catalogue
                          if found.group == group and found.kind == reference.get("kind")), None)
            if owner is None:
                raise errors.forbidden(f'{resource.qualified_plural} "{name}" is forbidden: cannot set '
                                       "blockOwnerDeletion in this case because cannot find RESTMapping for "
                                       f"APIVersion {reference.get('apiVersion')} Kind {reference.get('kind')}")
            finalizers = Attributes("update", owner.group, f"{owner.plural}/finalizers",
                                    namespace if owner.namespaced else "", str(reference.get("name", "")))
            if not allowed(store, user, finalizers):
                raise forbidden(resource, name, user, finalizers, "cannot set blockOwnerDeletion if an ownerReference "
                                "refers to a resource you can't set finalizers on: ")
    return admit
