"""Fixtures for the emulator's own tests: the emulator fixtures, clients, and a small CRD of our own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import kubernetes.client
import kubernetes.dynamic
import pytest
from kube_emulator import KubeEmulator
from kube_emulator.pytest_plugin import kube_api_client, kube_emulator, kube_emulator_session

__all__ = ["kube_api_client", "kube_emulator", "kube_emulator_session"]

WIDGET_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "shortNames": ["wd"]},
        "versions": [{
            "name": "v1", "served": True, "storage": True,
            "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.size",
                                                     "statusReplicasPath": ".status.size"}},
            "selectableFields": [{"jsonPath": ".spec.color"}],
            "schema": {"openAPIV3Schema": {
                "type": "object",
                "properties": {
                    "spec": {
                        "type": "object",
                        "properties": {
                            "size": {"type": "integer", "minimum": 1},
                            "color": {"type": "string", "default": "blue"},
                            "parts": {"type": "array", "x-kubernetes-list-type": "map",
                                      "x-kubernetes-list-map-keys": ["name"],
                                      "items": {"type": "object", "required": ["name"], "properties": {
                                          "name": {"type": "string"}, "count": {"type": "integer"}}}},
                            "tags": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                    "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                },
            }},
        }],
    },
}


@pytest.fixture
def widget_crd(kube_emulator: KubeEmulator) -> dict[str, Any]:
    """Our own small CRD (example.com/v1 Widget, status subresource, a typed schema), registered."""
    kube_emulator.register_crd(WIDGET_CRD)
    return WIDGET_CRD


@pytest.fixture
def new_widget(widget_crd: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """Build a Widget body: ``new_widget("w", size=2)``."""
    def build(name: str, **spec: Any) -> dict[str, Any]:
        return {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name}, "spec": spec}
    return build


@pytest.fixture
def custom_objects(kube_api_client: kubernetes.client.ApiClient) -> kubernetes.client.CustomObjectsApi:
    return kubernetes.client.CustomObjectsApi(kube_api_client)


@pytest.fixture
def core(kube_api_client: kubernetes.client.ApiClient) -> kubernetes.client.CoreV1Api:
    return kubernetes.client.CoreV1Api(kube_api_client)


@pytest.fixture
def apps(kube_api_client: kubernetes.client.ApiClient) -> kubernetes.client.AppsV1Api:
    return kubernetes.client.AppsV1Api(kube_api_client)


@pytest.fixture
def dynamic(kube_api_client: kubernetes.client.ApiClient) -> Iterator[kubernetes.dynamic.DynamicClient]:
    yield kubernetes.dynamic.DynamicClient(kube_api_client)
