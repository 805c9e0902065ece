"""Built-in Kubernetes kinds checked on write against their published schemas (PyPI ``kubernetes-validate``).

``admission.py`` calls ``admit`` for every write of a Kubernetes built-in kind. As the API server does: an
unknown field is dropped with a warning (refused with 400 under ``fieldValidation=Strict``), a value of the wrong
type cannot be decoded (400 BadRequest), a missing required field is 422 Invalid. OpenShift kinds have no schema
here and pass unchecked.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

import jsonschema

from kube_emulator import errors
from kube_emulator.resources import ResourceType

KUBERNETES_VERSION = "1.31"  # the version discovery reports
_MAX_PRUNING_ROUNDS = 50


def _schema_folder() -> Any:
    return resources.files("kubernetes_validate") / "kubernetes-json-schema" / f"v{KUBERNETES_VERSION}.0-local-strict"


@functools.cache
def _definitions() -> dict[str, Any]:
    definitions: dict[str, Any] = json.loads((_schema_folder() / "_definitions.json").read_text())["$defs"]
    return definitions


def _inline(node: Any, resolved: dict[str, dict[str, Any]]) -> Any:
    """The schema with every $ref replaced by its (shared) definition: validating it needs no reference lookups,
    which makes a write several times cheaper. Recursive definitions become cyclic dicts, which is fine."""
    if isinstance(node, list):
        return [_inline(item, resolved) for item in node]
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("$ref"), str):  # (a property may be named "$ref" too: JSONSchemaProps)
        name = node["$ref"].rsplit("/", 1)[-1]
        if name not in resolved:
            resolved[name] = {}
            resolved[name].update(_inline(_definitions()[name], resolved))
        return resolved[name]
    return {key: _inline(value, resolved) for key, value in node.items() if key != "description"}


_RESOLVED: dict[str, dict[str, Any]] = {}


@functools.cache
def validator_for(group: str, version: str, kind: str) -> jsonschema.protocols.Validator | None:
    """The strict validator of a kind, or None when the package has no schema for it."""
    # File names follow kubernetes-validate: <kind>-<first label of the group>-<version>.json
    prefix = f"{group.split('.')[0]}-" if group else ""
    schema_file = _schema_folder() / f"{kind.lower()}-{prefix}{version}.json"
    if not schema_file.is_file():
        return None
    schema = _inline(json.loads(schema_file.read_text()), _RESOLVED)
    validator: jsonschema.protocols.Validator = jsonschema.Draft202012Validator(schema)
    return validator


def _field(path: Any) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else f".{step}" if text else str(step)
    return text or "<root>"


def _unknown_keys(failure: jsonschema.ValidationError) -> list[str]:
    known = set((failure.schema.get("properties") or {}) if isinstance(failure.schema, dict) else {})
    patterns = (failure.schema.get("patternProperties") or {}) if isinstance(failure.schema, dict) else {}
    instance: Any = failure.instance
    return [key for key in instance if key not in known and not any(re.search(p, key) for p in patterns)]


def _holder(obj: dict[str, Any], path: Any) -> Any:
    node: Any = obj
    for step in path:
        node = node[step]
    return node


def admit(resource: ResourceType, obj: dict[str, Any], field_validation: str) -> list[str]:
    """Prune unknown fields of ``obj`` in place and refuse undecodable or invalid values; returns warnings."""
    validator = validator_for(resource.group, resource.version, resource.kind)
    if validator is None:
        return []
    pruned: list[str] = []
    problems = list(validator.iter_errors(obj))
    for _ in range(_MAX_PRUNING_ROUNDS):
        unknown = [failure for failure in problems if failure.validator == "additionalProperties"]
        if not unknown:
            break
        for failure in unknown:
            holder = _holder(obj, failure.absolute_path)
            for key in _unknown_keys(failure):
                if isinstance(holder, dict) and key in holder:
                    holder.pop(key)
                    pruned.append(_field([*failure.absolute_path, key]))
        problems = list(validator.iter_errors(obj))
    if pruned and field_validation == "Strict":
        raise errors.bad_request("strict decoding error: " + ", ".join(f'unknown field "{path}"' for path in pruned))
    name = (obj.get("metadata") or {}).get("name", "")
    problems.sort(key=lambda failure: list(map(str, failure.absolute_path)))
    undecodable = [failure for failure in problems if failure.validator in ("type", "oneOf", "anyOf")]
    if undecodable:
        failure = undecodable[0]
        raise errors.bad_request(f'{resource.kind} in version "{resource.version}" cannot be handled as a '
                                 f"{resource.kind}: {_field(failure.absolute_path)}: {failure.message}")
    missing = [(_field([*failure.absolute_path, *re.findall(r"'([^']+)' is a required", failure.message)]),
                "Required value") for failure in problems if failure.validator == "required"]
    if missing:
        raise errors.invalid(resource, name, missing)
    return [f'unknown field "{path}"' for path in pruned] if field_validation != "Ignore" else []
