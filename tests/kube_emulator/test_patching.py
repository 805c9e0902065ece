"""PATCH in all its formats: merge, JSON, strategic merge (by merge keys), and server-side apply.

Checks: strategic merge merges containers, env, ports and volumes by their merge keys and honours
``$patch: delete``; custom resources refuse strategic merge with 415; a JSON patch ``test`` that fails is 422;
server-side apply creates when absent, merges, records managedFields, removes fields its manager stops applying,
refuses contested fields with 409 unless forced, and needs a fieldManager.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import kubernetes.client
import kubernetes.dynamic
import pytest
import requests
from kube_emulator import KubeEmulator
from kubernetes.client.exceptions import ApiException

APPLY = "application/apply-patch+yaml"


def _deployment(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"selector": {"matchLabels": {"app": name}}, "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {
                "containers": [
                    {"name": "model", "image": "model:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                     "ports": [{"containerPort": 9000, "name": "http"}],
                     "volumeMounts": [{"name": "data", "mountPath": "/data"}]},
                    {"name": "sidecar", "image": "sidecar:1"},
                ],
                "volumes": [{"name": "data", "emptyDir": {}}],
            }}},
    }


def _containers(deployment: kubernetes.client.V1Deployment) -> dict[str, kubernetes.client.V1Container]:
    return {container.name: container for container in deployment.spec.template.spec.containers}


def test_strategic_merge_merges_lists_by_their_keys(apps: kubernetes.client.AppsV1Api) -> None:
    apps.create_namespaced_deployment("default", _deployment("smp"))
    patched = apps.patch_namespaced_deployment("smp", "default", {"spec": {"template": {"spec": {
        "containers": [{"name": "model", "image": "model:2", "env": [{"name": "B", "value": "20"}, {"name": "C", "value": "3"}],
                        "ports": [{"containerPort": 5000, "name": "grpc"}]}],
        "volumes": [{"name": "cache", "emptyDir": {}}]}}}})
    containers = _containers(patched)
    assert set(containers) == {"model", "sidecar"}
    model = containers["model"]
    assert model.image == "model:2"
    assert [(env.name, env.value) for env in model.env] == [("A", "1"), ("B", "20"), ("C", "3")]
    assert sorted(port.container_port for port in model.ports) == [5000, 9000]
    assert model.volume_mounts[0].mount_path == "/data"
    assert [volume.name for volume in patched.spec.template.spec.volumes] == ["data", "cache"]


def test_strategic_merge_delete_directive_removes_one_item(apps: kubernetes.client.AppsV1Api) -> None:
    apps.create_namespaced_deployment("default", _deployment("trim"))
    patched = apps.patch_namespaced_deployment("trim", "default", {"spec": {"template": {"spec": {
        "containers": [{"name": "sidecar", "$patch": "delete"},
                       {"name": "model", "env": [{"name": "A", "$patch": "delete"}]}]}}}})
    containers = _containers(patched)
    assert set(containers) == {"model"}
    assert [env.name for env in containers["model"].env] == ["B"]


def test_merge_patch_replaces_lists(apps: kubernetes.client.AppsV1Api, kube_emulator: KubeEmulator) -> None:
    apps.create_namespaced_deployment("default", _deployment("merge"))
    answer = requests.patch(f"{kube_emulator.url}/apis/apps/v1/namespaces/default/deployments/merge", timeout=10,
                            headers={"Content-Type": "application/merge-patch+json"},
                            data=json.dumps({"spec": {"template": {"spec": {"containers": [
                                {"name": "only", "image": "only:1"}]}}}}))
    assert answer.status_code == 200
    assert [container["name"] for container in answer.json()["spec"]["template"]["spec"]["containers"]] == ["only"]


def test_custom_resources_refuse_strategic_merge(kube_emulator: KubeEmulator,
                                                 custom_objects: kubernetes.client.CustomObjectsApi,
                                                 new_widget: Callable[..., dict[str, Any]]) -> None:
    custom_objects.create_namespaced_custom_object("example.com", "v1", "default", "widgets", new_widget("w", size=1))
    answer = requests.patch(f"{kube_emulator.url}/apis/example.com/v1/namespaces/default/widgets/w", timeout=10,
                            headers={"Content-Type": "application/strategic-merge-patch+json"},
                            data=json.dumps({"spec": {"size": 2}}))
    assert answer.status_code == 415
    assert answer.json()["reason"] == "UnsupportedMediaType"


def test_json_patch_applies_and_a_failed_test_is_invalid(core: kubernetes.client.CoreV1Api) -> None:
    core.create_namespaced_config_map("default", {"metadata": {"name": "jp"}, "data": {"a": "1"}})
    patched = core.patch_namespaced_config_map("jp", "default", [{"op": "add", "path": "/data/b", "value": "2"}])
    assert patched.data == {"a": "1", "b": "2"}
    with pytest.raises(ApiException) as raised:
        core.patch_namespaced_config_map("jp", "default", [{"op": "test", "path": "/data/a", "value": "9"},
                                                           {"op": "remove", "path": "/data/a"}])
    assert raised.value.status == 422
    assert core.read_namespaced_config_map("jp", "default").data == {"a": "1", "b": "2"}


def _apply(url: str, path: str, config: dict[str, Any], manager: str, force: bool = False) -> requests.Response:
    params = {"fieldManager": manager, **({"force": "true"} if force else {})}
    return requests.patch(f"{url}{path}", params=params, data=json.dumps(config), timeout=10,
                          headers={"Content-Type": APPLY})


def test_apply_creates_then_merges_and_records_managed_fields(kube_emulator: KubeEmulator) -> None:
    path = "/api/v1/namespaces/default/configmaps/applied"
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied"}, "data": {"a": "1"}}
    created = _apply(kube_emulator.url, path, config, "deployer")
    assert created.status_code == 201
    requests.patch(f"{kube_emulator.url}{path}", data=json.dumps({"data": {"other": "x"}}), timeout=10,
                   headers={"Content-Type": "application/merge-patch+json"}, params={"fieldManager": "someone"})
    again = _apply(kube_emulator.url, path, {**config, "data": {"a": "1", "b": "2"}}, "deployer")
    assert again.status_code == 200
    assert again.json()["data"] == {"a": "1", "b": "2", "other": "x"}
    managers = {entry["manager"]: entry for entry in again.json()["metadata"]["managedFields"]}
    assert managers["deployer"]["operation"] == "Apply"
    assert managers["deployer"]["fieldsV1"] == {"f:data": {"f:a": {}, "f:b": {}}}
    assert managers["someone"]["fieldsV1"] == {"f:data": {"f:other": {}}}


def test_apply_removes_fields_its_manager_stops_applying(kube_emulator: KubeEmulator) -> None:
    path = "/apis/apps/v1/namespaces/default/deployments/pruned"
    config = _deployment("pruned")
    assert _apply(kube_emulator.url, path, config, "deployer").status_code == 201
    config["spec"]["template"]["spec"]["containers"] = config["spec"]["template"]["spec"]["containers"][:1]
    config["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "A", "value": "1"}]
    applied = _apply(kube_emulator.url, path, config, "deployer").json()
    containers = applied["spec"]["template"]["spec"]["containers"]
    assert [container["name"] for container in containers] == ["model"]
    assert containers[0]["env"] == [{"name": "A", "value": "1"}]


def test_apply_conflicts_on_a_field_another_manager_set_unless_forced(kube_emulator: KubeEmulator) -> None:
    path = "/apis/apps/v1/namespaces/default/deployments/contested"
    config = {**_deployment("contested")}
    config["spec"] = {**config["spec"], "replicas": 1}
    _apply(kube_emulator.url, path, config, "deployer")
    requests.patch(f"{kube_emulator.url}{path}", data=json.dumps({"spec": {"replicas": 5}}), timeout=10,
                   headers={"Content-Type": "application/merge-patch+json"}, params={"fieldManager": "autoscaler"})
    conflict = _apply(kube_emulator.url, path, config, "deployer")
    assert conflict.status_code == 409
    assert conflict.json()["reason"] == "Conflict"
    assert conflict.json()["message"] == ('Apply failed with 1 conflict: conflict with "autoscaler" using apps/v1: '
                                          ".spec.replicas")
    assert conflict.json()["details"]["causes"] == [{"reason": "FieldManagerConflict", "field": ".spec.replicas",
                                                     "message": 'conflict with "autoscaler" using apps/v1'}]
    forced = _apply(kube_emulator.url, path, config, "deployer", force=True)
    assert forced.status_code == 200
    assert forced.json()["spec"]["replicas"] == 1


def test_apply_needs_a_field_manager(kube_emulator: KubeEmulator) -> None:
    answer = requests.patch(f"{kube_emulator.url}/api/v1/namespaces/default/configmaps/anon", timeout=10,
                            data=json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "anon"}}),
                            headers={"Content-Type": APPLY, "User-Agent": "kubectl/v1.31"})
    assert answer.status_code == 422
    assert answer.json()["message"] == ('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: '
                                        "is required for apply patch")


def test_apply_through_the_dynamic_client_merges_map_lists_of_a_crd(
        dynamic: kubernetes.dynamic.DynamicClient, new_widget: Callable[..., dict[str, Any]]) -> None:
    widgets = dynamic.resources.get(api_version="example.com/v1", kind="Widget")
    first = new_widget("ssa", size=1, parts=[{"name": "a", "count": 1}])
    widgets.server_side_apply(body=first, namespace="default", field_manager="first")
    second = new_widget("ssa", parts=[{"name": "b", "count": 2}])
    merged = widgets.server_side_apply(body=second, namespace="default", field_manager="second")
    assert [part["name"] for part in merged.spec.parts] == ["a", "b"]
    assert merged.spec.size == 1


def test_apply_keeps_a_field_another_manager_also_applies(kube_emulator: KubeEmulator) -> None:
    path = "/api/v1/namespaces/default/configmaps/shared"
    base = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "shared"}}
    _apply(kube_emulator.url, path, {**base, "data": {"common": "1", "mine": "a"}}, "controller")
    together = _apply(kube_emulator.url, path, {**base, "data": {"common": "1", "theirs": "b"}}, "playbook")
    assert together.status_code == 200  # same value: shared ownership, no conflict
    released = _apply(kube_emulator.url, path, {**base, "data": {"mine": "a"}}, "controller").json()
    assert released["data"] == {"common": "1", "mine": "a", "theirs": "b"}
    dropped = _apply(kube_emulator.url, path, {**base, "data": {"theirs": "b"}}, "playbook").json()
    assert dropped["data"] == {"mine": "a", "theirs": "b"}
