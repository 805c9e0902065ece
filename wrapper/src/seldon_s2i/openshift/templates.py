"""Render an OpenShift Template (``template.openshift.io/v1``) the way ``oc process`` does.

Called by ``seldon_s2i.cli.template`` and by the manifest tests. The
rules follow OpenShift's template processor:

1. Supplied values win; a parameter left empty with ``generate: expression`` gets a
   random value from its ``from`` expression; a ``required`` parameter still empty
   after that is an error. Supplying an unknown parameter is an error unless asked
   to ignore it.
2. ``message`` and the template ``labels`` (keys and values) are substituted, as text.
3. A literal ``metadata.namespace`` is removed from every object (the objects land
   in the namespace they are created in); one holding a ``${NAME}`` reference is kept.
4. In every string, ``${NAME}`` is replaced wherever it appears. A string that is
   exactly ``${{NAME}}`` is replaced by the value read as JSON, so ``"${{REPLICAS}}"``
   becomes the integer 2; a value that is not JSON stays a string. A field whose
   ``${{NAME}}`` renders to JSON ``null`` is removed, as ``oc process`` leaves it
   unset. References to unknown parameters are left untouched.
5. The template labels (and any extra labels) are set on every object's
   ``metadata.labels``, overwriting equal keys.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from seldon_s2i.openshift import expressions

TEMPLATE_API_VERSIONS = ("template.openshift.io/v1", "v1")
PARAMETER_NAME = re.compile(r"^[a-zA-Z0-9_]+$")
STRING_REFERENCE = re.compile(r"\$\{([a-zA-Z0-9_]+?)\}")
VALUE_REFERENCE = re.compile(r"^\$\{\{([a-zA-Z0-9_]+)\}\}$")


class TemplateError(ValueError):
    """The template or the supplied parameters cannot be processed; the message says why."""


@dataclass(frozen=True)
class Parameter:
    """One entry of a template's ``parameters`` list."""

    name: str
    value: str = ""
    display_name: str = ""
    description: str = ""
    required: bool = False
    generate: str = ""
    generate_from: str = ""

    @classmethod
    def from_manifest(cls, index: int, raw: object) -> Parameter:
        where = f"parameters[{index}]"
        if not isinstance(raw, Mapping):
            raise TemplateError(f"{where} must be a mapping, not {type(raw).__name__}")
        name = raw.get("name")
        if not isinstance(name, str) or not PARAMETER_NAME.match(name):
            raise TemplateError(f"{where}.name {name!r} must be letters, digits and underscores")
        for key in ("value", "displayName", "description", "generate", "from"):
            if key in raw and not isinstance(raw[key], str):
                raise TemplateError(f"parameter {name}: {key} must be a string (quote it in YAML)")
        if "required" in raw and not isinstance(raw["required"], bool):
            raise TemplateError(f"parameter {name}: required must be true or false")
        return cls(
            name=name,
            value=raw.get("value", ""),
            display_name=raw.get("displayName", ""),
            description=raw.get("description", ""),
            required=raw.get("required", False),
            generate=raw.get("generate", ""),
            generate_from=raw.get("from", ""),
        )


@dataclass(frozen=True)
class ProcessedTemplate:
    """What processing produced: the objects, the message and every parameter's final value."""

    objects: list[dict[str, Any]]
    message: str
    values: dict[str, str]
    labels: dict[str, str] = field(default_factory=dict)

    def as_list(self) -> dict[str, Any]:
        """The objects as a ``v1`` List, the shape ``oc process`` prints."""
        return {"kind": "List", "apiVersion": "v1", "metadata": {}, "items": self.objects}


def parameters_of(template: Mapping[str, Any]) -> list[Parameter]:
    """The template's parameters, checked for shape and duplicate names."""
    raw_parameters = template.get("parameters") or []
    if not isinstance(raw_parameters, list):
        raise TemplateError("parameters must be a list")
    parameters = [Parameter.from_manifest(index, raw) for index, raw in enumerate(raw_parameters)]
    seen: set[str] = set()
    for parameter in parameters:
        if parameter.name in seen:
            raise TemplateError(f"parameter {parameter.name} is declared twice")
        seen.add(parameter.name)
    return parameters


def check_template(template: object) -> Mapping[str, Any]:
    if not isinstance(template, Mapping):
        raise TemplateError("a template must be a mapping (YAML or JSON object)")
    kind, api_version = template.get("kind"), template.get("apiVersion")
    if kind != "Template" or api_version not in TEMPLATE_API_VERSIONS:
        raise TemplateError(f"expected kind Template (template.openshift.io/v1), got {kind!r} ({api_version!r})")
    objects = template.get("objects")
    if not isinstance(objects, list) or not all(isinstance(item, Mapping) for item in objects):
        raise TemplateError("objects must be a list of mappings")
    for key in ("labels",):
        labels = template.get(key) or {}
        if not isinstance(labels, Mapping) or not all(isinstance(v, str) for v in labels.values()):
            raise TemplateError(f"{key} must map names to strings")
    return template


