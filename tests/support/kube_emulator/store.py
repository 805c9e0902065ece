"""The emulated cluster state: objects, resourceVersions, the event log for watches, and every write rule.

``server.py`` calls it for each request (on the server's event loop); tests may call it from their own thread,
so every method takes the store's lock. Writes follow the API server: server-filled metadata, 409 on a stale
``resourceVersion``, the status subresource kept apart from the rest, ``generation`` bumped on spec changes
only, finalizers and ``deletionTimestamp``, no-op writes that change nothing; ``admission.py`` and ``hooks.py``
hold the per-field and per-kind rules. ``lifecycle.py`` does what the controllers of a real control plane would
(garbage collection, namespace and CRD cleanup).
"""

from __future__ import annotations

import asyncio
import collections
import copy
import dataclasses
import itertools
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from kube_emulator import admission, defaults, errors, fieldsets, hooks, patching
from kube_emulator.admission import WriteOptions, now_rfc3339
from kube_emulator.events import StorageKey, Subscriber, WatchEvent
from kube_emulator.resources import Catalogue, ResourceType
from kube_emulator.selectors import ObjectPredicate

ObjectKey = tuple[str, str]  # namespace ("" when cluster-scoped), name
PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json",
               "application/strategic-merge-patch+json", "application/apply-patch+yaml")


@dataclasses.dataclass
class WriteResult:
    obj: dict[str, Any]
    warnings: list[str] = dataclasses.field(default_factory=list)
    created: bool = False


