"""OpenShift endpoints: template processing (``processedtemplates``) and ``buildconfigs/<name>/instantiate``.

Checks: parameters are substituted (``${X}`` inside strings, ``${{X}}`` as typed values), generated from
expressions, and required ones refused when missing; hard-coded namespaces are stripped and template labels
added; instantiating a BuildConfig creates build ``<name>-<n>`` owned by it and bumps ``status.lastVersion``;
a ProjectRequest creates a namespace that is listed, patched and deleted as a Project; an ImageStreamTag is a
view of its ImageStream (found once the stream's status has an image, created into its spec, deleted from both,
never watched); a new ImageStream gets its internal registry repository.
"""

from __future__ import annotations

import re
import time
from typing import Any

import kubernetes.client
import kubernetes.dynamic
import pytest
import requests
from kube_emulator import KubeEmulator
from kubernetes.client.exceptions import ApiException


def _template(**parameter_overrides: Any) -> dict[str, Any]:
    return {
        "apiVersion": "template.openshift.io/v1", "kind": "Template", "metadata": {"name": "model"},
        "labels": {"app": "${NAME}"},
        "message": "Created ${NAME}",
        "parameters": [
            {"name": "NAME", "required": True, **parameter_overrides},
            {"name": "REPLICAS", "value": "2"},
            {"name": "SECRET", "generate": "expression", "from": "[a-z0-9]{12}"},
        ],
        "objects": [{
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "${NAME}-predictor", "namespace": "hard-coded"},
            "spec": {"replicas": "${{REPLICAS}}", "template": {"metadata": {"annotations": {"secret": "${SECRET}"}}}},
        }],
    }


def _process(dynamic: kubernetes.dynamic.DynamicClient, template: dict[str, Any]) -> Any:
    processed = dynamic.resources.get(api_version="template.openshift.io/v1", kind="Template",
                                      name="processedtemplates")
    return processed.create(body=template, namespace="default")


def test_processing_substitutes_parameters(dynamic: kubernetes.dynamic.DynamicClient) -> None:
    result = _process(dynamic, _template(value="iris")).to_dict()
    deployment = result["objects"][0]
    assert deployment["metadata"]["name"] == "iris-predictor"
    assert "namespace" not in deployment["metadata"]
    assert deployment["metadata"]["labels"] == {"app": "iris"}
    assert deployment["spec"]["replicas"] == 2
    assert re.fullmatch(r"[a-z0-9]{12}", deployment["spec"]["template"]["metadata"]["annotations"]["secret"])
    assert result["message"] == "Created iris"


def test_processing_refuses_a_missing_required_parameter(dynamic: kubernetes.dynamic.DynamicClient) -> None:
    with pytest.raises(kubernetes.dynamic.exceptions.DynamicApiError) as raised:
        _process(dynamic, _template())
    assert raised.value.status == 422
    assert "parameter NAME is required" in raised.value.body.decode()


def test_instantiate_starts_numbered_builds(kube_api_client: kubernetes.client.ApiClient) -> None:
    custom = kubernetes.client.CustomObjectsApi(kube_api_client)
    config = custom.create_namespaced_custom_object("build.openshift.io", "v1", "default", "buildconfigs", {
        "apiVersion": "build.openshift.io/v1", "kind": "BuildConfig", "metadata": {"name": "iris"},
        "spec": {"source": {"git": {"uri": "https://example.com/iris.git"}},
                 "strategy": {"sourceStrategy": {"from": {"kind": "ImageStreamTag", "name": "seldon-python:latest"}}},
                 "output": {"to": {"kind": "ImageStreamTag", "name": "iris:latest"}}, "triggers": []}})
    request = {"kind": "BuildRequest", "apiVersion": "build.openshift.io/v1", "metadata": {"name": "iris"}}
    path = "/apis/build.openshift.io/v1/namespaces/default/buildconfigs/iris/instantiate"
    for _ in range(2):
        kube_api_client.call_api(path, "POST", body=request, response_type="object", auth_settings=["BearerToken"])
    builds = custom.list_namespaced_custom_object("build.openshift.io", "v1", "default", "builds")["items"]
    assert [build["metadata"]["name"] for build in builds] == ["iris-1", "iris-2"]
    assert builds[0]["status"]["phase"] == "New"
    assert builds[0]["spec"]["output"]["to"]["name"] == "iris:latest"
    assert builds[0]["metadata"]["ownerReferences"][0]["uid"] == config["metadata"]["uid"]
    current = custom.get_namespaced_custom_object("build.openshift.io", "v1", "default", "buildconfigs", "iris")
    assert current["status"]["lastVersion"] == 2


def test_instantiate_of_a_missing_build_config_is_not_found(kube_api_client: kubernetes.client.ApiClient) -> None:
    with pytest.raises(ApiException) as raised:
        kube_api_client.call_api("/apis/build.openshift.io/v1/namespaces/default/buildconfigs/none/instantiate",
                                 "POST", body={}, response_type="object")
    assert raised.value.status == 404