def resolve_values(
    parameters: list[Parameter], supplied: Mapping[str, str], *, ignore_unknown: bool = False
) -> dict[str, str]:
    """Every parameter's final value: supplied, else declared, else generated; required ones checked."""
    known = {parameter.name for parameter in parameters}
    unknown = sorted(set(supplied) - known)
    if unknown and not ignore_unknown:
        raise TemplateError(
            f"unknown parameter {', '.join(unknown)} (this template takes: {', '.join(sorted(known)) or 'none'})"
        )
    values: dict[str, str] = {}
    for parameter in parameters:
        # An explicitly supplied empty value replaces the default (then generation applies), as in oc.
        value = supplied.get(parameter.name, parameter.value)
        if not value and parameter.generate:
            if parameter.generate != "expression":
                raise TemplateError(f"parameter {parameter.name}: unknown generator {parameter.generate!r}")
            try:
                value = expressions.generate(parameter.generate_from)
            except expressions.ExpressionError as error:
                raise TemplateError(f"parameter {parameter.name}: cannot generate from: {error}") from None
        if parameter.required and not value:
            raise TemplateError(f"parameter {parameter.name} is required: pass -p {parameter.name}=VALUE")
        values[parameter.name] = value
    return values


def substitute_text(text: str, values: Mapping[str, str]) -> str:
    """``text`` with references replaced, always as text (messages, label keys and values)."""
    whole = VALUE_REFERENCE.match(text)
    if whole and whole.group(1) in values:
        return values[whole.group(1)]
    return STRING_REFERENCE.sub(lambda ref: values.get(ref.group(1), ref.group(0)), text)


def substitute_string(text: str, values: Mapping[str, str]) -> Any:
    """One string field with references replaced; ``${{NAME}}`` alone yields the value read as JSON."""
    whole = VALUE_REFERENCE.match(text)
    if whole and whole.group(1) in values:
        try:
            return json.loads(values[whole.group(1)])
        except ValueError:
            return values[whole.group(1)]
    return substitute_text(text, values)


def substitute(value: Any, values: Mapping[str, str]) -> Any:
    """A deep copy of ``value`` with every string (and mapping key) substituted."""
    if isinstance(value, str):
        return substitute_string(value, values)
    if isinstance(value, Mapping):
        rendered = {substitute_text(str(key), values): substitute(item, values) for key, item in value.items()}
        # A field that ${{NAME}} set to null is dropped; a null written in the template stays.
        return {
            key: item
            for (key, item), original in zip(rendered.items(), value.values(), strict=True)
            if item is not None or not isinstance(original, str)
        }
    if isinstance(value, list):
        return [substitute(item, values) for item in value]
    return copy.deepcopy(value)


def strip_literal_namespace(item: dict[str, Any]) -> None:
    metadata = item.get("metadata")
    if isinstance(metadata, dict) and "namespace" in metadata:
        namespace = metadata["namespace"]
        # Only a ${NAME} reference keeps it; OpenShift strips even a ${{NAME}} one.
        if not (isinstance(namespace, str) and STRING_REFERENCE.search(namespace)):
            del metadata["namespace"]


def apply_labels(item: dict[str, Any], labels: Mapping[str, str]) -> None:
    if not labels:
        return
    metadata = item.setdefault("metadata", {})
    if not isinstance(metadata, dict):
        raise TemplateError(f"object {item.get('kind', '?')}: metadata must be a mapping")
    existing = metadata.get("labels") or {}
    metadata["labels"] = {**existing, **labels}


def process(
    template: object,
    supplied: Mapping[str, str] | None = None,
    *,
    extra_labels: Mapping[str, str] | None = None,
    ignore_unknown: bool = False,
) -> ProcessedTemplate:
    """Render ``template`` with the ``supplied`` parameter values (see the module docstring)."""
    checked = check_template(template)
    values = resolve_values(parameters_of(checked), supplied or {}, ignore_unknown=ignore_unknown)
    message = substitute_text(str(checked.get("message", "")), values)
    labels = {
        **{substitute_text(str(key), values): substitute_text(value, values)
           for key, value in (checked.get("labels") or {}).items()},
        **(extra_labels or {}),
    }
    objects: list[dict[str, Any]] = []
    for raw in checked["objects"]:
        item = copy.deepcopy(dict(raw))
        strip_literal_namespace(item)
        rendered = substitute(item, values)
        apply_labels(rendered, labels)
        objects.append(rendered)
    return ProcessedTemplate(objects=objects, message=message, values=values, labels=labels)
