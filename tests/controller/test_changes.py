"""Changes after the first rollout: each edit of the SeldonDeployment, and each new image a build pushes, changes
exactly what it should and nothing else.

Checks: a new component image, new replicas and new traffic weights each change one field of one object (the
others keep their resourceVersion); a new image in the ImageStream patches the Deployment with the new digest
within a second, a rewrite of the same digest rolls nothing; an ImageStreamTag with no image yet keeps the
SeldonDeployment Creating with nothing built.
"""

from __future__ import annotations

import time
from typing import Any

import kubernetes.client
from controller_support import NAMESPACE, SDEP, container, eventually, predictor, seldon_deployment, set_spec
from kube_emulator import KubeEmulator

REGISTRY = "image-registry.openshift-image-registry.svc:5000"
DIGEST_A, DIGEST_B = "sha256:" + "a" * 64, "sha256:" + "b" * 64


def _versions(cluster: KubeEmulator) -> dict[str, str]:
    found = {}
    for api_version, kind in (("apps/v1", "Deployment"), ("v1", "Service"), ("route.openshift.io/v1", "Route")):
        for obj in cluster.list_objects(api_version, kind, NAMESPACE):
            found[f"{kind}/{obj['metadata']['name']}"] = obj["metadata"]["resourceVersion"]
    return found


def _spec_of(cluster: KubeEmulator, api_version: str, kind: str, name: str) -> dict[str, Any]:
    found = cluster.get(api_version, kind, name, NAMESPACE)
    assert found is not None
    spec: dict[str, Any] = found["spec"]
    return spec


def _converged(cluster: KubeEmulator, controller: Any) -> dict[str, str]:
    controller.reconcile_all()
    return _versions(cluster)


def test_a_new_image_changes_only_that_containers_image(cluster: KubeEmulator, controller: Any,
                                                        kube_api_client: kubernetes.client.ApiClient) -> None:
    cluster.create(seldon_deployment("iris"))
    name = "Deployment/iris-default-0-classifier"
    eventually(lambda: name in _versions(cluster))
    before = _converged(cluster, controller)
    old_spec = _spec_of(cluster, "apps/v1", "Deployment", "iris-default-0-classifier")
    set_spec(kube_api_client, "iris", lambda spec: spec["predictors"][0]["componentSpecs"][0]["spec"]
              ["containers"][0].update(image="quay.io/example/classifier:2.0"))
    eventually(lambda: container(cluster.get("apps/v1", "Deployment", "iris-default-0-classifier", NAMESPACE) or {
        "spec": {"template": {"spec": {"containers": [{"name": "classifier"}]}}}}, "classifier").get("image")
        == "quay.io/example/classifier:2.0", what="the new image")
    after = _converged(cluster, controller)
    assert {key for key in before if before[key] != after[key]} == {name}
    new_spec = _spec_of(cluster, "apps/v1", "Deployment", "iris-default-0-classifier")
    old_model, new_model = container({"spec": old_spec}, "classifier"), container({"spec": new_spec}, "classifier")
    assert {key for key in new_model if new_model[key] != old_model.get(key)} == {"image", "env"}
    changed_env = [entry for entry in new_model["env"] if entry not in old_model["env"]]
    assert changed_env == [{"name": "PREDICTIVE_UNIT_IMAGE", "value": "quay.io/example/classifier:2.0"}]
    assert new_spec["template"]["spec"]["containers"][0] == old_spec["template"]["spec"]["containers"][0]


def test_new_replicas_change_only_replicas(cluster: KubeEmulator, controller: Any,
                                           kube_api_client: kubernetes.client.ApiClient) -> None:
    cluster.create(seldon_deployment("iris"))
    eventually(lambda: "Deployment/iris-default-0-classifier" in _versions(cluster))
    before = _converged(cluster, controller)
    old_spec = _spec_of(cluster, "apps/v1", "Deployment", "iris-default-0-classifier")
    set_spec(kube_api_client, "iris", lambda spec: spec["predictors"][0].update(replicas=3))
    eventually(lambda: _spec_of(cluster, "apps/v1", "Deployment", "iris-default-0-classifier")["replicas"] == 3)
    after = _converged(cluster, controller)
    assert {key for key in before if before[key] != after[key]} == {"Deployment/iris-default-0-classifier"}
    new_spec = _spec_of(cluster, "apps/v1", "Deployment", "iris-default-0-classifier")
    assert {key for key in new_spec if new_spec[key] != old_spec[key]} == {"replicas"}


