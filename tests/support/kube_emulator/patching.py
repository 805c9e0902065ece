"""The three patch formats of PATCH requests: JSON merge patch, JSON patch and strategic merge patch.

``store.py`` applies them to a copy of the stored object. Strategic merge knows the merge keys of the lists a
controller patches (containers, env, ports, volumes, volume mounts, conditions, owner references, finalizers,
image stream tags...), honours the ``$patch: delete|replace`` and ``$deleteFromPrimitiveList`` directives, and
replaces every other list, as the API server does for built-in types.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import jsonpatch
import jsonpointer

from kube_emulator import errors

# A list's merge key, given the map keys leading to it and its items: a field name, SET_MERGE for primitive
# lists merged as sets, or None for lists that are replaced whole.
MergeKeyResolver = Callable[[Sequence[str], Sequence[Any]], "str | None"]
SET_MERGE = "$set"

_MERGE_KEYS_BY_FIELD = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name", "env": "name",
    "volumes": "name", "imagePullSecrets": "name", "secrets": "name", "tags": "name",
    "volumeMounts": "mountPath", "volumeDevices": "devicePath", "hostAliases": "ip", "conditions": "type",
    "ownerReferences": "uid", "topologySpreadConstraints": "topologyKey", "finalizers": SET_MERGE,
}


def builtin_merge_key(path: Sequence[str], items: Sequence[Any]) -> str | None:
    """Merge keys of the Kubernetes and OpenShift Go types, keyed by the list's field name."""
    if not path:
        return None
    field = path[-1]
    key: str | None
    if field == "ports":
        # Container ports merge on containerPort, service ports on port.
        key = "containerPort" if any(isinstance(item, dict) and "containerPort" in item for item in items) else "port"
    elif tuple(path[-2:]) == ("status", "tags"):
        key = "tag"  # an ImageStream's status tags are keyed by tag, its spec tags by name
    else:
        key = _MERGE_KEYS_BY_FIELD.get(field)
    if key is None or key == SET_MERGE:
        return key
    # A list whose items lack the key cannot be merged by it: it is replaced whole.
    return key if all(isinstance(item, dict) and key in item for item in items) else None


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: maps merge recursively, null deletes, everything else (lists too) replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def json_patch(target: dict[str, Any], operations: Any) -> dict[str, Any]:
    if not isinstance(operations, list):
        raise errors.bad_request("json patch must be a list of operations")
    try:
        patched = jsonpatch.apply_patch(target, operations)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as failure:
        raise errors.ApiError(422, "Invalid", f"the server rejected our request due to an error in our request: "
                                              f"{failure}") from failure
    if not isinstance(patched, dict):
        raise errors.bad_request("json patch must leave an object")
    return patched


def _without_directives(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_directives(item) for key, item in value.items() if not key.startswith("$")}
    if isinstance(value, list):
        return [_without_directives(item) for item in value
                if not (isinstance(item, dict) and item.get("$patch") in ("delete", "replace"))]
    return copy.deepcopy(value)


def strategic_merge(original: Any, patch: Any, resolve: MergeKeyResolver = builtin_merge_key,
                    path: tuple[str, ...] = ()) -> Any:
    if not isinstance(patch, dict) or not isinstance(original, dict):
        return _without_directives(patch)
    if patch.get("$patch") == "replace":
        return _without_directives(patch)
    result = dict(original)
    for key, value in patch.items():
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            result[field] = [item for item in result.get(field) or [] if item not in value]
        elif key.startswith("$"):
            continue  # $setElementOrder and $retainKeys only order or prune what the patch already says
        elif value is None or (isinstance(value, dict) and value.get("$patch") == "delete"):
            result.pop(key, None)
        elif isinstance(value, list):
            result[key] = _merge_list(result.get(key), value, resolve, (*path, key))
        elif isinstance(value, dict):
            result[key] = strategic_merge(result.get(key) if isinstance(result.get(key), dict) else {}, value,
                                          resolve, (*path, key))
        else:
            result[key] = copy.deepcopy(value)
    return result


def _merge_list(original: Any, patch: list[Any], resolve: MergeKeyResolver, path: tuple[str, ...]) -> list[Any]:
    current = list(original) if isinstance(original, list) else []
    if any(isinstance(item, dict) and item.get("$patch") == "replace" for item in patch):
        return [_without_directives(item) for item in patch if not (isinstance(item, dict) and "$patch" in item)]
    merge_key = resolve(path, [item for item in [*current, *patch] if not (isinstance(item, dict) and "$patch" in item)])
    if merge_key is None:
        return _without_directives(patch)
    if merge_key == SET_MERGE:
        return current + [copy.deepcopy(item) for item in patch if item not in current]
    for item in patch:
        if not isinstance(item, dict) or merge_key not in item:
            current.append(_without_directives(item))
            continue
        position = next((index for index, existing in enumerate(current)
                         if isinstance(existing, dict) and existing.get(merge_key) == item[merge_key]), None)
        if item.get("$patch") == "delete":
            current = [existing for existing in current
                       if not (isinstance(existing, dict) and existing.get(merge_key) == item[merge_key])]
        elif position is None:
            current.append(_without_directives(item))
        else:
            current[position] = strategic_merge(current[position], item, resolve, path)
    return current
