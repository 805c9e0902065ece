"""Deletion: finalizers, owner-reference garbage collection, namespaces and CRDs that take their content along.

Checks: deleting an owner removes its dependents (background, shortly after the DELETE returns), foreground
deletion keeps the owner until its dependents are gone, orphan deletion keeps the dependents without the
reference; finalizers hold an object with a deletionTimestamp until removed; a dependent with a surviving second
owner only loses the dangling reference; deleting a namespace deletes its content and refuses new content;
deleting a CRD deletes its objects, stops serving it and ends its watches; delete preconditions give 409; with a collection delay,
dependents outlive their owner for that long.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import kubernetes.client
import pytest
import requests
from kube_emulator import KubeEmulator
from kubernetes.client import V1ConfigMap, V1DeleteOptions, V1ObjectMeta, V1OwnerReference, V1Preconditions
from kubernetes.client.exceptions import ApiException


def _eventually(check: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def _exists(core: kubernetes.client.CoreV1Api, name: str, namespace: str = "default") -> bool:
    try:
        core.read_namespaced_config_map(name, namespace)
    except ApiException as failure:
        if failure.status == 404:
            return False
        raise
    return True


def _owned(core: kubernetes.client.CoreV1Api, name: str, *owners: V1ConfigMap) -> V1ConfigMap:
    references = [V1OwnerReference(api_version="v1", kind="ConfigMap", name=owner.metadata.name,
                                   uid=owner.metadata.uid, block_owner_deletion=True) for owner in owners]
    return core.create_namespaced_config_map("default", V1ConfigMap(
        metadata=V1ObjectMeta(name=name, owner_references=references)))


def _configmap(core: kubernetes.client.CoreV1Api, name: str, finalizers: list[str] | None = None) -> V1ConfigMap:
    return core.create_namespaced_config_map("default", V1ConfigMap(
        metadata=V1ObjectMeta(name=name, finalizers=finalizers)))


def test_deleting_an_owner_removes_its_dependents(core: kubernetes.client.CoreV1Api) -> None:
    owner = _configmap(core, "owner")
    child = _owned(core, "child", owner)
    _owned(core, "grandchild", child)
    core.delete_namespaced_config_map("owner", "default")
    _eventually(lambda: not _exists(core, "child") and not _exists(core, "grandchild"))


def test_custom_object_owning_a_deployment_takes_it_along(
        apps: kubernetes.client.AppsV1Api, custom_objects: kubernetes.client.CustomObjectsApi,
        new_widget: Callable[..., dict[str, Any]]) -> None:
    owner = custom_objects.create_namespaced_custom_object("example.com", "v1", "default", "widgets",
                                                           new_widget("parent", size=1))
    apps.create_namespaced_deployment("default", {
        "metadata": {"name": "owned", "ownerReferences": [{"apiVersion": "example.com/v1", "kind": "Widget",
                                                           "name": "parent", "uid": owner["metadata"]["uid"],
                                                           "controller": True}]},
        "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}, "spec": {
            "containers": [{"name": "c", "image": "i"}]}}}})
    custom_objects.delete_namespaced_custom_object("example.com", "v1", "default", "widgets", "parent")
    _eventually(lambda: not apps.list_namespaced_deployment("default").items)


def test_foreground_deletion_waits_for_dependents(kube_emulator: KubeEmulator,
                                                  core: kubernetes.client.CoreV1Api) -> None:
    owner = _configmap(core, "fg-owner")
    _configmap(core, "blocker", finalizers=["example.com/hold"])
    blocker = core.patch_namespaced_config_map("blocker", "default", {"metadata": {"ownerReferences": [
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "fg-owner", "uid": owner.metadata.uid,
         "blockOwnerDeletion": True}]}})
    core.delete_namespaced_config_map("fg-owner", "default", propagation_policy="Foreground")
    kube_emulator.collect_garbage()
    terminating = core.read_namespaced_config_map("fg-owner", "default")
    assert terminating.metadata.deletion_timestamp is not None
    assert "foregroundDeletion" in terminating.metadata.finalizers
    assert core.read_namespaced_config_map("blocker", "default").metadata.deletion_timestamp is not None
    core.patch_namespaced_config_map(blocker.metadata.name, "default", {"metadata": {"finalizers": None}})
    _eventually(lambda: not _exists(core, "fg-owner") and not _exists(core, "blocker"))


def test_orphan_deletion_keeps_dependents_without_the_reference(core: kubernetes.client.CoreV1Api) -> None:
    owner = _configmap(core, "orphaner")
    _owned(core, "orphan", owner)
    core.delete_namespaced_config_map("orphaner", "default", body=V1DeleteOptions(propagation_policy="Orphan"))
    _eventually(lambda: not _exists(core, "orphaner"))
    assert core.read_namespaced_config_map("orphan", "default").metadata.owner_references is None


def test_second_living_owner_keeps_the_dependent(core: kubernetes.client.CoreV1Api) -> None:
    first, second = _configmap(core, "first"), _configmap(core, "second")
    _owned(core, "shared", first, second)
    core.delete_namespaced_config_map("first", "default")
    _eventually(lambda: len(core.read_namespaced_config_map("shared", "default").metadata.owner_references) == 1)
    assert core.read_namespaced_config_map("shared", "default").metadata.owner_references[0].name == "second"


def test_finalizers_hold_the_object_until_removed(core: kubernetes.client.CoreV1Api) -> None:
    _configmap(core, "held", finalizers=["example.com/cleanup"])
    answered = core.delete_namespaced_config_map("held", "default")
    assert answered.status != "Success"  # the object itself comes back, still there
    held = core.read_namespaced_config_map("held", "default")
    assert held.metadata.deletion_timestamp is not None
    with pytest.raises(ApiException) as raised:
        core.patch_namespaced_config_map("held", "default", {"metadata": {"finalizers": ["a", "example.com/cleanup"]}})
    assert raised.value.status == 422
    core.patch_namespaced_config_map("held", "default", {"metadata": {"finalizers": None}})
    assert not _exists(core, "held")


def test_delete_preconditions_are_checked(core: kubernetes.client.CoreV1Api) -> None:
    created = _configmap(core, "guarded")
    core.patch_namespaced_config_map("guarded", "default", {"data": {"a": "1"}})
    with pytest.raises(ApiException) as raised:
        core.delete_namespaced_config_map("guarded", "default", body=V1DeleteOptions(
            preconditions=V1Preconditions(resource_version=created.metadata.resource_version)))
    assert raised.value.status == 409
    assert _exists(core, "guarded")


def test_deleting_a_namespace_deletes_its_content(core: kubernetes.client.CoreV1Api) -> None:
    core.create_namespace(kubernetes.client.V1Namespace(metadata=V1ObjectMeta(name="doomed")))
    core.create_namespaced_config_map("doomed", V1ConfigMap(metadata=V1ObjectMeta(name="inside", finalizers=["x/y"])))
    core.delete_namespace("doomed")
    _eventually(lambda: core.read_namespace("doomed").status.phase == "Terminating"
                and core.read_namespaced_config_map("inside", "doomed").metadata.deletion_timestamp is not None)
    with pytest.raises(ApiException) as raised:
        core.create_namespaced_config_map("doomed", V1ConfigMap(metadata=V1ObjectMeta(name="late")))
    assert raised.value.status == 403
    core.patch_namespaced_config_map("inside", "doomed", {"metadata": {"finalizers": None}})
    _eventually(lambda: "doomed" not in {namespace.metadata.name for namespace in core.list_namespace().items})


def test_deleting_a_crd_deletes_its_objects_and_stops_serving_it(
        kube_emulator: KubeEmulator, custom_objects: kubernetes.client.CustomObjectsApi,
        new_widget: Callable[..., dict[str, Any]]) -> None:
    custom_objects.create_namespaced_custom_object("example.com", "v1", "default", "widgets", new_widget("w", size=1))
    extensions = kubernetes.client.ApiextensionsV1Api(custom_objects.api_client)
    extensions.delete_custom_resource_definition("widgets.example.com")
    _eventually(lambda: kube_emulator.store.catalogue.find("example.com", "v1", "widgets") is None)
    with pytest.raises(ApiException) as raised:
        custom_objects.list_namespaced_custom_object("example.com", "v1", "default", "widgets")
    assert raised.value.status == 404


def test_collection_delay_lets_dependents_outlive_their_owner_briefly() -> None:
    with KubeEmulator(collection_delay=1.0) as cluster:
        core = kubernetes.client.CoreV1Api(cluster.api_client())
        owner = _configmap(core, "slow-owner")
        _owned(core, "slow-child", owner)
        core.delete_namespaced_config_map("slow-owner", "default")
        assert _exists(core, "slow-child")
        _eventually(lambda: not _exists(core, "slow-child"))


def test_deleting_a_crd_ends_its_watches(kube_emulator: KubeEmulator, widget_crd: dict[str, Any]) -> None:
    finished = threading.Event()

    def watch() -> None:
        requests.get(f"{kube_emulator.url}/apis/example.com/v1/widgets", params={"watch": "true"}, timeout=10)
        finished.set()

    threading.Thread(target=watch, daemon=True).start()
    deadline = time.monotonic() + 10
    while not any(request.path == "/apis/example.com/v1/widgets" for request in kube_emulator.requests):
        assert time.monotonic() < deadline, "the watch never reached the server"
        time.sleep(0.01)
    extensions = kubernetes.client.ApiextensionsV1Api(kube_emulator.api_client())
    extensions.delete_custom_resource_definition("widgets.example.com")
    assert finished.wait(5)
