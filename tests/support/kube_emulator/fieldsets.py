"""Field ownership (``metadata.managedFields``) and server-side apply on top of it.

``store.py`` calls ``apply`` for ``application/apply-patch+yaml`` patches and ``record_update`` for every other
write. Fields are tracked as FieldsV1 paths (``f:spec``, ``k:{"name":"main"}``, ``v:"x"``, ``.``), like the real
server: applying a config takes ownership of its fields; a field that another manager owns with a different
value is a 409 conflict unless ``force``; a field a manager applied before and omits now is removed unless
another manager owns it too.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from kube_emulator import errors, patching
from kube_emulator.patching import MergeKeyResolver
from kube_emulator.resources import ResourceType

FieldPath = tuple[str, ...]
OwnerKey = tuple[str, str, str]  # manager, operation ("Apply"/"Update"), subresource ("" or "status")
_MISSING: Any = object()
_SERVER_METADATA = ("name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
                    "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink")


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _user_fields(obj: dict[str, Any]) -> dict[str, Any]:
    body = {key: value for key, value in obj.items() if key not in ("apiVersion", "kind", "metadata")}
    metadata = {key: value for key, value in (obj.get("metadata") or {}).items() if key not in _SERVER_METADATA}
    if metadata:
        body["metadata"] = metadata
    return body


def field_paths(obj: dict[str, Any], resolve: MergeKeyResolver) -> set[FieldPath]:
    found: set[FieldPath] = set()
    _walk(_user_fields(obj), resolve, (), (), found)
    return found


def _walk(value: dict[str, Any], resolve: MergeKeyResolver, map_path: tuple[str, ...], prefix: FieldPath,
          found: set[FieldPath]) -> None:
    for key, item in value.items():
        here, item_path = (*prefix, f"f:{key}"), (*map_path, key)
        merge_key = resolve(item_path, item) if isinstance(item, list) and item else None
        if isinstance(item, dict) and item:
            _walk(item, resolve, item_path, here, found)
        elif merge_key == patching.SET_MERGE:
            found.update((*here, f"v:{_compact(element)}") for element in item)
        elif merge_key is not None and all(isinstance(element, dict) and merge_key in element for element in item):
            for element in item:
                keyed = (*here, f"k:{_compact({merge_key: element[merge_key]})}")
                found.add((*keyed, "."))
                _walk(element, resolve, item_path, keyed, found)
        else:
            found.add(here)


def lookup(obj: Any, path: FieldPath) -> Any:
    value = obj
    for step in path:
        kind, _, text = step.partition(":")
        if step == ".":
            continue
        if kind == "f" and isinstance(value, dict) and text in value:
            value = value[text]
        elif kind == "k" and isinstance(value, list):
            wanted = json.loads(text)
            value = next((item for item in value if isinstance(item, dict)
                          and all(item.get(name) == expected for name, expected in wanted.items())), _MISSING)
        elif kind == "v" and isinstance(value, list) and json.loads(text) in value:
            value = json.loads(text)
        else:
            return _MISSING
    return value


def _remove(obj: dict[str, Any], path: FieldPath) -> None:
    if path[-1] == ".":
        container, wanted = lookup(obj, path[:-2]), json.loads(path[-2].partition(":")[2])
        if isinstance(container, list):
            container[:] = [item for item in container if not (isinstance(item, dict) and all(
                item.get(name) == expected for name, expected in wanted.items()))]
        return
    parent = lookup(obj, path[:-1])
    kind, _, text = path[-1].partition(":")
    if kind == "f" and isinstance(parent, dict):
        parent.pop(text, None)
    elif kind == "v" and isinstance(parent, list):
        value = json.loads(text)
        parent[:] = [item for item in parent if item != value]


def to_fields_v1(paths: set[FieldPath]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in sorted(paths):
        node = tree
        for step in path:
            node = node.setdefault(step, {})
    return tree


def from_fields_v1(tree: dict[str, Any], prefix: FieldPath = ()) -> set[FieldPath]:
    paths: set[FieldPath] = set()
    for step, child in tree.items():
        if isinstance(child, dict) and child:
            paths |= from_fields_v1(child, (*prefix, step))
        else:
            paths.add((*prefix, step))
    return paths


def _owners(obj: dict[str, Any] | None) -> dict[OwnerKey, set[FieldPath]]:
    owners: dict[OwnerKey, set[FieldPath]] = {}
    for entry in ((obj or {}).get("metadata") or {}).get("managedFields") or []:
        key = (entry.get("manager", ""), entry.get("operation", "Update"), entry.get("subresource", ""))
        owners[key] = owners.get(key, set()) | from_fields_v1(entry.get("fieldsV1") or {})
    return owners


def _render(obj: dict[str, Any], owners: dict[OwnerKey, set[FieldPath]], api_version: str, now: str,
            touched: OwnerKey | None) -> None:
    previous = {(entry.get("manager", ""), entry.get("operation", "Update"), entry.get("subresource", "")): entry
                for entry in (obj.get("metadata") or {}).get("managedFields") or []}
    entries = []
    for key, paths in owners.items():
        if not paths:
            continue
        manager, operation, subresource = key
        old = previous.get(key, {})
        entry = {"manager": manager, "operation": operation,
                 "apiVersion": api_version if key == touched else old.get("apiVersion", api_version),
                 "time": now if key == touched else old.get("time", now),
                 "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(paths)}
        if subresource:
            entry["subresource"] = subresource
        entries.append(entry)
    obj.setdefault("metadata", {})["managedFields"] = entries


def record_update(old: dict[str, Any] | None, new: dict[str, Any], manager: str, subresource: str,
                  resolve: MergeKeyResolver, api_version: str, now: str) -> None:
    """The writer of an update takes over the fields it changed; removed fields lose their owners."""
    owners = _owners(old)
    old_paths = field_paths(old, resolve) if old else set()
    new_paths = field_paths(new, resolve)
    changed = {path for path in new_paths if old is None or lookup(old, path) != lookup(new, path)}
    for key in owners:
        owners[key] -= old_paths - new_paths
        if key[0] != manager:
            owners[key] -= changed
    me: OwnerKey = (manager, "Update", subresource)
    if changed:
        owners[me] = owners.get(me, set()) | changed
    _render(new, owners, api_version, now, me if changed else None)


def render_path(path: FieldPath) -> str:
    """A field path as the API server prints it: ``.spec.template.spec.containers[name="main"].image``."""
    text = ""
    for step in path:
        kind, _, value = step.partition(":")
        if step == ".":
            continue
        if kind == "f":
            text += f".{value}"
        elif kind == "k":
            text += "[" + ",".join(f"{key}={_compact(item)}" for key, item in json.loads(value).items()) + "]"
        else:
            text += f"[={value}]"
    return text


def _conflict(resource: ResourceType, config: dict[str, Any], contested: dict[FieldPath, list[tuple[str, str]]]
              ) -> errors.ApiError:
    causes = [{"reason": "FieldManagerConflict", "message": f'conflict with "{owner}" using {version}',
               "field": render_path(path)}
              for path, owners_of_path in sorted(contested.items()) for owner, version in owners_of_path]
    if len(causes) == 1:
        text = f"Apply failed with 1 conflict: {causes[0]['message']}: {causes[0]['field']}"
    else:  # grouped by manager, as the API server words it
        groups: dict[str, list[str]] = {}
        for cause in causes:
            groups.setdefault(cause["message"].replace("conflict with", "conflicts with", 1), []).append(cause["field"])
        text = f"Apply failed with {len(causes)} conflicts: " + "\n".join(
            f"{who}:\n" + "\n".join(f"- {field}" for field in fields) for who, fields in groups.items())
    return errors.ApiError(409, "Conflict", text,
                           {"name": (config.get("metadata") or {}).get("name", ""), "group": resource.group,
                            "kind": resource.plural, "causes": causes})


def apply(resource: ResourceType, live: dict[str, Any] | None, config: dict[str, Any], manager: str, force: bool,
          resolve: MergeKeyResolver, now: str, subresource: str = "") -> dict[str, Any]:
    """The object after applying ``config`` as ``manager`` (to ``subresource``, "" or "status"); 409 Conflict
    with FieldManagerConflict causes on contested fields unless ``force``."""
    owners = _owners(live)
    versions = {(entry.get("manager", ""), entry.get("operation", "Update"), entry.get("subresource", "")):
                entry.get("apiVersion", resource.api_version)
                for entry in ((live or {}).get("metadata") or {}).get("managedFields") or []}
    base = copy.deepcopy(live) if live else {}
    applied = field_paths(config, resolve)
    me: OwnerKey = (manager, "Apply", subresource)
    contested: dict[FieldPath, list[tuple[str, str]]] = {}
    for path in applied:
        if path[-1] == "." or lookup(base, path) is _MISSING or lookup(base, path) == lookup(config, path):
            continue
        for key, paths in owners.items():
            if key[0] != manager and path in paths:
                contested.setdefault(path, []).append((key[0], versions.get(key, resource.api_version)))
    if contested and not force:
        raise _conflict(resource, config, contested)
    merged: dict[str, Any] = patching.strategic_merge(base, {key: value for key, value in config.items()}, resolve)
    others = set().union(*(paths for key, paths in owners.items() if key != me))
    # Whole list items first (shallowest first): their fields, merge key included, go with them.
    for path in sorted(owners.get(me, set()) - applied, key=lambda path: (path[-1] != ".", len(path))):
        shared = (any(other[:len(path) - 1] == path[:-1] for other in others) if path[-1] == "."
                  else path in others)
        if not shared:
            _remove(merged, path)
    for key in owners:
        if key != me:
            owners[key] -= set(contested)
    owners[me] = applied
    merged.setdefault("metadata", {})["managedFields"] = (live or {}).get("metadata", {}).get("managedFields", [])
    _render(merged, owners, resource.api_version, now, me)
    return merged
