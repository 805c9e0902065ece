"""The status subresource and metadata.generation, through the typed, custom-object and dynamic clients.

Checks: a status write does not change spec and a spec write does not change status; generation starts at 1
and is bumped by spec changes only; status given at create time is dropped; kinds without the subresource keep
status as an ordinary field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import kubernetes.client
import kubernetes.dynamic
from kube_emulator import KubeEmulator
from kubernetes.client import (
    V1Container,
    V1Deployment,
    V1DeploymentSpec,
    V1LabelSelector,
    V1ObjectMeta,
    V1PodSpec,
    V1PodTemplateSpec,
)


def _deployment(name: str, replicas: int = 1) -> V1Deployment:
    labels = {"app": name}
    return V1Deployment(
        metadata=V1ObjectMeta(name=name),
        spec=V1DeploymentSpec(replicas=replicas, selector=V1LabelSelector(match_labels=labels),
                              template=V1PodTemplateSpec(metadata=V1ObjectMeta(labels=labels), spec=V1PodSpec(
                                  containers=[V1Container(name="main", image="example/model:1")]))))


def test_status_write_does_not_change_spec_and_spec_write_does_not_change_status(
        custom_objects: kubernetes.client.CustomObjectsApi, new_widget: Callable[..., dict[str, Any]]) -> None:
    args = ("example.com", "v1", "default", "widgets", "split")
    created = custom_objects.create_namespaced_custom_object(*args[:4], new_widget("split", size=1))
    after_status = custom_objects.patch_namespaced_custom_object_status(
        *args, {"spec": {"size": 9}, "status": {"ready": True}})
    assert after_status["spec"]["size"] == 1
    assert after_status["status"] == {"ready": True}
    assert after_status["metadata"]["generation"] == created["metadata"]["generation"] == 1

    after_spec = custom_objects.patch_namespaced_custom_object(*args, {"spec": {"size": 2}, "status": {"ready": False}})
    assert after_spec["spec"]["size"] == 2
    assert after_spec["status"] == {"ready": True}
    assert after_spec["metadata"]["generation"] == 2


def test_status_given_at_create_is_dropped(custom_objects: kubernetes.client.CustomObjectsApi,
                                           new_widget: Callable[..., dict[str, Any]]) -> None:
    body = {**new_widget("fresh", size=1), "status": {"ready": True}}
    created = custom_objects.create_namespaced_custom_object("example.com", "v1", "default", "widgets", body)
    assert "status" not in created


def test_put_to_status_replaces_status_only(custom_objects: kubernetes.client.CustomObjectsApi,
                                            new_widget: Callable[..., dict[str, Any]]) -> None:
    args = ("example.com", "v1", "default", "widgets", "put-status")
    created = custom_objects.create_namespaced_custom_object(*args[:4], new_widget("put-status", size=3))
    written = custom_objects.replace_namespaced_custom_object_status(
        *args, {**created, "spec": {"size": 7}, "status": {"phase": "Ready"}})
    assert written["status"] == {"phase": "Ready"}
    assert written["spec"]["size"] == 3
    assert int(written["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])


def test_deployment_generation_follows_spec_only(apps: kubernetes.client.AppsV1Api) -> None:
    created = apps.create_namespaced_deployment("default", _deployment("model"))
    assert created.metadata.generation == 1
    labelled = apps.patch_namespaced_deployment("model", "default", {"metadata": {"labels": {"team": "a"}}})
    assert labelled.metadata.generation == 1
    status = apps.patch_namespaced_deployment_status("model", "default", {"status": {"readyReplicas": 1}})
    assert status.metadata.generation == 1
    assert status.status.ready_replicas == 1
    scaled = apps.patch_namespaced_deployment("model", "default", {"spec": {"replicas": 3}})
    assert scaled.metadata.generation == 2
    assert scaled.status.ready_replicas == 1


def test_dynamic_client_writes_status(dynamic: kubernetes.dynamic.DynamicClient,
                                      new_widget: Callable[..., dict[str, Any]]) -> None:
    widgets = dynamic.resources.get(api_version="example.com/v1", kind="Widget")
    widgets.create(body=new_widget("dyn", size=1), namespace="default")
    widgets.status.patch(body={"metadata": {"name": "dyn"}, "status": {"seen": 1}}, namespace="default",
                         content_type="application/merge-patch+json")
    current = widgets.get(name="dyn", namespace="default")
    assert current.status.seen == 1
    assert current.spec.size == 1


def test_status_is_an_ordinary_field_without_the_subresource(kube_emulator: KubeEmulator,
                                                             custom_objects: kubernetes.client.CustomObjectsApi) -> None:
    crd: dict[str, Any] = {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "plains.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
                 "names": {"kind": "Plain", "plural": "plains"},
                 "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                     "type": "object", "x-kubernetes-preserve-unknown-fields": True}}}]},
    }
    kube_emulator.register_crd(crd)
    body = {"apiVersion": "example.com/v1", "kind": "Plain", "metadata": {"name": "p"}, "spec": {"a": 1},
            "status": {"b": 2}}
    created = custom_objects.create_namespaced_custom_object("example.com", "v1", "default", "plains", body)
    assert created["status"] == {"b": 2}
    patched = custom_objects.patch_namespaced_custom_object("example.com", "v1", "default", "plains", "p",
                                                            {"status": {"b": 3}})
    assert patched["status"] == {"b": 3}
    assert patched["metadata"]["generation"] == 2
