"""Schemas on write: a CRD's OpenAPI schema, and the published schemas of the Kubernetes built-in kinds.

Checks, for custom objects: a default from the schema appears; an unknown field is dropped with a Warning header,
or refused with 400 under fieldValidation=Strict; a value of the wrong type or below the minimum is 422 Invalid
naming the field; fields under x-kubernetes-preserve-unknown-fields are kept. For built-in kinds: an unknown
(misspelt) field is dropped with a warning or refused under Strict, a value of the wrong type is 400, a missing
required field is 422.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import kubernetes.client
import pytest
import requests
from kube_emulator import KubeEmulator
from kubernetes.client.exceptions import ApiException

WIDGETS = "/apis/example.com/v1/namespaces/default/widgets"


def test_schema_defaults_are_filled_in(custom_objects: kubernetes.client.CustomObjectsApi,
                                       new_widget: Callable[..., dict[str, Any]]) -> None:
    created = custom_objects.create_namespaced_custom_object("example.com", "v1", "default", "widgets",
                                                             new_widget("plain", size=1))
    assert created["spec"] == {"size": 1, "color": "blue"}


def test_unknown_fields_are_pruned_with_a_warning(kube_emulator: KubeEmulator,
                                                  new_widget: Callable[..., dict[str, Any]]) -> None:
    answer = requests.post(f"{kube_emulator.url}{WIDGETS}", json=new_widget("extra", size=1, shape="round"),
                           timeout=10)
    assert answer.status_code == 201
    assert "shape" not in answer.json()["spec"]
    assert 'unknown field \\"spec.shape\\"' in answer.headers["Warning"]


def test_strict_field_validation_refuses_unknown_fields(kube_emulator: KubeEmulator,
                                                        new_widget: Callable[..., dict[str, Any]]) -> None:
    answer = requests.post(f"{kube_emulator.url}{WIDGETS}", json=new_widget("strict", size=1, shape="round"),
                           params={"fieldValidation": "Strict"}, timeout=10)
    assert answer.status_code == 400
    assert 'unknown field "spec.shape"' in answer.json()["message"]


@pytest.mark.parametrize(("spec", "field"), [
    ({"size": "big"}, "spec.size"),
    ({"size": 0}, "spec.size"),
    ({"size": 1, "parts": [{"count": 1}]}, "spec.parts[0]"),
])
def test_values_breaking_the_schema_are_invalid(custom_objects: kubernetes.client.CustomObjectsApi,
                                                new_widget: Callable[..., dict[str, Any]], spec: dict[str, Any],
                                                field: str) -> None:
    with pytest.raises(ApiException) as raised:
        custom_objects.create_namespaced_custom_object("example.com", "v1", "default", "widgets",
                                                       new_widget("bad", **spec))
    assert raised.value.status == 422
    status = json.loads(raised.value.body)
    assert status["reason"] == "Invalid"
    assert status["details"]["causes"][0]["field"] == field


def test_schema_applies_to_patches_too(custom_objects: kubernetes.client.CustomObjectsApi,
                                       new_widget: Callable[..., dict[str, Any]]) -> None:
    custom_objects.create_namespaced_custom_object("example.com", "v1", "default", "widgets", new_widget("p", size=1))
    with pytest.raises(ApiException) as raised:
        custom_objects.patch_namespaced_custom_object("example.com", "v1", "default", "widgets", "p",
                                                      {"spec": {"size": -1}})
    assert raised.value.status == 422
    current = custom_objects.get_namespaced_custom_object("example.com", "v1", "default", "widgets", "p")
    assert current["spec"]["size"] == 1


def test_preserved_unknown_fields_are_kept(custom_objects: kubernetes.client.CustomObjectsApi,
                                           new_widget: Callable[..., dict[str, Any]]) -> None:
    custom_objects.create_namespaced_custom_object("example.com", "v1", "default", "widgets", new_widget("s", size=1))
    written = custom_objects.patch_namespaced_custom_object_status(
        "example.com", "v1", "default", "widgets", "s", {"status": {"anything": {"goes": [1, 2]}}})
    assert written["status"] == {"anything": {"goes": [1, 2]}}


def _deployment(container: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "typo"},
            "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {
                "metadata": {"labels": {"a": "b"}}, "spec": {"containers": [container]}}}}


DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"


def test_misspelt_built_in_field_is_dropped_with_a_warning(kube_emulator: KubeEmulator) -> None:
    answer = requests.post(f"{kube_emulator.url}{DEPLOYMENTS}", timeout=10, json=_deployment(
        {"name": "c", "image": "i", "readinessprobe": {"tcpSocket": {"port": 9000}}}))
    assert answer.status_code == 201
    assert "readinessprobe" not in answer.json()["spec"]["template"]["spec"]["containers"][0]
    assert "spec.template.spec.containers[0].readinessprobe" in answer.headers["Warning"]


def test_misspelt_built_in_field_is_refused_under_strict_validation(kube_emulator: KubeEmulator) -> None:
    answer = requests.post(f"{kube_emulator.url}{DEPLOYMENTS}", timeout=10, params={"fieldValidation": "Strict"},
                           json=_deployment({"name": "c", "image": "i", "imagepullpolicy": "Always"}))
    assert answer.status_code == 400
    assert "imagepullpolicy" in answer.json()["message"]


def test_built_in_value_of_the_wrong_type_cannot_be_decoded(kube_emulator: KubeEmulator) -> None:
    body = _deployment({"name": "c", "image": "i"})
    body["spec"]["replicas"] = "two"
    answer = requests.post(f"{kube_emulator.url}{DEPLOYMENTS}", json=body, timeout=10)
    assert answer.status_code == 400
    assert "spec.replicas" in answer.json()["message"]


def test_built_in_missing_required_field_is_invalid(kube_emulator: KubeEmulator) -> None:
    answer = requests.post(f"{kube_emulator.url}{DEPLOYMENTS}", json=_deployment({"image": "i"}), timeout=10)
    assert answer.status_code == 422
    assert answer.json()["details"]["causes"][0]["field"] == "spec.template.spec.containers[0].name"
