"""Discovery and the dynamic clients: what ``kubernetes.dynamic`` and ``openshift.dynamic`` find and can use.

Checks: the built-in groups plus SeldonDeployment, ImageStream, ImageStreamTag, BuildConfig, Build, Route and
Template are discoverable by kind; a CRD registered from a YAML file, or created over HTTP, is served at once
(at every served version, with its status subresource); both dynamic clients list, create, replace and delete;
openshift-python-wrapper resources deploy, update, list and clean up.
"""

from __future__ import annotations

import pathlib
from typing import Any

import kubernetes.client
import kubernetes.dynamic
import openshift.dynamic
import pytest
import requests
import yaml
from kube_emulator import KubeEmulator

EXPECTED_KINDS = [
    ("v1", "Namespace"), ("v1", "Pod"), ("v1", "Service"), ("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "Event"),
    ("v1", "ServiceAccount"), ("apps/v1", "Deployment"), ("apps/v1", "ReplicaSet"), ("batch/v1", "Job"),
    ("rbac.authorization.k8s.io/v1", "Role"), ("coordination.k8s.io/v1", "Lease"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("machinelearning.seldon.io/v1", "SeldonDeployment"), ("image.openshift.io/v1", "ImageStream"),
    ("image.openshift.io/v1", "ImageStreamTag"), ("build.openshift.io/v1", "BuildConfig"),
    ("build.openshift.io/v1", "Build"), ("route.openshift.io/v1", "Route"), ("template.openshift.io/v1", "Template"),
]


@pytest.mark.parametrize(("api_version", "kind"), EXPECTED_KINDS)
def test_dynamic_client_discovers_the_kinds(dynamic: kubernetes.dynamic.DynamicClient, api_version: str,
                                            kind: str) -> None:
    # As on OpenShift, kind Template is served twice (templates and processedtemplates): the name picks one.
    by_name = {"name": "templates"} if kind == "Template" else {}
    resource = dynamic.resources.get(api_version=api_version, kind=kind, **by_name)
    assert resource.kind == kind


def test_template_kind_is_ambiguous_as_on_openshift(dynamic: kubernetes.dynamic.DynamicClient) -> None:
    found = dynamic.resources.search(api_version="template.openshift.io/v1", kind="Template")
    assert sorted(resource.name for resource in found) == ["processedtemplates", "templates"]


def test_openshift_dynamic_client_discovers_openshift_kinds(kube_api_client: kubernetes.client.ApiClient) -> None:
    client = openshift.dynamic.DynamicClient(kube_api_client)
    for api_version, kind in EXPECTED_KINDS[-7:-1]:
        assert client.resources.get(api_version=api_version, kind=kind).kind == kind
    assert client.resources.get(api_version="template.openshift.io/v1", kind="Template", name="templates")


def test_seldon_deployment_is_served_at_its_three_versions(kube_emulator: KubeEmulator) -> None:
    group = requests.get(f"{kube_emulator.url}/apis/machinelearning.seldon.io", timeout=10).json()
    assert group["preferredVersion"]["version"] == "v1"
    assert [version["version"] for version in group["versions"]] == ["v1", "v1alpha3", "v1alpha2"]
    resources = requests.get(f"{kube_emulator.url}/apis/machinelearning.seldon.io/v1", timeout=10).json()
    names = {entry["name"]: entry for entry in resources["resources"]}
    assert names["seldondeployments"]["shortNames"] == ["sdep"]
    assert names["seldondeployments"]["namespaced"] is True
    assert "seldondeployments/status" in names


def test_crd_registered_from_a_yaml_file_is_served(kube_emulator: KubeEmulator, tmp_path: pathlib.Path,
                                                   dynamic: kubernetes.dynamic.DynamicClient,
                                                   widget_crd: dict[str, Any]) -> None:
    gadget = {**widget_crd, "metadata": {"name": "gadgets.example.org"}, "spec": {
        **widget_crd["spec"], "group": "example.org", "names": {"kind": "Gadget", "plural": "gadgets"}}}
    manifest = tmp_path / "crds.yaml"
    manifest.write_text(yaml.safe_dump_all([gadget]))
    kube_emulator.register_crd(manifest)
    gadgets = dynamic.resources.get(api_version="example.org/v1", kind="Gadget")
    gadgets.create(body={"apiVersion": "example.org/v1", "kind": "Gadget", "metadata": {"name": "g"},
                         "spec": {"size": 1}}, namespace="default")
    assert [item.metadata.name for item in gadgets.get(namespace="default").items] == ["g"]


def test_crd_created_over_http_is_established_and_served(kube_api_client: kubernetes.client.ApiClient,
                                                         kube_emulator: KubeEmulator) -> None:
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "things.example.net"},
           "spec": {"group": "example.net", "scope": "Cluster", "names": {"kind": "Thing", "plural": "things"},
                    "versions": [{"name": "v1beta1", "served": True, "storage": True, "schema": {
                        "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}]}}
    created = kubernetes.client.ApiextensionsV1Api(kube_api_client).create_custom_resource_definition(crd)
    assert {condition.type: condition.status for condition in created.status.conditions}["Established"] == "True"
    things = kubernetes.client.CustomObjectsApi(kube_api_client)
    thing = things.create_cluster_custom_object("example.net", "v1beta1", "things", {
        "apiVersion": "example.net/v1beta1", "kind": "Thing", "metadata": {"name": "t"}})
    assert "namespace" not in thing["metadata"]


def test_invalid_crd_is_refused(kube_api_client: kubernetes.client.ApiClient) -> None:
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "wrong-name"},
           "spec": {"group": "example.net", "scope": "Namespaced", "names": {"kind": "Thing", "plural": "things"},
                    "versions": [{"name": "v1", "served": True, "storage": True}]}}
    with pytest.raises(kubernetes.client.exceptions.ApiException) as raised:
        kubernetes.client.ApiextensionsV1Api(kube_api_client).create_custom_resource_definition(crd)
    assert raised.value.status == 422


def test_dynamic_clients_do_crud(kube_api_client: kubernetes.client.ApiClient) -> None:
    for client in (kubernetes.dynamic.DynamicClient(kube_api_client), openshift.dynamic.DynamicClient(kube_api_client)):
        routes = client.resources.get(api_version="route.openshift.io/v1", kind="Route")
        target = {"kind": "Service", "name": "model"}
        body: dict[str, Any] = {"apiVersion": "route.openshift.io/v1", "kind": "Route", "metadata": {"name": "model"},
                                "spec": {"to": target}}
        created = routes.create(body=body, namespace="default")
        assert created.spec.host == "model-default.apps.emulator.local"
        listed = routes.get(namespace="default")
        assert listed.kind == "RouteList"
        assert [item.metadata.name for item in listed.items] == ["model"]
        replaced = routes.replace(body={**body, "metadata": {"name": "model",
                                                             "resourceVersion": created.metadata.resourceVersion},
                                        "spec": {"to": target, "host": "custom.example.com"}}, namespace="default")
        assert replaced.spec.host == "custom.example.com"
        routes.delete(name="model", namespace="default")
        assert routes.get(namespace="default").items == []


def test_openshift_python_wrapper_resources_work(kube_emulator: KubeEmulator) -> None:
    from ocp_resources.config_map import ConfigMap
    from ocp_resources.namespace import Namespace
    from ocp_resources.resource import get_client

    client = get_client(config_file=str(kube_emulator.kubeconfig_path))
    Namespace(client=client, name="wrapped").deploy(wait=True)
    config = ConfigMap(client=client, name="settings", namespace="wrapped", data={"a": "1"})
    config.deploy()
    config.update(resource_dict={"metadata": {"name": "settings"}, "data": {"a": "2"}})
    assert config.instance.data.a == "2"
    assert [item.name for item in ConfigMap.get(client=client, namespace="wrapped")] == ["settings"]
    config.clean_up(wait=True)
    assert not config.exists


def test_a_plain_kubernetes_api_serves_no_openshift_groups() -> None:
    with KubeEmulator(openshift=False) as cluster:
        groups = {group.name for group in kubernetes.client.ApisApi(cluster.api_client()).get_api_versions().groups}
        assert "apps" in groups
        assert not any(group.endswith(".openshift.io") for group in groups)
