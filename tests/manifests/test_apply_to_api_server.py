"""Our CRD and rendered templates, applied over HTTP to an API server with the real Kubernetes clients.

The server is the project's emulated API server (tests/support/kube_emulator), which
registers CRDs and prunes, defaults and validates custom resources with their schema.
Checks: the CRD registers and serves v1, v1alpha2 and v1alpha3; every object of every
template is created in its own namespace; the SeldonDeployments come back exactly as
sent (no field pruned by our schema, the imageStreamTags extension included); the
status subresource stores what the controller writes and rejects an unknown state;
Seldon Core examples apply unchanged, old versions included; an invalid graph is
rejected with 422.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes
import pytest
import yaml
from kube_emulator import KubeEmulator
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import UnprocessibleEntityError
from manifest_files import CRD_FILES, TEMPLATE_FILES, load, render
from seldon_core_examples import SELDON_CORE_EXAMPLES

GROUP, PLURAL = "machinelearning.seldon.io", "seldondeployments"


@pytest.fixture(scope="module")
def api_client() -> Iterator[kubernetes.client.ApiClient]:
    with KubeEmulator(seldon_stand_in=False) as cluster, cluster.api_client() as client:
        for path in CRD_FILES:
            kubernetes.client.ApiextensionsV1Api(client).create_custom_resource_definition(body=load(path))
        yield client


@pytest.fixture(scope="module")
def dynamic(api_client: kubernetes.client.ApiClient) -> DynamicClient:
    return DynamicClient(api_client)


def create_namespace(api_client: kubernetes.client.ApiClient, name: str) -> str:
    kubernetes.client.CoreV1Api(api_client).create_namespace(body={"metadata": {"name": name}})
    return name


def test_the_crd_is_served_in_every_version(dynamic: DynamicClient) -> None:
    for version in ("v1", "v1alpha2", "v1alpha3"):
        resource = dynamic.resources.get(api_version=f"{GROUP}/{version}", kind="SeldonDeployment")
        assert resource.namespaced and resource.name == PLURAL
        assert "sdep" in resource.short_names


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda path: path.stem)
def test_every_rendered_object_is_created_and_seldondeployments_keep_every_field(
    path: Path, api_client: kubernetes.client.ApiClient, dynamic: DynamicClient
) -> None:
    namespace = create_namespace(api_client, path.stem)
    for item in render(path).objects:
        resource = dynamic.resources.get(api_version=item["apiVersion"], kind=item["kind"])
        created = resource.create(body=item, namespace=namespace).to_dict()
        assert created["metadata"]["namespace"] == namespace
        if item["kind"] == "SeldonDeployment":
            stored = resource.get(name=item["metadata"]["name"], namespace=namespace).to_dict()
            assert stored["spec"] == item["spec"], "the CRD schema pruned or changed a field"


@pytest.mark.parametrize(
    "example", list(yaml.safe_load_all(SELDON_CORE_EXAMPLES)), ids=lambda example: example["metadata"]["name"]
)
def test_seldon_core_examples_apply_unchanged(
    example: dict[str, Any], api_client: kubernetes.client.ApiClient, dynamic: DynamicClient
) -> None:
    namespace = create_namespace(api_client, f"example-{example['metadata']['name']}")
    resource = dynamic.resources.get(api_version=example["apiVersion"], kind="SeldonDeployment")
    body = {**example, "metadata": {key: value for key, value in example["metadata"].items() if key != "namespace"}}
    resource.create(body=body, namespace=namespace)
    stored = dynamic.resources.get(api_version=f"{GROUP}/v1", kind="SeldonDeployment").get(
        name=example["metadata"]["name"], namespace=namespace).to_dict()
    assert stored["spec"] == example["spec"]


def test_the_status_subresource_holds_what_the_controller_reports(
    api_client: kubernetes.client.ApiClient, dynamic: DynamicClient
) -> None:
    namespace = create_namespace(api_client, "status")
    (item,) = [i for i in render(TEMPLATE_FILES[0].with_name("seldon-model.yaml")).objects
               if i["kind"] == "SeldonDeployment"]
    dynamic.resources.get(api_version=f"{GROUP}/v1", kind="SeldonDeployment").create(body=item, namespace=namespace)
    custom = kubernetes.client.CustomObjectsApi(api_client)
    status = {"state": "Available", "replicas": 1,
              "address": {"url": f"http://iris-default.{namespace}.svc.cluster.local:8000/api/v1.0/predictions"},
              "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}]}
    custom.patch_namespaced_custom_object_status(GROUP, "v1", namespace, PLURAL, "iris", {"status": status})
    stored = custom.get_namespaced_custom_object(GROUP, "v1", namespace, PLURAL, "iris")
    assert stored["status"] == status
    assert stored["spec"] == item["spec"]
    with pytest.raises(kubernetes.client.ApiException) as rejected:
        custom.patch_namespaced_custom_object_status(GROUP, "v1", namespace, PLURAL, "iris",
                                                     {"status": {"state": "Sleeping"}})
    assert rejected.value.status == 422


def test_an_invalid_graph_is_rejected_by_the_api_server(
    api_client: kubernetes.client.ApiClient, dynamic: DynamicClient
) -> None:
    namespace = create_namespace(api_client, "invalid")
    example = copy.deepcopy(next(yaml.safe_load_all(SELDON_CORE_EXAMPLES)))
    example["spec"]["predictors"][0]["graph"]["type"] = "ESTIMATOR"
    resource = dynamic.resources.get(api_version=f"{GROUP}/v1", kind="SeldonDeployment")
    with pytest.raises(UnprocessibleEntityError) as rejected:
        resource.create(body=example, namespace=namespace)
    assert "ESTIMATOR" in str(rejected.value.body)
