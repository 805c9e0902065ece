"""The control-plane controllers that deletion depends on: garbage collector, namespace and CRD cleanup.

``server.py`` runs ``collect_garbage`` on its event loop shortly after any deletion (so, as on a real cluster,
dependents disappear after the DELETE of their owner has returned); tests may also call it directly. It handles
ownerReferences (background, foreground and orphan propagation), terminating namespaces and deleted CRDs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kube_emulator.admission import WriteOptions
from kube_emulator.hooks import CRD_CLEANUP_FINALIZER
from kube_emulator.resources import ResourceType
from kube_emulator.store import Store

_MAX_PASSES = 100


def collect_garbage(store: Store) -> None:
    """Run passes until nothing changes (a dependent chain a levels deep needs a passes)."""
    with store.lock:
        for _ in range(_MAX_PASSES):
            if not _one_pass(store):
                return


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = obj["metadata"]
    return meta


def _dependents(store: Store, uid: str) -> list[tuple[ResourceType, dict[str, Any]]]:
    return [(resource, obj) for resource, obj in store.all_objects()
            if any(ref.get("uid") == uid for ref in _meta(obj).get("ownerReferences") or [])]


def _owner_alive(store: Store, dependent_resource: ResourceType, dependent: dict[str, Any],
                 reference: dict[str, Any]) -> bool:
    """Whether the owner exists as referenced: its kind, its name in the dependent's namespace, its uid.

    As the real collector: an owner of a kind the server does not serve is unresolvable and keeps the dependent;
    so does a namespaced owner named by a cluster-scoped dependent. A namespaced owner is looked up in the
    dependent's namespace, so a cross-namespace reference is absent. (Looked up by uid first: the collector runs
    after every write of owner references, so the common case must cost no copy.)"""
    group = str(reference.get("apiVersion", "")).rpartition("/")[0]
    found = store.by_uid(str(reference.get("uid", "")))
    if found is not None and found[0].group == group and found[0].kind == reference.get("kind"):
        owner_resource, owner = found
        if owner_resource.namespaced and not dependent_resource.namespaced:
            return True
        return _meta(owner).get("name") == reference.get("name") and (
            not owner_resource.namespaced or _meta(owner).get("namespace") == _meta(dependent).get("namespace"))
    served = next((resource for resource in store.catalogue
                   if resource.group == group and resource.kind == reference.get("kind")
                   and "get" in resource.verbs), None)
    return served is None or (served.namespaced and not dependent_resource.namespaced)


def _blocks(dependent: dict[str, Any], uid: str) -> bool:
    return any(ref.get("uid") == uid and ref.get("blockOwnerDeletion")
               for ref in _meta(dependent).get("ownerReferences") or [])


def _delete(store: Store, resource: ResourceType, obj: dict[str, Any], propagation: str | None = None) -> None:
    meta = _meta(obj)
    if not meta.get("deletionTimestamp"):
        store.delete(resource, meta.get("namespace", ""), meta["name"], propagation=propagation)


def _update_object(store: Store, obj: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> None:
    """Change an object from its current state, as a control-plane controller does (skipped if it is gone)."""
    found = store.by_uid(_meta(obj)["uid"])
    if found is None:
        return
    current = store.present(*found)
    change(current)
    meta = _meta(current)
    store.replace(found[0], meta.get("namespace", ""), meta["name"], current, WriteOptions(field_manager="emulator"))


def _drop_finalizer(store: Store, obj: dict[str, Any], finalizer: str) -> None:
    def change(new: dict[str, Any]) -> None:
        _meta(new)["finalizers"] = [item for item in _meta(new).get("finalizers") or [] if item != finalizer]
    _update_object(store, obj, change)


def _without_owner(uid: str) -> Callable[[dict[str, Any]], None]:
    def change(new: dict[str, Any]) -> None:
        _meta(new)["ownerReferences"] = [ref for ref in _meta(new).get("ownerReferences") or []
                                         if ref.get("uid") != uid]
    return change


def _with_owners(references: list[dict[str, Any]]) -> Callable[[dict[str, Any]], None]:
    def change(new: dict[str, Any]) -> None:
        _meta(new)["ownerReferences"] = references
    return change


def _one_pass(store: Store) -> bool:
    changed = False
    for uid in [_meta(obj)["uid"] for _, obj in store.all_objects()]:
        found = store.by_uid(uid)  # fresh: earlier steps of this pass may have changed or removed it
        if found is None:
            continue
        resource, obj = found
        meta = _meta(obj)
        uid, deleting, finalizers = meta["uid"], bool(meta.get("deletionTimestamp")), meta.get("finalizers") or []
        if deleting and "orphan" in finalizers:
            for _, dependent in _dependents(store, uid):
                _update_object(store, dependent, _without_owner(uid))
            _drop_finalizer(store, obj, "orphan")
            changed = True
        elif deleting and "foregroundDeletion" in finalizers:
            dependents = _dependents(store, uid)
            for dependent_resource, dependent in dependents:
                if not _meta(dependent).get("deletionTimestamp"):
                    _delete(store, dependent_resource, dependent, "Foreground")
                    changed = True
            # The owner waits only for dependents that block its deletion (blockOwnerDeletion: true).
            if not any(_blocks(dependent, uid) for _, dependent in dependents):
                _drop_finalizer(store, obj, "foregroundDeletion")
                changed = True
        references = meta.get("ownerReferences") or []
        if references and not deleting:
            alive = [ref for ref in references if _owner_alive(store, resource, obj, ref)]
            if not alive:
                _delete(store, resource, obj)
                changed = True
            elif len(alive) < len(references):
                _update_object(store, obj, _with_owners(alive))
                changed = True
        if deleting and resource.storage_key == ("", "namespaces"):
            changed |= _empty_namespace(store, obj)
        if deleting and CRD_CLEANUP_FINALIZER in finalizers:
            changed |= _empty_crd(store, obj)
    return changed


def _empty_namespace(store: Store, namespace: dict[str, Any]) -> bool:
    name = _meta(namespace)["name"]
    contents = [(resource, obj) for resource, obj in store.all_objects()
                if resource.namespaced and _meta(obj).get("namespace") == name]
    for resource, obj in contents:
        _delete(store, resource, obj)
    if contents:
        return any(not _meta(obj).get("deletionTimestamp") for _, obj in contents)
    if (namespace.get("spec") or {}).get("finalizers"):
        _update_object(store, namespace, lambda new: new["spec"].update(finalizers=[]))
        return True
    return False


def _empty_crd(store: Store, crd: dict[str, Any]) -> bool:
    storage_key = (crd["spec"]["group"], crd["spec"]["names"]["plural"])
    instances = [(resource, obj) for resource, obj in store.all_objects() if resource.storage_key == storage_key]
    for resource, obj in instances:
        _delete(store, resource, obj)
    if instances:
        return any(not _meta(obj).get("deletionTimestamp") for _, obj in instances)
    _drop_finalizer(store, crd, CRD_CLEANUP_FINALIZER)
    return True
