"""The OpenShift endpoints that are not stored objects: template processing, build start, projects.

``server.py`` routes ``POST .../processedtemplates`` to ``process_template`` (what ``oc process`` asks the
server for), ``POST .../buildconfigs/<name>/instantiate`` to ``instantiate`` (what ``oc start-build`` does;
the build is created in phase New and nothing runs it), and ``project.openshift.io`` to ``projects``: a Project
is a view of the namespace of the same name, and a ProjectRequest creates one (what ``oc new-project`` does).
"""

from __future__ import annotations

import copy
import json
import random
import re
import string
from typing import Any

from kube_emulator import errors, patching
from kube_emulator.admission import WriteOptions
from kube_emulator.resources import ResourceType
from kube_emulator.store import Store

_WHOLE_VALUE = re.compile(r"^\$\{\{([a-zA-Z0-9_]+)\}\}$")
_INLINE_VALUE = re.compile(r"\$\{([a-zA-Z0-9_]+?)\}")
_GENERATOR_CLASSES = {r"\w": string.ascii_letters + string.digits + "_", r"\d": string.digits,
                      r"\a": string.ascii_letters, r"\A": string.punctuation}


def _alphabet(spec: str) -> str:
    """The characters of a bracket class body such as ``a-zA-Z0-9_``."""
    chars, index = "", 0
    for escape, members in _GENERATOR_CLASSES.items():
        if escape in spec:
            chars += members
            spec = spec.replace(escape, "")
    while index < len(spec):
        if index + 2 < len(spec) and spec[index + 1] == "-":
            chars += "".join(chr(code) for code in range(ord(spec[index]), ord(spec[index + 2]) + 1))
            index += 3
        else:
            chars += spec[index]
            index += 1
    return chars


def _generate(expression: str) -> str:
    """Values for ``generate: expression``: character classes like ``[a-zA-Z0-9]{16}`` and ``\\w``/``\\d``."""
    generated = ""
    for token, count in re.findall(r"(\[[^\]]+\]|\\[wdaA]|.)(?:\{(\d+)\})?", expression):
        alphabet = _alphabet(token[1:-1]) if token.startswith("[") else _GENERATOR_CLASSES.get(token, token)
        generated += "".join(random.choice(alphabet) for _ in range(int(count or 1)))
    return generated


def _substitute(value: Any, parameters: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: _substitute(item, parameters) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, parameters) for item in value]
    if not isinstance(value, str):
        return value
    whole = _WHOLE_VALUE.match(value)
    if whole and whole.group(1) in parameters:
        try:
            return json.loads(parameters[whole.group(1)])
        except ValueError:
            return parameters[whole.group(1)]
    return _INLINE_VALUE.sub(lambda match: parameters.get(match.group(1), match.group(0)), value)


def process_template(template: dict[str, Any]) -> dict[str, Any]:
    """The template with parameters generated and substituted into message, labels and objects."""
    if not isinstance(template, dict) or template.get("kind") != "Template":
        raise errors.bad_request("the body of a processedtemplates request must be a Template")
    processed = copy.deepcopy(template)
    values: dict[str, str] = {}
    missing = []
    for parameter in processed.get("parameters") or []:
        value = parameter.get("value") or ""
        if not value and parameter.get("generate") == "expression":
            value = parameter["value"] = _generate(parameter.get("from", "[a-zA-Z0-9]{8}"))
        if not value and parameter.get("required"):
            missing.append(parameter["name"])
        values[parameter["name"]] = value
    if missing:
        name = (template.get("metadata") or {}).get("name", "")
        template_type = ResourceType("template.openshift.io", "v1", "templates", "Template")
        raise errors.invalid(template_type, name, [(f"template.parameters[{parameter}]", "Required value: template."
                                                    f"parameters[{parameter}]: parameter {parameter} is required "
                                                    "and must be specified") for parameter in missing])
    if "message" in processed:
        processed["message"] = _substitute(processed["message"], values)
    labels = _substitute(processed.get("labels") or {}, values)
    objects = []
    for obj in processed.get("objects") or []:
        metadata = obj.setdefault("metadata", {})
        if "namespace" in metadata and "${" not in str(metadata["namespace"]):
            metadata.pop("namespace")
        obj = _substitute(obj, values)
        if labels:
            obj["metadata"]["labels"] = {**(obj["metadata"].get("labels") or {}), **labels}
        objects.append(obj)
    processed["objects"] = objects
    return processed