def test_new_traffic_changes_only_the_route_weights(cluster: KubeEmulator, controller: Any,
                                                    kube_api_client: kubernetes.client.ApiClient) -> None:
    cluster.create(seldon_deployment("ab", predictor("main", traffic=90), predictor("canary", traffic=10,
                                                                                      image="quay.io/x/canary:1")))
    route = eventually(lambda: cluster.get("route.openshift.io/v1", "Route", "ab", NAMESPACE), what="the Route")
    assert route["spec"]["to"] == {"kind": "Service", "name": "ab-main", "weight": 90}
    assert route["spec"]["alternateBackends"] == [{"kind": "Service", "name": "ab-canary", "weight": 10}]
    assert route["spec"]["tls"] == {"termination": "edge", "insecureEdgeTerminationPolicy": "Redirect"}
    assert route["spec"]["port"] == {"targetPort": "http"}
    before = _converged(cluster, controller)

    def shift(spec: dict[str, Any]) -> None:
        spec["predictors"][0]["traffic"], spec["predictors"][1]["traffic"] = 50, 50
    set_spec(kube_api_client, "ab", shift)
    eventually(lambda: _spec_of(cluster, "route.openshift.io/v1", "Route", "ab")["to"]["weight"] == 50)
    after = _converged(cluster, controller)
    assert {key for key in before if before[key] != after[key]} == {"Route/ab"}
    assert _spec_of(cluster, "route.openshift.io/v1", "Route", "ab")["alternateBackends"][0]["weight"] == 50


def _image_stream(cluster: KubeEmulator, name: str, digest: str | None) -> None:
    stream = {"apiVersion": "image.openshift.io/v1", "kind": "ImageStream",
              "metadata": {"name": name, "namespace": NAMESPACE}, "spec": {"lookupPolicy": {"local": False}}}
    if cluster.get("image.openshift.io/v1", "ImageStream", name, NAMESPACE) is None:
        cluster.create(stream)
    if digest is not None:
        reference = f"{REGISTRY}/{NAMESPACE}/{name}@{digest}"
        cluster.set_status("image.openshift.io/v1", "ImageStream", name, {
            "dockerImageRepository": f"{REGISTRY}/{NAMESPACE}/{name}",
            "tags": [{"tag": "latest", "items": [{"dockerImageReference": reference, "image": digest,
                                                  "created": "2026-01-01T00:00:00Z", "generation": 1}]}]}, NAMESPACE)


def _tagged(name: str) -> dict[str, Any]:
    body = seldon_deployment(name)
    component = body["spec"]["predictors"][0]["componentSpecs"][0]
    del component["spec"]["containers"][0]["image"]
    component["imageStreamTags"] = [{"container": "classifier", "name": f"{name}:latest"}]
    return body


def _image(cluster: KubeEmulator, name: str) -> str | None:
    found = cluster.get("apps/v1", "Deployment", name, NAMESPACE)
    return container(found, "classifier").get("image") if found else None


def test_an_image_stream_tag_with_no_image_yet_builds_nothing(cluster: KubeEmulator, controller: Any) -> None:
    _image_stream(cluster, "iris", None)
    cluster.create(_tagged("iris"))
    status = eventually(lambda: ((cluster.get(SDEP, "SeldonDeployment", "iris", NAMESPACE) or {}).get("status")),
                        what="a status")
    assert status["state"] == "Creating"
    assert "waiting for ImageStreamTag models/iris:latest to have an image" in status["description"]
    assert _versions(cluster) == {}
    _image_stream(cluster, "iris", DIGEST_A)
    assert eventually(lambda: _image(cluster, "iris-default-0-classifier")) == f"{REGISTRY}/models/iris@{DIGEST_A}"


def test_a_pushed_image_rolls_the_deployment_within_a_second(cluster: KubeEmulator, controller: Any) -> None:
    _image_stream(cluster, "iris", DIGEST_A)
    cluster.create(_tagged("iris"))
    eventually(lambda: _image(cluster, "iris-default-0-classifier"), what="the first rollout")
    before = _converged(cluster, controller)
    _image_stream(cluster, "iris", DIGEST_A)  # the same digest written again: nothing rolls
    controller.reconcile_all()
    assert _versions(cluster) == before
    started = time.monotonic()
    _image_stream(cluster, "iris", DIGEST_B)
    eventually(lambda: _image(cluster, "iris-default-0-classifier") == f"{REGISTRY}/models/iris@{DIGEST_B}",
               timeout=5, what="the new digest")
    assert time.monotonic() - started < 1.0
    after = _converged(cluster, controller)
    assert {key for key in before if before[key] != after[key]} == {"Deployment/iris-default-0-classifier"}
