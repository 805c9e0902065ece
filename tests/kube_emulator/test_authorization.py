"""Opt-in RBAC: a ServiceAccount's token is authorized by the Roles, ClusterRoles and bindings applied to it.

Checks: with authorization on, a ServiceAccount can do what its Role grants in its namespace and nothing else
(403 with the API server's message), ClusterRoleBindings grant cluster-wide, resourceNames and subresources
narrow rules; discovery stays open; an unknown token is 401; setting ownerReferences needs ``delete`` on the
object and ``blockOwnerDeletion`` needs ``update`` on the owner's ``finalizers``; the admin token is unaffected.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import kubernetes.client
import kubernetes.config
import pytest
import requests
from kube_emulator import KubeEmulator
from kubernetes.client.exceptions import ApiException


@pytest.fixture
def rbac(kube_emulator: KubeEmulator) -> Iterator[KubeEmulator]:
    kube_emulator.authorization = True
    yield kube_emulator
    kube_emulator.authorization = False


def _client(cluster: KubeEmulator, namespace: str, name: str) -> kubernetes.client.ApiClient:
    configuration = kubernetes.client.Configuration()
    kubernetes.config.load_kube_config(config_file=str(cluster.service_account_kubeconfig(namespace, name)),
                                       client_configuration=configuration)
    return kubernetes.client.ApiClient(configuration)


def _grant(cluster: KubeEmulator, rules: list[dict[str, Any]], cluster_wide: bool = False) -> None:
    kind = "ClusterRole" if cluster_wide else "Role"
    cluster.create({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind,
                    "metadata": {"name": "granted", "namespace": "default"}, "rules": rules})
    cluster.create({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": f"{kind}Binding",
                    "metadata": {"name": "granted", "namespace": "default"},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": "granted"},
                    "subjects": [{"kind": "ServiceAccount", "name": "robot", "namespace": "default"}]})


def _status(call: Any) -> int:
    try:
        call()
    except ApiException as failure:
        return int(failure.status)
    return 200


def test_a_role_grants_its_verbs_in_its_namespace_only(rbac: KubeEmulator) -> None:
    _grant(rbac, [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "create"]}])
    core = kubernetes.client.CoreV1Api(_client(rbac, "default", "robot"))
    core.create_namespaced_config_map("default", {"metadata": {"name": "mine"}})
    assert core.read_namespaced_config_map("mine", "default").metadata.name == "mine"
    with pytest.raises(ApiException) as raised:
        core.delete_namespaced_config_map("mine", "default")
    assert raised.value.status == 403
    assert ('configmaps "mine" is forbidden: User "system:serviceaccount:default:robot" cannot delete resource '
            '"configmaps" in API group "" in the namespace "default"') in json.loads(raised.value.body)["message"]
    assert _status(lambda: core.list_namespaced_config_map("kube-system")) == 403
    assert _status(lambda: core.list_namespaced_secret("default")) == 403


def test_cluster_roles_subresources_and_resource_names(rbac: KubeEmulator) -> None:
    _grant(rbac, [{"apiGroups": ["apps"], "resources": ["deployments/status"], "verbs": ["get"]},
                  {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"], "resourceNames": ["open"]},
                  {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["list"]}], cluster_wide=True)
    rbac.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "open", "namespace": "kube-system"}})
    rbac.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "shut", "namespace": "kube-system"}})
    client = _client(rbac, "default", "robot")
    core = kubernetes.client.CoreV1Api(client)
    assert core.read_namespaced_config_map("open", "kube-system").metadata.name == "open"
    assert _status(lambda: core.read_namespaced_config_map("shut", "kube-system")) == 403
    assert core.list_namespace().items
    apps = kubernetes.client.AppsV1Api(client)
    assert _status(lambda: apps.read_namespaced_deployment_status("none", "default")) == 404
    assert _status(lambda: apps.read_namespaced_deployment("none", "default")) == 403


def test_discovery_is_open_and_unknown_tokens_are_unauthorized(rbac: KubeEmulator) -> None:
    assert kubernetes.client.CoreApi(_client(rbac, "default", "robot")).get_api_versions().versions == ["v1"]
    answer = requests.get(f"{rbac.url}/api/v1/namespaces", headers={"Authorization": "Bearer nobody"}, timeout=10)
    assert answer.status_code == 401
    assert kubernetes.client.CoreV1Api(rbac.api_client()).list_namespace().items  # the admin token


def test_owner_references_need_delete_and_block_owner_deletion_needs_finalizers(rbac: KubeEmulator) -> None:
    owner = rbac.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner",
                                                                               "namespace": "default"}})
    reference = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner["metadata"]["uid"]}
    _grant(rbac, [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["create"]}])
    core = kubernetes.client.CoreV1Api(_client(rbac, "default", "robot"))
    with pytest.raises(ApiException) as raised:
        core.create_namespaced_config_map("default", {"metadata": {"name": "a", "ownerReferences": [reference]}})
    assert raised.value.status == 403
    assert "cannot set an ownerRef on a resource you can't delete" in json.loads(raised.value.body)["message"]
    rbac.store.clear()
    rbac.reset()
    rbac.authorization = True
    owner = rbac.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner",
                                                                               "namespace": "default"}})
    reference["uid"] = owner["metadata"]["uid"]
    _grant(rbac, [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["create", "delete"]}])
    core.create_namespaced_config_map("default", {"metadata": {"name": "b", "ownerReferences": [reference]}})
    blocking = {**reference, "blockOwnerDeletion": True}
    with pytest.raises(ApiException) as raised:
        core.create_namespaced_config_map("default", {"metadata": {"name": "c", "ownerReferences": [blocking]}})
    assert raised.value.status == 403
    assert ("cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: "
            'User "system:serviceaccount:default:robot" cannot update resource "configmaps/finalizers"'
            ) in json.loads(raised.value.body)["message"]


def test_an_apply_that_creates_needs_create_too(rbac: KubeEmulator) -> None:
    _grant(rbac, [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["patch"]}])
    path = f"{rbac.url}/api/v1/namespaces/default/configmaps/applied"
    token = {"Authorization": "Bearer emulated-sa:default:robot", "Content-Type": "application/apply-patch+yaml"}
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied"}, "data": {"a": "1"}})
    refused = requests.patch(path, data=body, headers=token, params={"fieldManager": "robot"}, timeout=10)
    assert refused.status_code == 403
    assert 'cannot create resource "configmaps"' in refused.json()["message"]
    rbac.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied", "namespace": "default"}})
    assert requests.patch(path, data=body, headers=token, params={"fieldManager": "robot"},
                          timeout=10).status_code == 200
