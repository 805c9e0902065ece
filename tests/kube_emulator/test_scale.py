"""The scale subresource of Deployments and of CRDs that declare one, as ``kubectl scale`` and HPAs use it.

Checks: GET gives an autoscaling/v1 Scale with spec/status replicas and the selector as a string; PUT and PATCH
change the parent's replicas (and its generation); a stale resourceVersion is 409; negative replicas are 422;
the custom resource's specReplicasPath is honoured; discovery lists the subresource with kind Scale.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import kubernetes.client
import pytest
import requests
from kube_emulator import KubeEmulator
from kubernetes.client.exceptions import ApiException


@pytest.fixture
def deployment(apps: kubernetes.client.AppsV1Api) -> kubernetes.client.V1Deployment:
    return apps.create_namespaced_deployment("default", {
        "metadata": {"name": "scaled"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "scaled"}, "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["model"]}]},
                 "template": {"metadata": {"labels": {"app": "scaled", "tier": "model"}},
                              "spec": {"containers": [{"name": "c", "image": "i"}]}}}})


def test_scale_reads_and_writes_deployment_replicas(apps: kubernetes.client.AppsV1Api,
                                                    deployment: kubernetes.client.V1Deployment) -> None:
    scale = apps.read_namespaced_deployment_scale("scaled", "default")
    assert (scale.spec.replicas, scale.status.replicas) == (1, 0)
    assert scale.status.selector == "app=scaled,tier in (model)"
    apps.patch_namespaced_deployment_scale("scaled", "default", {"spec": {"replicas": 3}})
    current = apps.read_namespaced_deployment("scaled", "default")
    assert current.spec.replicas == 3
    assert current.metadata.generation == 2
    replaced = apps.replace_namespaced_deployment_scale("scaled", "default", kubernetes.client.V1Scale(
        metadata=kubernetes.client.V1ObjectMeta(name="scaled"), spec=kubernetes.client.V1ScaleSpec(replicas=5)))
    assert replaced.spec.replicas == 5


def test_scale_refuses_stale_versions_and_negative_replicas(apps: kubernetes.client.AppsV1Api,
                                                            deployment: kubernetes.client.V1Deployment) -> None:
    stale = kubernetes.client.V1Scale(metadata=kubernetes.client.V1ObjectMeta(
        name="scaled", resource_version=deployment.metadata.resource_version),
        spec=kubernetes.client.V1ScaleSpec(replicas=2))
    apps.patch_namespaced_deployment("scaled", "default", {"spec": {"replicas": 4}})
    with pytest.raises(ApiException) as raised:
        apps.replace_namespaced_deployment_scale("scaled", "default", stale)
    assert raised.value.status == 409
    with pytest.raises(ApiException) as raised:
        apps.patch_namespaced_deployment_scale("scaled", "default", {"spec": {"replicas": -1}})
    assert raised.value.status == 422


def test_custom_resource_scale_uses_its_paths(kube_emulator: KubeEmulator,
                                              custom_objects: kubernetes.client.CustomObjectsApi,
                                              new_widget: Callable[..., dict[str, Any]]) -> None:
    args = ("example.com", "v1", "default", "widgets", "w")
    custom_objects.create_namespaced_custom_object(*args[:4], new_widget("w", size=2))
    custom_objects.patch_namespaced_custom_object_status(*args, {"status": {"size": 2}})
    scale = custom_objects.get_namespaced_custom_object_scale(*args)
    assert (scale["spec"]["replicas"], scale["status"]["replicas"]) == (2, 2)
    custom_objects.patch_namespaced_custom_object_scale(*args, {"spec": {"replicas": 7}})
    assert custom_objects.get_namespaced_custom_object(*args)["spec"]["size"] == 7
    listed = requests.get(f"{kube_emulator.url}/apis/example.com/v1", timeout=10).json()["resources"]
    entry = next(resource for resource in listed if resource["name"] == "widgets/scale")
    assert (entry["group"], entry["version"], entry["kind"]) == ("autoscaling", "v1", "Scale")


def test_seldon_deployment_stand_in_has_a_scale_subresource(
        kube_emulator: KubeEmulator, custom_objects: kubernetes.client.CustomObjectsApi) -> None:
    args = ("machinelearning.seldon.io", "v1", "default", "seldondeployments", "iris")
    custom_objects.create_namespaced_custom_object(*args[:4], {
        "apiVersion": "machinelearning.seldon.io/v1", "kind": "SeldonDeployment", "metadata": {"name": "iris"},
        "spec": {"replicas": 1, "predictors": []}})
    custom_objects.patch_namespaced_custom_object_scale(*args, {"spec": {"replicas": 2}})
    assert custom_objects.get_namespaced_custom_object(*args)["spec"]["replicas"] == 2
