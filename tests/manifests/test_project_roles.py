"""Project admins, editors and viewers may use SeldonDeployments without being cluster admins.

The ClusterRoles in rbac/ carry the `rbac.authorization.k8s.io/aggregate-to-{admin,edit,view}`
labels, so the cluster's aggregation controller adds their rules to the built-in
`admin`, `edit` and `view` roles that project members are bound to. The emulated API
server enforces RBAC but has no aggregation controller, so the test fills those three
roles the way the controller does (every rule of every ClusterRole whose labels match the
role's selector). Checks, as ServiceAccounts bound in one project over HTTP: an admin and
an editor create the SeldonDeployment the seldon-model template renders, read, scale,
change and delete it, and read its status; a viewer reads it and its status but may not
create, change or delete; nobody may write the status (the controller's); and without
the aggregated rules the same admin is refused (so the check can fail).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import kubernetes
import pytest
from kube_emulator import KubeEmulator
from manifest_files import CRD_FILES, RBAC_FILES, REPOSITORY_ROOT, load, render

GROUP, VERSION, PLURAL, NAMESPACE = "machinelearning.seldon.io", "v1", "seldondeployments", "team"
AGGREGATE_LABEL = "rbac.authorization.k8s.io/aggregate-to-{role}"


def seldon_deployment() -> dict[str, Any]:
    (item,) = [item for item in render(REPOSITORY_ROOT / "openshift-templates" / "seldon-model.yaml").objects
               if item["kind"] == "SeldonDeployment"]
    return item


def aggregated(role: str, cluster_roles: list[dict[str, Any]]) -> dict[str, Any]:
    """The built-in role as the aggregation controller fills it from the labelled ClusterRoles."""
    selector = {AGGREGATE_LABEL.format(role=role): "true"}
    rules = [rule for cluster_role in cluster_roles
             if selector.items() <= (cluster_role["metadata"].get("labels") or {}).items()
             for rule in cluster_role["rules"]]
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": role},
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": selector}]}, "rules": rules}


@pytest.fixture(scope="module")
def cluster() -> Iterator[KubeEmulator]:
    with KubeEmulator(seldon_stand_in=False) as emulator, emulator.api_client() as client:
        for path in CRD_FILES:
            kubernetes.client.ApiextensionsV1Api(client).create_custom_resource_definition(body=load(path))
        rbac = kubernetes.client.RbacAuthorizationV1Api(client)
        ours = [load(path) for path in RBAC_FILES]
        for cluster_role in ours:
            rbac.create_cluster_role(body=cluster_role)
        for role in ("admin", "edit", "view"):
            rbac.create_cluster_role(body=aggregated(role, ours))
        # The built-in admin role of a cluster without the pack: nothing about SeldonDeployments.
        rbac.create_cluster_role(body={"metadata": {"name": "admin-without-the-pack"}, "rules": []})
        kubernetes.client.CoreV1Api(client).create_namespace(body={"metadata": {"name": NAMESPACE}})
        for user, role in (("alice", "admin"), ("eddie", "edit"), ("vera", "view"), ("olga", "admin-without-the-pack")):
            kubernetes.client.CoreV1Api(client).create_namespaced_service_account(
                NAMESPACE, body={"metadata": {"name": user}})
            rbac.create_namespaced_role_binding(NAMESPACE, body={
                "metadata": {"name": f"{user}-{role}"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                "subjects": [{"kind": "ServiceAccount", "name": user, "namespace": NAMESPACE}]})
        emulator.authorization = True
        yield emulator


def api_as(cluster: KubeEmulator, user: str) -> kubernetes.client.CustomObjectsApi:
    configuration = kubernetes.client.Configuration()
    kubernetes.config.load_kube_config(config_file=str(cluster.service_account_kubeconfig(NAMESPACE, user)),
                                       client_configuration=configuration)
    return kubernetes.client.CustomObjectsApi(kubernetes.client.ApiClient(configuration))


def refused(call: Any, *args: Any) -> bool:
    try:
        call(GROUP, VERSION, NAMESPACE, PLURAL, *args)
    except kubernetes.client.ApiException as error:
        assert error.status == 403, error
        return True
    return False


@pytest.mark.parametrize("user", ["alice", "eddie"])
def test_project_admins_and_editors_manage_seldon_deployments(cluster: KubeEmulator, user: str) -> None:
    api = api_as(cluster, user)
    item = copy.deepcopy(seldon_deployment())
    name = item["metadata"]["name"] = f"model-{user}"
    api.create_namespaced_custom_object(GROUP, VERSION, NAMESPACE, PLURAL, item)
    assert api.get_namespaced_custom_object(GROUP, VERSION, NAMESPACE, PLURAL, name)["spec"] == item["spec"]
    assert name in {i["metadata"]["name"] for i in api.list_namespaced_custom_object(
        GROUP, VERSION, NAMESPACE, PLURAL)["items"]}
    api.patch_namespaced_custom_object(GROUP, VERSION, NAMESPACE, PLURAL, name, {"metadata": {"labels": {"a": "b"}}})
    api.patch_namespaced_custom_object_scale(GROUP, VERSION, NAMESPACE, PLURAL, name, {"spec": {"replicas": 2}})
    api.get_namespaced_custom_object_status(GROUP, VERSION, NAMESPACE, PLURAL, name)
    assert refused(api.patch_namespaced_custom_object_status, name, {"status": {"state": "Available"}})
    api.delete_namespaced_custom_object(GROUP, VERSION, NAMESPACE, PLURAL, name)


def test_project_viewers_read_but_do_not_change_seldon_deployments(cluster: KubeEmulator) -> None:
    item = copy.deepcopy(seldon_deployment())
    name = item["metadata"]["name"] = "model-for-viewers"
    api_as(cluster, "alice").create_namespaced_custom_object(GROUP, VERSION, NAMESPACE, PLURAL, item)
    viewer = api_as(cluster, "vera")
    assert viewer.get_namespaced_custom_object(GROUP, VERSION, NAMESPACE, PLURAL, name)["spec"] == item["spec"]
    viewer.get_namespaced_custom_object_status(GROUP, VERSION, NAMESPACE, PLURAL, name)
    other = {**copy.deepcopy(item), "metadata": {"name": "from-a-viewer"}}
    assert refused(viewer.create_namespaced_custom_object, other)
    assert refused(viewer.patch_namespaced_custom_object, name, {"metadata": {"labels": {"a": "b"}}})
    assert refused(viewer.delete_namespaced_custom_object, name)


def test_without_the_aggregated_rules_a_project_admin_is_refused(cluster: KubeEmulator) -> None:
    item = {**copy.deepcopy(seldon_deployment()), "metadata": {"name": "model-olga"}}
    api = api_as(cluster, "olga")
    assert refused(api.create_namespaced_custom_object, item)
    assert refused(api.list_namespaced_custom_object)
