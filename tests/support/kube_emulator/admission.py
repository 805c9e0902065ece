"""Admission rules of the API server that are not about storage: names, labels, kinds, immutable fields, schemas.

Called by ``store.py`` on every write, before anything is committed.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
import secrets
from collections.abc import Callable
from typing import Any

from kube_emulator import builtin_schemas, errors, patching, schemas
from kube_emulator.resources import ResourceType

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_NAMES = {("", "namespaces"), ("", "services")}
_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
# Fields the API server refuses to change once set (the classic one: a Deployment's selector).
_IMMUTABLE_FIELDS: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {
    ("apps", "deployments"): (("spec", "selector"),),
    ("apps", "replicasets"): (("spec", "selector"),),
    ("apps", "statefulsets"): (("spec", "selector"), ("spec", "serviceName"), ("spec", "podManagementPolicy")),
    ("apps", "daemonsets"): (("spec", "selector"),),
    ("batch", "jobs"): (("spec", "selector"), ("spec", "template")),
    ("", "services"): (("spec", "clusterIP"),),
    ("", "persistentvolumeclaims"): (("spec", "storageClassName"), ("spec", "accessModes")),
    ("rbac.authorization.k8s.io", "rolebindings"): (("roleRef",),),
    ("rbac.authorization.k8s.io", "clusterrolebindings"): (("roleRef",),),
}


@dataclasses.dataclass(frozen=True)
class WriteOptions:
    dry_run: bool = False
    field_manager: str = "unknown"
    force: bool | None = None  # None when the request did not say (force on a non-apply patch is refused)
    explicit_manager: bool = False  # fieldManager given as a query parameter (apply needs it)
    # Admission of the requester's rights on the object about to be stored (authorization.py), if any.
    admit: Callable[[ResourceType, dict[str, Any] | None, dict[str, Any]], None] | None = None
    field_validation: str = "Warn"  # Strict, Warn or Ignore, for fields a CRD schema does not know


def now_rfc3339() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def assign_name(resource: ResourceType, metadata: dict[str, Any], taken: Callable[[str], bool]) -> str:
    """The object's name, or one made from ``generateName`` plus five random characters."""
    if metadata.get("name"):
        return str(metadata["name"])
    prefix = metadata.get("generateName")
    if not prefix:
        raise errors.invalid(resource, "", [("metadata.name", "Required value: name or generateName is required")])
    for _ in range(10):
        name = prefix[:58] + "".join(secrets.choice(_GENERATE_ALPHABET) for _ in range(5))
        if not taken(name):
            return name
    raise errors.already_exists(resource, prefix)