class Store:
    def __init__(self, catalogue: Catalogue, event_log_size: int = 10_000) -> None:
        self.catalogue = catalogue
        self.lock = threading.RLock()
        self._objects: dict[StorageKey, dict[ObjectKey, dict[str, Any]]] = collections.defaultdict(dict)
        self._uids: dict[str, tuple[StorageKey, ObjectKey]] = {}
        self._counter = itertools.count(1)
        self._resource_version = 0
        self._log: collections.deque[WatchEvent] = collections.deque(maxlen=event_log_size)
        self._compacted = 0  # events up to this resourceVersion are no longer in the log
        self._subscribers: set[Subscriber] = set()
        # Called after a removal or a write of owner references, so the garbage collector runs in the background.
        self.wake_collector: Callable[[], None] = lambda: None

    # -- reading -----------------------------------------------------------------------------------------------

    @property
    def resource_version(self) -> int:
        return self._resource_version

    def find(self, resource: ResourceType, namespace: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            stored = self._objects[resource.storage_key].get((namespace if resource.namespaced else "", name))
            return self.present(resource, stored) if stored is not None else None

    def get(self, resource: ResourceType, namespace: str, name: str) -> dict[str, Any]:
        found = self.find(resource, namespace, name)
        if found is None:
            raise errors.not_found(resource, name)
        return found

    def present(self, resource: ResourceType, stored: dict[str, Any]) -> dict[str, Any]:
        """A copy as the requested version shows it (CRD versions convert with strategy None)."""
        shown = copy.deepcopy(stored)
        shown["apiVersion"] = resource.api_version
        return shown

    def list_objects(self, resource: ResourceType, namespace: str | None, matches: ObjectPredicate) -> list[dict[str, Any]]:
        with self.lock:
            stored = self._objects[resource.storage_key]
            return [self.present(resource, obj) for key, obj in sorted(stored.items())
                    if (namespace is None or key[0] == namespace) and matches(obj)]

    def all_objects(self) -> Iterator[tuple[ResourceType, dict[str, Any]]]:
        """Every stored object with a type that serves it (a snapshot, safe to modify the store meanwhile)."""
        with self.lock:
            snapshot = [(key, list(objects.values())) for key, objects in self._objects.items()]
        for storage_key, objects in snapshot:
            served = self.catalogue.versions_of(*storage_key)
            for obj in objects:
                if served:
                    yield served[0], obj

    def by_uid(self, uid: str) -> tuple[ResourceType, dict[str, Any]] | None:
        with self.lock:
            found = self._uids.get(uid)
            if found is None:
                return None
            storage_key, object_key = found
            served = self.catalogue.versions_of(*storage_key)
            obj = self._objects[storage_key].get(object_key)
            return (served[0], obj) if served and obj is not None else None

    # -- watching ----------------------------------------------------------------------------------------------

    def subscribe(self, resource: ResourceType, since: str | None,
                  loop: asyncio.AbstractEventLoop) -> tuple[list[WatchEvent], Subscriber]:
        """Events to send first (current state, or the log after ``since``), and the live subscription."""
        with self.lock:
            subscriber = Subscriber(resource.storage_key, loop)
            if since in (None, "", "0"):
                backlog = [WatchEvent(self._resource_version, resource.storage_key, "ADDED", obj, None)
                           for _, obj in sorted(self._objects[resource.storage_key].items())]
            else:
                try:
                    start = int(str(since))
                except ValueError as failure:
                    raise errors.bad_request(f'invalid resource version "{since}"') from failure
                if start < self._compacted:
                    raise errors.gone(f"too old resource version: {start} ({self._compacted + 1})")
                backlog = [event for event in self._log
                           if event.storage_key == resource.storage_key and event.resource_version > start]
            self._subscribers.add(subscriber)
            return backlog, subscriber

    def close_watches(self, storage_key: StorageKey) -> None:
        """End the watches of one resource (its CRD is gone, as the API server does)."""
        with self.lock:
            for subscriber in [found for found in self._subscribers if found.storage_key == storage_key]:
                subscriber.push(None)
                self._subscribers.discard(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with self.lock:
            self._subscribers.discard(subscriber)

    def compact(self) -> int:
        """Forget the event log, as etcd compaction does: older watches get 410 Gone. Returns the new floor."""
        with self.lock:
            self._log.clear()
            self._compacted = self._resource_version
            return self._compacted

    def clear(self) -> None:
        """Drop every object and close every watch (resourceVersions keep counting up)."""
        with self.lock:
            self._objects.clear()
            self._uids.clear()
            self.compact()
            for subscriber in self._subscribers:
                subscriber.push(None)
            self._subscribers.clear()
            self.catalogue.reset()

    # -- committing --------------------------------------------------------------------------------------------

    def _commit(self, resource: ResourceType, event_type: str, obj: dict[str, Any],
                previous: dict[str, Any] | None) -> dict[str, Any]:
        self._resource_version = next(self._counter)
        obj = copy.deepcopy(obj)
        metadata = obj.setdefault("metadata", {})
        metadata["resourceVersion"] = str(self._resource_version)
        key = (metadata.get("namespace", "") if resource.namespaced else "", metadata["name"])
        if event_type == "DELETED":
            self._objects[resource.storage_key].pop(key, None)
            self._uids.pop(metadata.get("uid", ""), None)
        else:
            self._objects[resource.storage_key][key] = obj
            self._uids[metadata["uid"]] = (resource.storage_key, key)
        event = WatchEvent(self._resource_version, resource.storage_key, event_type, obj, previous)
        if len(self._log) == self._log.maxlen:
            self._compacted = self._log[0].resource_version
        self._log.append(event)
        for subscriber in self._subscribers:
            if subscriber.storage_key == resource.storage_key:
                subscriber.push(event)
        hooks.after_commit(self, resource, event_type, obj)
        if event_type == "DELETED" or metadata.get("ownerReferences"):
            self.wake_collector()
        return self.present(resource, obj)

    # -- writing -----------------------------------------------------------------------------------------------

    def _assign_name(self, resource: ResourceType, namespace: str, metadata: dict[str, Any]) -> str:
        taken = self._objects[resource.storage_key]
        return admission.assign_name(resource, metadata, lambda name: (namespace, name) in taken)

    def _check_namespace(self, resource: ResourceType, namespace: str) -> None:
        if not resource.namespaced:
            return
        found = self._objects[("", "namespaces")].get(("", namespace))
        namespaces = self.catalogue.find("", "v1", "namespaces")
        assert namespaces is not None
        if found is None:
            raise errors.not_found(namespaces, namespace)
        if (found.get("metadata") or {}).get("deletionTimestamp"):
            raise errors.forbidden(f"{resource.plural} is forbidden: unable to create new content in namespace "
                                   f"{namespace} because it is being terminated")

    def _settle(self, resource: ResourceType, old: dict[str, Any] | None, new: dict[str, Any], subresource: str,
                options: WriteOptions) -> list[str]:
        """Rules shared by every write: status apart, server metadata kept, schema, generation. Returns warnings."""
        metadata = new.setdefault("metadata", {})
        if old is not None:
            for field in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                          "generation", "namespace", "name"):
                if field in old["metadata"]:
                    metadata[field] = old["metadata"][field]
                else:
                    metadata.pop(field, None)
            admission.check_metadata(resource, new)  # labels are checked on every write
            if old["metadata"].get("deletionTimestamp"):
                added = set(metadata.get("finalizers") or []) - set(old["metadata"].get("finalizers") or [])
                if added:
                    raise errors.invalid(resource, metadata["name"], [("metadata.finalizers", "Forbidden: no new "
                                         "finalizers can be added if the object is being deleted")])
        if resource.has_status and subresource != "status":
            if old is not None and "status" in old:
                new["status"] = copy.deepcopy(old["status"])
            else:
                new.pop("status", None)
        for field in ("finalizers", "ownerReferences", "labels", "annotations"):
            if field in metadata and not metadata[field]:
                metadata.pop(field)  # omitempty in the Go types: an emptied list or map disappears
        warnings = admission.admit_schema(resource, new, options.field_validation)
        if not resource.custom:
            defaults.apply_defaults(resource.storage_key, new)
        admission.check_owner_references(resource, new)
        admission.check_micro_times(resource, new)
        hooks.before_write(resource, old, new)
        admission.check_immutable(resource, old, new)
        if options.admit is not None:
            options.admit(resource, old, new)
        if resource.tracks_generation:
            metadata["generation"] = old["metadata"].get("generation", 1) if old is not None else 1
            if old is not None and admission.generation_moves(resource, old, new):
                metadata["generation"] += 1
        return warnings

    def create(self, resource: ResourceType, namespace: str, body: dict[str, Any], options: WriteOptions,
               managed_fields: list[dict[str, Any]] | None = None) -> WriteResult:
        """Create; ``managed_fields`` comes from server-side apply, otherwise the creator owns every field."""
        with self.lock:
            admission.check_type(resource, body)
            obj = copy.deepcopy(body)
            if (obj.get("metadata") or {}).get("namespace") not in (None, "", namespace) and resource.namespaced:
                raise errors.bad_request("the namespace of the provided object does not match the namespace sent "
                                         "on the request")
            obj["apiVersion"], obj["kind"] = resource.api_version, resource.kind
            metadata = obj.setdefault("metadata", {})
            for field in ("uid", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "generation",
                          "managedFields", "selfLink"):
                metadata.pop(field, None)
            if resource.namespaced:
                metadata["namespace"] = namespace
            else:
                metadata.pop("namespace", None)
            metadata["name"] = self._assign_name(resource, namespace, metadata)
            admission.check_metadata(resource, obj)
            self._check_namespace(resource, namespace)
            if (namespace if resource.namespaced else "", metadata["name"]) in self._objects[resource.storage_key]:
                raise errors.already_exists(resource, metadata["name"])
            metadata["uid"] = str(uuid.uuid4())
            metadata["creationTimestamp"] = now_rfc3339()
            warnings = self._settle(resource, None, obj, "", options)
            if managed_fields is None:
                fieldsets.record_update(None, obj, options.field_manager, "", admission.merge_keys(resource),
                                        resource.api_version, now_rfc3339())
            else:
                metadata["managedFields"] = managed_fields
            if options.dry_run:
                return WriteResult(self.present(resource, obj), warnings, created=True)
            return WriteResult(self._commit(resource, "ADDED", obj, None), warnings, created=True)

    def _stored(self, resource: ResourceType, namespace: str, name: str) -> dict[str, Any]:
        stored = self._objects[resource.storage_key].get((namespace if resource.namespaced else "", name))
        if stored is None:
            raise errors.not_found(resource, name)
        return stored

    def replace(self, resource: ResourceType, namespace: str, name: str, body: dict[str, Any],
                options: WriteOptions, subresource: str = "") -> WriteResult:
        with self.lock:
            old = self._stored(resource, namespace, name)
            admission.check_type(resource, body)
            new = copy.deepcopy(body)
            metadata = new.setdefault("metadata", {})
            if metadata.get("name") not in (None, name):
                raise errors.bad_request(f"the name of the object ({metadata['name']}) does not match the name on "
                                         f"the URL ({name})")
            if resource.namespaced and metadata.get("namespace") not in (None, "", namespace):
                raise errors.bad_request("the namespace of the provided object does not match the namespace sent "
                                         "on the request")
            wanted_version = metadata.get("resourceVersion")
            if not wanted_version and resource.custom:
                raise errors.invalid(resource, name, [("metadata.resourceVersion",
                                                       "Invalid value: 0x0: must be specified for an update")])
            return self._update(resource, old, new, subresource, options, wanted_version)

    def _update(self, resource: ResourceType, old: dict[str, Any], new: dict[str, Any], subresource: str,
                options: WriteOptions, wanted_version: str | None, manage_fields: bool = True) -> WriteResult:
        admission.check_preconditions(resource, old, wanted_version, (new.get("metadata") or {}).get("uid"))
        new["apiVersion"], new["kind"] = resource.api_version, resource.kind
        if subresource == "status":
            status, managed = new.get("status"), (new.get("metadata") or {}).get("managedFields")
            new = copy.deepcopy(old)
            if not manage_fields:  # server-side apply has computed the ownership already
                new["metadata"]["managedFields"] = managed
            if status is None:
                new.pop("status", None)
            else:
                new["status"] = copy.deepcopy(status)
        if resource.namespaced:
            new["metadata"]["namespace"] = old["metadata"]["namespace"]
        warnings = self._settle(resource, old, new, subresource, options)
        if manage_fields:
            fieldsets.record_update(old, new, options.field_manager, subresource, admission.merge_keys(resource),
                                    resource.api_version, now_rfc3339())
        new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        if admission.comparable(new) == admission.comparable(old) or options.dry_run:
            return WriteResult(self.present(resource, new if options.dry_run else old), warnings)
        released = new["metadata"].get("deletionTimestamp") and not new["metadata"].get("finalizers") \
            and not hooks.blocks_removal(resource, new)
        return WriteResult(self._commit(resource, "DELETED" if released else "MODIFIED", new, old), warnings)

    def patch(self, resource: ResourceType, namespace: str, name: str, patch_type: str, patch: Any,
              options: WriteOptions, subresource: str = "") -> WriteResult:
        with self.lock:
            if patch_type == "application/apply-patch+yaml":
                return self._apply(resource, namespace, name, patch, options, subresource)
            if options.force is not None:
                raise errors.invalid_patch_options("force", "FieldValueForbidden",
                                                   "Forbidden: may not be specified for non-apply patch")
            old = self._stored(resource, namespace, name)
            current = self.present(resource, old)
            if patch_type == "application/json-patch+json":
                patched = patching.json_patch(current, patch)
            elif not isinstance(patch, dict):
                raise errors.bad_request("a merge patch must be a JSON object")
            elif patch_type == "application/merge-patch+json":
                patched = patching.merge_patch(current, patch)
            elif patch_type == "application/strategic-merge-patch+json":
                if resource.custom:
                    raise errors.no_strategic_merge()
                patched = patching.strategic_merge(current, patch)
            else:
                raise errors.unsupported_media_type(patch_type)
            wanted_version = (patched.get("metadata") or {}).get("resourceVersion")
            return self._update(resource, old, patched, subresource, options, wanted_version)

    def _apply(self, resource: ResourceType, namespace: str, name: str, config: Any, options: WriteOptions,
               subresource: str) -> WriteResult:
        admission.check_apply(resource, name, config, options)
        stored = self._objects[resource.storage_key].get((namespace if resource.namespaced else "", name))
        if stored is None and subresource:
            raise errors.not_found(resource, name)
        live = self.present(resource, stored) if stored is not None else None
        config = admission.apply_scope(resource, config, subresource)
        merged = fieldsets.apply(resource, live, config, options.field_manager, bool(options.force),
                                 admission.merge_keys(resource), now_rfc3339(), subresource)
        if stored is None:
            merged.setdefault("metadata", {})["name"] = name
            managed = merged["metadata"].pop("managedFields", [])
            return self.create(resource, namespace, merged, options, managed_fields=managed)
        wanted_version = (config.get("metadata") or {}).get("resourceVersion")
        return self._update(resource, stored, merged, subresource, options, wanted_version, manage_fields=False)

    def delete(self, resource: ResourceType, namespace: str, name: str, propagation: str | None = None,
               preconditions: dict[str, Any] | None = None, dry_run: bool = False) -> tuple[dict[str, Any], bool]:
        """(the object as deleted or as now terminating, whether it is gone now)."""
        with self.lock:
            old = self._stored(resource, namespace, name)
            preconditions = preconditions or {}
            for field in ("uid", "resourceVersion"):
                if preconditions.get(field) and preconditions[field] != old["metadata"].get(field):
                    raise errors.conflict(resource, name, f"Precondition failed: {field} in precondition: "
                                          f"{preconditions[field]}, {field} in object meta: {old['metadata'].get(field)}")
            new = copy.deepcopy(old)
            metadata = new["metadata"]
            finalizers = list(metadata.get("finalizers") or [])
            extra = {"Orphan": "orphan", "Foreground": "foregroundDeletion"}.get(propagation or "")
            if extra and extra not in finalizers and not metadata.get("deletionTimestamp"):
                finalizers.append(extra)
            if not finalizers and not hooks.blocks_removal(resource, new):
                if dry_run:
                    return self.present(resource, old), True
                return self._commit(resource, "DELETED", new, old), True
            if metadata.get("deletionTimestamp"):
                return self.present(resource, old), False
            metadata["finalizers"] = finalizers
            metadata["deletionTimestamp"] = now_rfc3339()
            metadata["deletionGracePeriodSeconds"] = 0
            if resource.tracks_generation:
                metadata["generation"] = metadata.get("generation", 1) + 1
            hooks.on_terminating(resource, new)
            if dry_run:
                return self.present(resource, new), False
            terminating = self._commit(resource, "MODIFIED", new, old)
            self.wake_collector()  # the collector has dependents or contents to clean up
            return terminating, False
