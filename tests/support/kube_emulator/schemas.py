"""What a CRD's structural OpenAPI schema does to custom objects on write: defaulting, pruning, validation.

``store.py`` calls ``admit`` for every custom-object write. As on a real server, unknown fields are dropped
(unless ``x-kubernetes-preserve-unknown-fields``), ``default`` values are filled in, and a value that breaks
the schema is refused with 422 Invalid. ``list_merge_key`` reads ``x-kubernetes-list-type`` for server-side apply.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import Any

import jsonschema

from kube_emulator import patching

_ROOT_FIELDS_KEPT = ("apiVersion", "kind", "metadata")


def _child_schema(schema: dict[str, Any], key: str) -> dict[str, Any] | None:
    properties = schema.get("properties") or {}
    if key in properties:
        child: dict[str, Any] = properties[key]
        return child
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        return extra
    return None


def list_merge_key(schema: dict[str, Any] | None, path: Sequence[str]) -> str | None:
    """A list's key for server-side apply: its single map key, SET_MERGE for sets, None when atomic."""
    node = schema
    for step in path:
        if node is None:
            return None
        if node.get("type") == "array":
            node = node.get("items") or {}
        node = _child_schema(node, step)
    if node is None:
        return None
    list_type = node.get("x-kubernetes-list-type")
    if list_type == "set":
        return patching.SET_MERGE
    keys = node.get("x-kubernetes-list-map-keys") or []
    return str(keys[0]) if list_type == "map" and keys else None


def _prune_and_default(value: Any, schema: dict[str, Any], path: str, pruned: list[str]) -> Any:
    if isinstance(value, dict):
        preserve = bool(schema.get("x-kubernetes-preserve-unknown-fields"))
        embedded = bool(schema.get("x-kubernetes-embedded-resource"))
        result: dict[str, Any] = {}
        for key, item in value.items():
            child = _child_schema(schema, key)
            if child is not None:
                result[key] = _prune_and_default(item, child, f"{path}.{key}" if path else key, pruned)
            elif preserve or (embedded and key in _ROOT_FIELDS_KEPT) or schema.get("additionalProperties") is True:
                result[key] = item
            else:
                pruned.append(f"{path}.{key}" if path else key)
        for key, child in (schema.get("properties") or {}).items():
            if key not in result and "default" in child:
                result[key] = _prune_and_default(copy.deepcopy(child["default"]), child, f"{path}.{key}", pruned)
        return result
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_prune_and_default(item, schema["items"], f"{path}[{index}]", pruned)
                for index, item in enumerate(value)]
    return value


def _as_json_schema(schema: Any) -> Any:
    """OpenAPI v3 to JSON Schema: ``nullable`` and ``x-kubernetes-int-or-string`` have no JSON Schema spelling."""
    if isinstance(schema, list):
        return [_as_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: _as_json_schema(value) for key, value in schema.items() if key != "default"}
    if converted.pop("x-kubernetes-int-or-string", False):
        converted.pop("type", None)
        converted["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if converted.pop("nullable", False) and isinstance(converted.get("type"), str):
        converted["type"] = [converted["type"], "null"]
    return converted


def admit(obj: dict[str, Any], schema: dict[str, Any] | None) -> tuple[dict[str, Any], list[str], list[tuple[str, str]]]:
    """(defaulted and pruned object, pruned field paths, schema violations as (field, message))."""
    if not schema:
        return obj, [], []
    pruned: list[str] = []
    kept = {key: obj[key] for key in _ROOT_FIELDS_KEPT if key in obj}
    body = {key: value for key, value in obj.items() if key not in _ROOT_FIELDS_KEPT}
    admitted = {**kept, **_prune_and_default(body, schema, "", pruned)}
    validator = jsonschema.Draft4Validator(_as_json_schema({**schema, "properties": {
        key: value for key, value in (schema.get("properties") or {}).items() if key != "metadata"}}))
    violations = []
    for failure in sorted(validator.iter_errors(admitted), key=lambda error: list(error.absolute_path)):
        field = "".join(f"[{step}]" if isinstance(step, int) else f".{step}"
                        for step in failure.absolute_path).lstrip(".") or "<root>"
        violations.append((field, f"Invalid value: {json.dumps(failure.instance)[:200]}: {failure.message}"))
    return admitted, pruned, violations