def instantiate(store: Store, buildconfigs: ResourceType, namespace: str, name: str) -> dict[str, Any]:
    """Start build ``<name>-<n>`` from the BuildConfig's spec (as ``oc start-build``), phase New."""
    builds = store.catalogue.find("build.openshift.io", "v1", "builds")
    assert builds is not None
    with store.lock:
        config = store.get(buildconfigs, namespace, name)
        number = int((config.get("status") or {}).get("lastVersion") or 0) + 1
        config.setdefault("status", {})["lastVersion"] = number
        store.replace(buildconfigs, namespace, name, config, WriteOptions(field_manager="openshift-apiserver"))
        spec = {key: value for key, value in (config.get("spec") or {}).items()
                if key not in ("triggers", "runPolicy", "successfulBuildsHistoryLimit", "failedBuildsHistoryLimit")}
        build = {
            "apiVersion": "build.openshift.io/v1", "kind": "Build",
            "metadata": {
                "name": f"{name}-{number}",
                "labels": {"buildconfig": name, "openshift.io/build-config.name": name},
                "annotations": {"openshift.io/build-config.name": name, "openshift.io/build.number": str(number)},
                "ownerReferences": [{"apiVersion": "build.openshift.io/v1", "kind": "BuildConfig", "name": name,
                                     "uid": config["metadata"]["uid"], "controller": True}],
            },
            "spec": {**spec, "triggeredBy": [{"message": "Manually triggered"}]},
            "status": {"phase": "New", "config": {"kind": "BuildConfig", "namespace": namespace, "name": name}},
        }
        return store.create(builds, namespace, build, WriteOptions(field_manager="openshift-apiserver")).obj


_PROJECT_ANNOTATIONS = {"displayName": "openshift.io/display-name", "description": "openshift.io/description"}


def _as_project(namespace: dict[str, Any]) -> dict[str, Any]:
    return {**namespace, "apiVersion": "project.openshift.io/v1", "kind": "Project"}


def projects(store: Store, method: str, plural: str, name: str | None, body: Any,
             options: WriteOptions, patch_type: str = "") -> dict[str, Any]:
    """Projects and project requests, answered from and written to namespaces."""
    namespaces = store.catalogue.find("", "v1", "namespaces")
    assert namespaces is not None
    if plural == "projectrequests":
        if method != "POST" or not isinstance(body, dict):
            raise errors.method_not_allowed()
        annotations = {annotation: body[field] for field, annotation in _PROJECT_ANNOTATIONS.items() if body.get(field)}
        metadata = {"name": (body.get("metadata") or {}).get("name"), "annotations": annotations}
        return _as_project(store.create(namespaces, "", {"metadata": metadata}, options).obj)
    if method == "GET" and name is None:
        items = [_as_project(namespace) for namespace in store.list_objects(namespaces, None, lambda obj: True)]
        return {"kind": "ProjectList", "apiVersion": "project.openshift.io/v1",
                "metadata": {"resourceVersion": str(store.resource_version)}, "items": items}
    if method == "GET":
        return _as_project(store.get(namespaces, "", name or ""))
    if method == "POST" and isinstance(body, dict):
        return _as_project(store.create(namespaces, "", {**body, "apiVersion": "v1", "kind": "Namespace"},
                                        options).obj)
    if method == "DELETE" and name:
        store.delete(namespaces, "", name, dry_run=options.dry_run)
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                "details": {"name": name, "group": "project.openshift.io", "kind": "projects"}}
    if method in ("PUT", "PATCH") and name:
        current = _as_project(store.get(namespaces, "", name))
        if method == "PUT":
            changed = body
        elif patch_type == "application/json-patch+json":
            changed = patching.json_patch(current, body)
        elif patch_type == "application/strategic-merge-patch+json":
            changed = patching.strategic_merge(current, body)
        elif patch_type == "application/merge-patch+json":
            changed = patching.merge_patch(current, body)
        else:
            raise errors.unsupported_media_type(patch_type)
        replacement = {**changed, "apiVersion": "v1", "kind": "Namespace"}
        return _as_project(store.replace(namespaces, "", name, replacement, options).obj)
    raise errors.method_not_allowed()
