"""Create, read, replace and refuse: server-filled metadata, 201, PUT, optimistic concurrency, Status errors.

Checks, with the typed ``kubernetes`` client and plain HTTP: uid/creationTimestamp/resourceVersion/generation are
filled in; create answers 201 with the object; a second create is 409 AlreadyExists; PUT replaces the whole
object; a stale resourceVersion is 409 Conflict; errors carry the real Status reasons; generateName, dryRun=All,
no-op updates, missing namespaces, bad names, bad labels, wrong kinds, immutable fields, a PUT into another
namespace and an update meant for a recreated object (uid) behave as on a real server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import kubernetes.client
import pytest
import requests
from kube_emulator import KubeEmulator
from kubernetes.client import V1ConfigMap, V1ObjectMeta
from kubernetes.client.exceptions import ApiException


def _status(failure: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(failure.body)
    return body


def test_server_fills_metadata_on_create(core: kubernetes.client.CoreV1Api) -> None:
    created = core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="settings"),
                                                                       data={"a": "1"}))
    assert created.metadata.uid and len(created.metadata.uid) == 36
    assert created.metadata.creation_timestamp is not None
    assert int(created.metadata.resource_version) > 0
    assert created.metadata.namespace == "default"
    fetched = core.read_namespaced_config_map("settings", "default")
    assert fetched.metadata.uid == created.metadata.uid
    assert fetched.data == {"a": "1"}


def test_create_answers_201_with_the_object(kube_emulator: KubeEmulator, custom_objects: kubernetes.client.CustomObjectsApi,
                                             new_widget: Callable[..., dict[str, Any]]) -> None:
    created = custom_objects.create_namespaced_custom_object("example.com", "v1", "default", "widgets",
                                                             new_widget("first", size=1))
    assert created["metadata"]["generation"] == 1
    assert created["metadata"]["uid"]
    raw = requests.post(f"{kube_emulator.url}/apis/example.com/v1/namespaces/default/widgets",
                        json=new_widget("second", size=2), timeout=10)
    assert raw.status_code == 201
    assert raw.json()["metadata"]["name"] == "second"


def test_second_create_is_already_exists(core: kubernetes.client.CoreV1Api) -> None:
    body = V1ConfigMap(metadata=V1ObjectMeta(name="twice"))
    core.create_namespaced_config_map("default", body)
    with pytest.raises(ApiException) as raised:
        core.create_namespaced_config_map("default", body)
    assert raised.value.status == 409
    status = _status(raised.value)
    assert (status["kind"], status["reason"]) == ("Status", "AlreadyExists")
    assert status["message"] == 'configmaps "twice" already exists'
    assert status["details"] == {"name": "twice", "kind": "configmaps"}


def test_missing_object_is_not_found_with_group_in_the_message(apps: kubernetes.client.AppsV1Api) -> None:
    with pytest.raises(ApiException) as raised:
        apps.read_namespaced_deployment("absent", "default")
    assert raised.value.status == 404
    status = _status(raised.value)
    assert status["reason"] == "NotFound"
    assert status["message"] == 'deployments.apps "absent" not found'
    assert status["details"] == {"name": "absent", "group": "apps", "kind": "deployments"}


def test_put_replaces_the_whole_object(core: kubernetes.client.CoreV1Api) -> None:
    core.create_namespaced_config_map("default", V1ConfigMap(
        metadata=V1ObjectMeta(name="replaced", labels={"keep": "no"}), data={"old": "1", "both": "1"}))
    current = core.read_namespaced_config_map("replaced", "default")
    replacement = V1ConfigMap(metadata=V1ObjectMeta(name="replaced", resource_version=current.metadata.resource_version),
                              data={"both": "2", "new": "3"})
    replaced = core.replace_namespaced_config_map("replaced", "default", replacement)
    assert replaced.data == {"both": "2", "new": "3"}
    assert replaced.metadata.labels is None
    assert replaced.metadata.uid == current.metadata.uid
    assert int(replaced.metadata.resource_version) > int(current.metadata.resource_version)


def test_stale_resource_version_is_a_conflict(custom_objects: kubernetes.client.CustomObjectsApi,
                                              new_widget: Callable[..., dict[str, Any]]) -> None:
    created = custom_objects.create_namespaced_custom_object("example.com", "v1", "default", "widgets",
                                                             new_widget("contested", size=1))
    first = {**created, "spec": {"size": 2}}
    custom_objects.replace_namespaced_custom_object("example.com", "v1", "default", "widgets", "contested", first)
    stale = {**created, "spec": {"size": 3}}  # still carries the creation resourceVersion
    with pytest.raises(ApiException) as raised:
        custom_objects.replace_namespaced_custom_object("example.com", "v1", "default", "widgets", "contested", stale)
    assert raised.value.status == 409
    status = _status(raised.value)
    assert status["reason"] == "Conflict"
    assert "the object has been modified" in status["message"]
    current = custom_objects.get_namespaced_custom_object("example.com", "v1", "default", "widgets", "contested")
    assert current["spec"]["size"] == 2


def test_stale_resource_version_in_a_patch_is_a_conflict(core: kubernetes.client.CoreV1Api) -> None:
    created = core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="guarded")))
    core.patch_namespaced_config_map("guarded", "default", {"data": {"a": "1"}})
    with pytest.raises(ApiException) as raised:
        core.patch_namespaced_config_map("guarded", "default", {
            "metadata": {"resourceVersion": created.metadata.resource_version}, "data": {"a": "2"}})
    assert raised.value.status == 409


def test_custom_object_put_needs_a_resource_version(custom_objects: kubernetes.client.CustomObjectsApi,
                                                    new_widget: Callable[..., dict[str, Any]]) -> None:
    custom_objects.create_namespaced_custom_object("example.com", "v1", "default", "widgets", new_widget("w", size=1))
    with pytest.raises(ApiException) as raised:
        custom_objects.replace_namespaced_custom_object("example.com", "v1", "default", "widgets", "w",
                                                        new_widget("w", size=2))
    assert raised.value.status == 422
    assert _status(raised.value)["reason"] == "Invalid"


def test_no_op_update_keeps_the_resource_version(core: kubernetes.client.CoreV1Api) -> None:
    created = core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="same"),
                                                                       data={"a": "1"}))
    patched = core.patch_namespaced_config_map("same", "default", {"data": {"a": "1"}})
    assert patched.metadata.resource_version == created.metadata.resource_version


def test_generate_name_gives_a_unique_suffix(core: kubernetes.client.CoreV1Api) -> None:
    names = {core.create_namespaced_config_map("default", V1ConfigMap(
        metadata=V1ObjectMeta(generate_name="job-"))).metadata.name for _ in range(5)}
    assert len(names) == 5
    assert all(name.startswith("job-") and len(name) == len("job-") + 5 for name in names)


def test_dry_run_all_validates_but_stores_nothing(core: kubernetes.client.CoreV1Api) -> None:
    answered = core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="dry")),
                                                 dry_run="All")
    assert answered.metadata.name == "dry"
    with pytest.raises(ApiException) as raised:
        core.read_namespaced_config_map("dry", "default")
    assert raised.value.status == 404
    core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="kept"), data={"a": "1"}))
    core.patch_namespaced_config_map("kept", "default", {"data": {"a": "2"}}, dry_run="All")
    core.delete_namespaced_config_map("kept", "default", dry_run="All")
    assert core.read_namespaced_config_map("kept", "default").data == {"a": "1"}


def test_create_in_a_missing_namespace_is_not_found(core: kubernetes.client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as raised:
        core.create_namespaced_config_map("nowhere", V1ConfigMap(metadata=V1ObjectMeta(name="lost")))
    assert raised.value.status == 404
    assert _status(raised.value)["message"] == 'namespaces "nowhere" not found'


def test_invalid_name_is_refused_as_invalid(core: kubernetes.client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as raised:
        core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="Not_Valid")))
    assert raised.value.status == 422
    status = _status(raised.value)
    assert status["reason"] == "Invalid"
    assert status["details"]["causes"][0]["field"] == "metadata.name"


def test_wrong_kind_for_the_endpoint_is_a_bad_request(kube_emulator: KubeEmulator) -> None:
    answer = requests.post(f"{kube_emulator.url}/api/v1/namespaces/default/configmaps", timeout=10,
                           json={"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}})
    assert answer.status_code == 400
    assert answer.json()["reason"] == "BadRequest"


def test_unknown_resource_path_is_not_found(kube_emulator: KubeEmulator) -> None:
    answer = requests.get(f"{kube_emulator.url}/apis/example.com/v1/namespaces/default/gadgets", timeout=10)
    assert answer.status_code == 404
    assert answer.json()["reason"] == "NotFound"


def test_namespaces_are_served_and_listed(core: kubernetes.client.CoreV1Api) -> None:
    created = core.create_namespace(kubernetes.client.V1Namespace(metadata=V1ObjectMeta(name="team-a")))
    assert created.status.phase == "Active"
    assert "team-a" in {namespace.metadata.name for namespace in core.list_namespace().items}
    assert core.read_namespace("team-a").metadata.uid == created.metadata.uid


def test_list_carries_kind_api_version_and_resource_version(kube_emulator: KubeEmulator,
                                                             core: kubernetes.client.CoreV1Api) -> None:
    core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="listed")))
    listed = requests.get(f"{kube_emulator.url}/api/v1/namespaces/default/configmaps", timeout=10).json()
    assert (listed["kind"], listed["apiVersion"]) == ("ConfigMapList", "v1")
    assert int(listed["metadata"]["resourceVersion"]) >= int(listed["items"][0]["metadata"]["resourceVersion"])


def test_list_pages_with_limit_and_continue(core: kubernetes.client.CoreV1Api) -> None:
    for index in range(5):
        core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name=f"page-{index}")))
    first = core.list_namespaced_config_map("default", limit=2)
    second = core.list_namespaced_config_map("default", limit=2, _continue=first.metadata._continue)
    third = core.list_namespaced_config_map("default", limit=2, _continue=second.metadata._continue)
    names = [item.metadata.name for page in (first, second, third) for item in page.items]
    assert names == [f"page-{index}" for index in range(5)]
    assert third.metadata._continue is None


def test_immutable_fields_are_refused(apps: kubernetes.client.AppsV1Api, core: kubernetes.client.CoreV1Api) -> None:
    apps.create_namespaced_deployment("default", {
        "metadata": {"name": "fixed"}, "spec": {"selector": {"matchLabels": {"app": "a"}}, "template": {
            "metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}})
    with pytest.raises(ApiException) as raised:
        apps.patch_namespaced_deployment("fixed", "default", {"spec": {"selector": {"matchLabels": {"app": "b"}}}})
    assert raised.value.status == 422
    assert "field is immutable" in _status(raised.value)["message"]
    core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="frozen"), data={"a": "1"},
                                                             immutable=True))
    with pytest.raises(ApiException) as raised:
        core.patch_namespaced_config_map("frozen", "default", {"data": {"a": "2"}})
    assert raised.value.status == 422


def test_service_keeps_its_cluster_ip_when_a_put_omits_it(core: kubernetes.client.CoreV1Api) -> None:
    created = core.create_namespaced_service("default", kubernetes.client.V1Service(
        metadata=V1ObjectMeta(name="model"),
        spec=kubernetes.client.V1ServiceSpec(ports=[kubernetes.client.V1ServicePort(port=9000)])))
    assert created.spec.cluster_ip
    assert created.spec.ports[0].target_port == 9000
    replaced = core.replace_namespaced_service("model", "default", kubernetes.client.V1Service(
        metadata=V1ObjectMeta(name="model"),
        spec=kubernetes.client.V1ServiceSpec(ports=[kubernetes.client.V1ServicePort(port=9001)])))
    assert replaced.spec.cluster_ip == created.spec.cluster_ip
    assert replaced.spec.ports[0].port == 9001


def test_update_meant_for_a_recreated_object_is_a_conflict(core: kubernetes.client.CoreV1Api) -> None:
    first = core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="again")))
    core.delete_namespaced_config_map("again", "default")
    core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="again")))
    stale = V1ConfigMap(metadata=V1ObjectMeta(name="again", uid=first.metadata.uid), data={"a": "1"})
    with pytest.raises(ApiException) as raised:
        core.replace_namespaced_config_map("again", "default", stale)
    assert raised.value.status == 409
    assert "Precondition failed: UID" in _status(raised.value)["message"]


def test_put_into_another_namespace_is_a_bad_request(core: kubernetes.client.CoreV1Api) -> None:
    core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="here")))
    with pytest.raises(ApiException) as raised:
        core.replace_namespaced_config_map("here", "default", V1ConfigMap(
            metadata=V1ObjectMeta(name="here", namespace="elsewhere")))
    assert raised.value.status == 400


@pytest.mark.parametrize("labels", [{"bad key": "x"}, {"app": "not valid!"}, {"-leading": "x"}])
def test_invalid_labels_are_refused(core: kubernetes.client.CoreV1Api, labels: dict[str, str]) -> None:
    with pytest.raises(ApiException) as raised:
        core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="l", labels=labels)))
    assert raised.value.status == 422