def check_metadata(resource: ResourceType, obj: dict[str, Any]) -> None:
    metadata = obj["metadata"]
    name = metadata["name"]
    pattern = _DNS_LABEL if resource.storage_key in _LABEL_NAMES else _DNS_SUBDOMAIN
    problems: list[tuple[str, str]] = []
    if not pattern.match(name) or len(name) > (63 if pattern is _DNS_LABEL else 253):
        problems.append(("metadata.name", f'Invalid value: "{name}": a lowercase RFC 1123 '
                         f'{"label" if pattern is _DNS_LABEL else "subdomain"} must consist of lower case '
                         "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
                         "character"))
    for key, value in (metadata.get("labels") or {}).items():
        if not isinstance(value, str) or len(value) > 63 or not re.fullmatch(
                r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?", value):
            problems.append(("metadata.labels", f'Invalid value: "{value}": a valid label value must be 63 '
                             "characters or less and must be empty or begin and end with an alphanumeric "
                             f"character (label {key})"))
    for field in ("labels", "annotations"):
        for key in metadata.get(field) or {}:
            if not _qualified_name(key):
                problems.append((f"metadata.{field}", f'Invalid value: "{key}": name part must consist of '
                                 "alphanumeric characters, '-', '_' or '.', and must start and end with an "
                                 "alphanumeric character, with an optional DNS subdomain prefix and '/'"))
    if len(json.dumps(metadata.get("annotations") or {})) > 256 * 1024:
        problems.append(("metadata.annotations", "Too long: must have at most 262144 bytes"))
    if problems:
        raise errors.invalid(resource, name, problems)


def _qualified_name(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        return False
    return 0 < len(name) <= 63 and re.fullmatch(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?", name) is not None


def check_preconditions(resource: ResourceType, old: dict[str, Any], wanted_version: str | None,
                        wanted_uid: str | None) -> None:
    """409 when a write was meant for another version of the object, or for an object since recreated."""
    name = old["metadata"]["name"]
    if wanted_version and wanted_version != old["metadata"]["resourceVersion"]:
        raise errors.stale_resource_version(resource, name)
    if wanted_uid and wanted_uid != old["metadata"]["uid"]:
        raise errors.conflict(resource, name, f"Precondition failed: UID in precondition: {wanted_uid}, "
                                              f"UID in object meta: {old['metadata']['uid']}")


def check_type(resource: ResourceType, body: Any) -> None:
    """Built-in endpoints default a missing kind and apiVersion; custom resources need them; none may differ."""
    if not isinstance(body, dict):
        raise errors.bad_request("the request body must be a JSON object")
    if resource.custom and not body.get("kind"):
        raise errors.bad_request(f"Object 'Kind' is missing in '{json.dumps(body)[:200]}'")
    if body.get("kind") not in (None, resource.kind):
        raise errors.bad_request(f"the kind in the data ({body['kind']}) does not match the expected kind "
                                 f"({resource.kind})")
    if body.get("apiVersion") not in (None, resource.api_version):
        raise errors.bad_request(f"the API version in the data ({body['apiVersion']}) does not match the expected "
                                 f"API version ({resource.api_version})")


def generation_moves(resource: ResourceType, old: dict[str, Any], new: dict[str, Any]) -> bool:
    """A spec change moves generation; for Deployments an annotation change does too (their strategy says so)."""
    if spec_of(resource, old) != spec_of(resource, new):
        return True
    return resource.storage_key == ("apps", "deployments") and (
        old["metadata"].get("annotations") or {}) != (new["metadata"].get("annotations") or {})


def check_owner_references(resource: ResourceType, obj: dict[str, Any]) -> None:
    references = obj["metadata"].get("ownerReferences") or []
    problems = [(f"metadata.ownerReferences[{index}].{field}", "Required value")
                for index, reference in enumerate(references) for field in ("apiVersion", "kind", "name", "uid")
                if not (reference or {}).get(field)]
    controllers = [reference for reference in references if (reference or {}).get("controller")]
    if len(controllers) > 1:
        found = ", ".join(f"{{{ref.get('apiVersion')} {ref.get('kind')} {ref.get('name')} {ref.get('uid')}}}"
                          for ref in controllers)
        problems.append(("metadata.ownerReferences", f"Invalid value: []v1.OwnerReference{{...}}: Only one reference "
                         f'can have Controller set to true. Found "true" in references for {found}'))
    if problems:
        raise errors.invalid(resource, obj["metadata"]["name"], problems)


_MICRO_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6})(Z|[+-]\d\d:\d\d)$")
_MICRO_TIME_FIELDS = {("coordination.k8s.io", "leases"): ("acquireTime", "renewTime")}


def check_micro_times(resource: ResourceType, obj: dict[str, Any]) -> None:
    """MicroTime fields: exactly six fractional digits and a zone, stored in UTC ("Z"); anything else is 400."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    for field in _MICRO_TIME_FIELDS.get(resource.storage_key, ()):
        value = spec.get(field)
        if value is None:
            continue
        match = _MICRO_TIME.match(value) if isinstance(value, str) else None
        if match is None:
            raise errors.bad_request(f'{resource.kind} in version "{resource.version}" cannot be handled as a '
                                     f'{resource.kind}: parsing time "{value}" as "2006-01-02T15:04:05.000000Z07:00": '
                                     "cannot parse as RFC 3339 with microseconds")
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        spec[field] = parsed.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def spec_of(resource: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    ignored = {"metadata", "apiVersion", "kind"} | ({"status"} if resource.has_status else set())
    return {key: value for key, value in obj.items() if key not in ignored}


def comparable(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as a no-op check sees it: a change of field ownership counts, a managedFields time does not."""
    managed = [{key: value for key, value in entry.items() if key != "time"}
               for entry in obj["metadata"].get("managedFields") or []]
    return {**obj, "metadata": {**obj["metadata"], "managedFields": managed}}


def merge_keys(resource: ResourceType) -> patching.MergeKeyResolver:
    if resource.custom:
        schema = resource.schema
        return lambda path, items: ("uid" if list(path) == ["metadata", "ownerReferences"] else
                                    patching.SET_MERGE if list(path) == ["metadata", "finalizers"] else
                                    schemas.list_merge_key(schema, path))
    return patching.builtin_merge_key


def admit_schema(resource: ResourceType, new: dict[str, Any], field_validation: str) -> list[str]:
    """Default, prune and validate an object in place by its schema; returns the warnings for pruned fields."""
    if not resource.custom:
        return builtin_schemas.admit(resource, new, field_validation)
    admitted, pruned, violations = schemas.admit(new, resource.schema)
    if pruned and field_validation == "Strict":
        raise errors.bad_request("strict decoding error: " + ", ".join(f'unknown field "{path}"' for path in pruned))
    if violations:
        raise errors.invalid(resource, new["metadata"]["name"], violations)
    new.clear()
    new.update(admitted)
    return [f'unknown field "{path}"' for path in pruned] if field_validation != "Ignore" else []


def _at(obj: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = obj
    for step in path:
        value = value.get(step) if isinstance(value, dict) else None
    return value


def check_immutable(resource: ResourceType, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    if old is None:
        return
    problems = [(".".join(path), f"Invalid value: {json.dumps(_at(new, path))}: field is immutable")
                for path in _IMMUTABLE_FIELDS.get(resource.storage_key, ())
                if _at(old, path) is not None and _at(old, path) != _at(new, path)]
    if resource.storage_key in (("", "configmaps"), ("", "secrets")) and old.get("immutable"):
        problems += [(field, "Forbidden: field is immutable when `immutable` is set")
                     for field in ("data", "binaryData", "stringData", "immutable") if old.get(field) != new.get(field)]
    if problems:
        raise errors.invalid(resource, new["metadata"]["name"], problems)


def check_apply(resource: ResourceType, name: str, config: Any, options: WriteOptions) -> None:
    """What an apply request must carry: an object of the URL's kind and name, and a fieldManager."""
    if not isinstance(config, dict):
        raise errors.bad_request("an apply configuration must be an object")
    if not options.explicit_manager:
        raise errors.invalid_patch_options("fieldManager", "FieldValueRequired",
                                           "Required value: is required for apply patch")
    if (config.get("metadata") or {}).get("name", name) != name:
        raise errors.bad_request("the name of the object does not match the name on the URL")
    if (config.get("apiVersion"), config.get("kind")) != (resource.api_version, resource.kind):
        raise errors.bad_request(f"apiVersion and kind of the apply configuration must be "
                                 f"{resource.api_version} {resource.kind}")


def apply_scope(resource: ResourceType, config: dict[str, Any], subresource: str) -> dict[str, Any]:
    """The part of an apply configuration the endpoint takes: status through /status only, the rest elsewhere."""
    if not resource.has_status:
        return config
    if subresource:
        return {key: value for key, value in config.items() if key in ("apiVersion", "kind", "status")}
    return {key: value for key, value in config.items() if key != "status"}
