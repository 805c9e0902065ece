"""Label and field selectors, parsed and matched as the API server does for list, watch and deletecollection.

Used by ``store.py``. Field selectors accept only the fields the real server indexes for a resource;
anything else is refused with the real "field label not supported" error.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any

from kube_emulator import errors
from kube_emulator.resources import ResourceType

# Fields every resource can be selected on, plus the per-kind ones the API server registers.
_COMMON_FIELDS = ("metadata.name", "metadata.namespace")
_KIND_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("", "pods"): ("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                   "status.phase", "status.podIP", "status.nominatedNodeName"),
    ("", "events"): ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                     "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                     "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"),
    ("", "secrets"): ("type",),
    ("", "namespaces"): ("status.phase",),
    ("", "nodes"): ("spec.unschedulable",),
    ("", "replicationcontrollers"): ("status.replicas",),
    ("apps", "replicasets"): ("status.replicas",),
    ("batch", "jobs"): ("status.successful",),
}

_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")

ObjectPredicate = Callable[[Mapping[str, Any]], bool]


@dataclasses.dataclass(frozen=True)
class LabelRequirement:
    key: str
    operator: str  # "=", "!=", "in", "notin", "exists", "!"
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.operator == "exists":
            return present
        if self.operator == "!":
            return not present
        if self.operator in ("=", "in"):
            return present and value in self.values
        return not present or value not in self.values  # "!=" and "notin" match absent keys too


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part.strip() for part in parts if part.strip()]


def _checked_key(key: str, selector: str) -> str:
    if not _LABEL_KEY.match(key) or len(key.rsplit("/", 1)[-1]) > 63:
        raise errors.bad_request(f"unable to parse requirement: invalid label key \"{key}\" in \"{selector}\"")
    return key


def _checked_values(values: list[str], selector: str) -> frozenset[str]:
    for value in values:
        if not _LABEL_VALUE.match(value) or len(value) > 63:
            raise errors.bad_request(f"unable to parse requirement: invalid label value \"{value}\" in \"{selector}\"")
    return frozenset(values)


def parse_label_selector(selector: str) -> list[LabelRequirement]:
    requirements: list[LabelRequirement] = []
    for part in _split_top_level(selector):
        set_based = re.fullmatch(r"(\S+)\s+(in|notin)\s*\((.*)\)", part)
        equality = re.fullmatch(r"([^=!\s]+)\s*(==|=|!=)\s*(\S*)", part)
        if set_based:
            key, operator, raw_values = set_based.groups()
            values = [value.strip() for value in raw_values.split(",") if value.strip()]
            requirements.append(LabelRequirement(_checked_key(key, selector), operator,
                                                 _checked_values(values, selector)))
        elif equality:
            key, operator, value = equality.groups()
            requirements.append(LabelRequirement(_checked_key(key, selector), "=" if operator == "==" else operator,
                                                 _checked_values([value], selector)))
        elif part.startswith("!"):
            requirements.append(LabelRequirement(_checked_key(part[1:].strip(), selector), "!"))
        else:
            requirements.append(LabelRequirement(_checked_key(part, selector), "exists"))
    return requirements


def _field_value(obj: Mapping[str, Any], path: str) -> str:
    value: Any = obj
    for step in path.split("."):
        value = value.get(step) if isinstance(value, Mapping) else None
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def supported_fields(resource: ResourceType) -> tuple[str, ...]:
    return _COMMON_FIELDS + _KIND_FIELDS.get((resource.group, resource.plural), ()) + resource.selectable_fields


def parse_field_selector(selector: str, resource: ResourceType) -> list[tuple[str, str, str]]:
    """(field, operator, value) triples; operator is "=" or "!="."""
    requirements: list[tuple[str, str, str]] = []
    for part in _split_top_level(selector):
        match = re.fullmatch(r"([^=!\s]+)\s*(==|=|!=)\s*(.*)", part)
        if match is None:
            raise errors.bad_request(f'invalid selector: \'{selector}\'; can\'t understand \'{part}\'')
        field, operator, value = match.groups()
        if field not in supported_fields(resource):
            raise errors.bad_request(f'field label not supported: {field}')
        requirements.append((field, "!=" if operator == "!=" else "=", value))
    return requirements


def object_predicate(resource: ResourceType, label_selector: str | None,
                     field_selector: str | None) -> ObjectPredicate:
    """A predicate over stored objects for the request's selectors (raises 400 on a malformed selector)."""
    labels = parse_label_selector(label_selector) if label_selector else []
    fields = parse_field_selector(field_selector, resource) if field_selector else []

    def matches(obj: Mapping[str, Any]) -> bool:
        object_labels = (obj.get("metadata") or {}).get("labels") or {}
        if not all(requirement.matches(object_labels) for requirement in labels):
            return False
        return all((_field_value(obj, field) == value) == (operator == "=") for field, operator, value in fields)

    return matches