def test_project_request_creates_a_namespace_seen_as_a_project(dynamic: kubernetes.dynamic.DynamicClient,
                                                               core: kubernetes.client.CoreV1Api) -> None:
    requests_api = dynamic.resources.get(api_version="project.openshift.io/v1", kind="ProjectRequest")
    created = requests_api.create(body={"apiVersion": "project.openshift.io/v1", "kind": "ProjectRequest",
                                        "metadata": {"name": "models"}, "displayName": "Models"})
    assert created.kind == "Project"
    namespace = core.read_namespace("models")
    assert namespace.metadata.annotations == {"openshift.io/display-name": "Models"}
    projects = dynamic.resources.get(api_version="project.openshift.io/v1", kind="Project")
    assert "models" in [item.metadata.name for item in projects.get().items]
    labelled = projects.patch(name="models", body={"metadata": {"labels": {"team": "ml"}}},
                              content_type="application/merge-patch+json")
    assert labelled.metadata.labels.team == "ml"
    assert core.read_namespace("models").metadata.labels == {"team": "ml"}
    assert projects.delete(name="models").status == "Success"
    deadline = time.monotonic() + 5
    while "models" in [item.metadata.name for item in core.list_namespace().items]:
        assert time.monotonic() < deadline, "the project's namespace was not removed"
        time.sleep(0.02)


IMAGE = "sha256:" + "a" * 64


def test_image_stream_tags_are_views_of_their_stream(kube_emulator: KubeEmulator,
                                                     custom_objects: kubernetes.client.CustomObjectsApi) -> None:
    image = ("image.openshift.io", "v1", "default")
    stream = custom_objects.create_namespaced_custom_object(*image, "imagestreams", {
        "apiVersion": "image.openshift.io/v1", "kind": "ImageStream", "metadata": {"name": "iris"},
        "spec": {"lookupPolicy": {"local": True}}})
    repository = stream["status"]["dockerImageRepository"]
    assert repository == "image-registry.openshift-image-registry.svc:5000/default/iris"
    with pytest.raises(ApiException) as raised:
        custom_objects.get_namespaced_custom_object(*image, "imagestreamtags", "iris:latest")
    assert raised.value.status == 404
    kube_emulator.set_status("image.openshift.io/v1", "ImageStream", "iris", {
        "dockerImageRepository": repository, "tags": [{"tag": "latest", "items": [
            {"image": IMAGE, "dockerImageReference": f"{repository}@{IMAGE}", "generation": 1,
             "created": "2026-01-01T00:00:00Z"}]}]}, "default")
    tag = custom_objects.get_namespaced_custom_object(*image, "imagestreamtags", "iris:latest")
    assert tag["image"]["metadata"]["name"] == IMAGE
    assert tag["image"]["dockerImageReference"] == f"{repository}@{IMAGE}"
    assert tag["lookupPolicy"] == {"local": True}
    listed = custom_objects.list_namespaced_custom_object(*image, "imagestreamtags")
    assert [item["metadata"]["name"] for item in listed["items"]] == ["iris:latest"]

    custom_objects.delete_namespaced_custom_object(*image, "imagestreamtags", "iris:latest")
    current = custom_objects.get_namespaced_custom_object(*image, "imagestreams", "iris")
    assert current["status"]["tags"] == []


def test_creating_an_image_stream_tag_edits_the_stream_spec(custom_objects: kubernetes.client.CustomObjectsApi) -> None:
    image = ("image.openshift.io", "v1", "default")
    custom_objects.create_namespaced_custom_object(*image, "imagestreamtags", {
        "apiVersion": "image.openshift.io/v1", "kind": "ImageStreamTag", "metadata": {"name": "builder:1.0"},
        "tag": {"from": {"kind": "DockerImage", "name": "quay.io/example/builder:1.0"}}})
    stream = custom_objects.get_namespaced_custom_object(*image, "imagestreams", "builder")
    assert stream["spec"]["tags"] == [{"from": {"kind": "DockerImage", "name": "quay.io/example/builder:1.0"},
                                       "name": "1.0"}]
    with pytest.raises(ApiException) as raised:  # not imported yet: no image behind the tag
        custom_objects.get_namespaced_custom_object(*image, "imagestreamtags", "builder:1.0")
    assert raised.value.status == 404


def test_image_stream_tags_cannot_be_watched(kube_emulator: KubeEmulator) -> None:
    answer = requests.get(f"{kube_emulator.url}/apis/image.openshift.io/v1/namespaces/default/imagestreamtags",
                          params={"watch": "true"}, timeout=10)
    assert answer.status_code == 405
    resources = requests.get(f"{kube_emulator.url}/apis/image.openshift.io/v1", timeout=10).json()["resources"]
    verbs = next(entry["verbs"] for entry in resources if entry["name"] == "imagestreamtags")
    assert "watch" not in verbs


def test_verbs_a_resource_lacks_are_not_allowed(kube_emulator: KubeEmulator) -> None:
    answer = requests.get(f"{kube_emulator.url}/apis/template.openshift.io/v1/namespaces/default/processedtemplates",
                          timeout=10)
    assert answer.status_code == 405
    assert answer.json()["reason"] == "MethodNotAllowed"
