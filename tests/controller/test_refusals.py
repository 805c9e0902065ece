"""Specs Seldon would refuse, clusters that lack an API, and shadows.

Checks: a spec the graph rules refuse is Failed with the reason in status and a Warning Event, and nothing is
built; a later bad edit keeps what runs; on a plain Kubernetes API (no image or route API) plain images work
without a Route and an ImageStreamTag gives a clear Failed message; a shadow predictor gets its own pods, no
share of the Route, and the serving orchestrators mirror to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import kubernetes.client
import pytest
from controller_support import (
    CONTROLLER_NAMESPACE,
    CRD,
    NAMESPACE,
    SDEP,
    Running,
    container,
    env,
    eventually,
    install_rbac,
    predictor,
    seldon_deployment,
    set_spec,
)
from kube_emulator import KubeEmulator


def _status(cluster: KubeEmulator, name: str) -> dict[str, Any]:
    return ((cluster.get(SDEP, "SeldonDeployment", name, NAMESPACE) or {}).get("status")) or {}


def _built(cluster: KubeEmulator) -> list[str]:
    return [f"{kind}/{obj['metadata']['name']}"
            for api_version, kind in (("apps/v1", "Deployment"), ("v1", "Service"), ("route.openshift.io/v1", "Route"))
            if cluster.store.catalogue.find_kind(api_version, kind) is not None
            for obj in cluster.list_objects(api_version, kind, NAMESPACE)]


def test_a_refused_spec_is_failed_with_the_reason_and_builds_nothing(cluster: KubeEmulator, controller: Any) -> None:
    body = seldon_deployment("broken")
    body["spec"]["predictors"][0]["graph"]["name"] = "missing"
    cluster.create(body)
    status = eventually(lambda: _status(cluster, "broken").get("state") == "Failed" and _status(cluster, "broken"),
                        what="state Failed")
    assert "graph node 'missing' has no container of that name in componentSpecs" in status["description"]
    assert status["conditions"][0]["reason"] == "InvalidSpec"
    events = eventually(lambda: cluster.list_objects("v1", "Event", NAMESPACE), what="an Event")
    assert [(event["reason"], event["type"], event["involvedObject"]["name"]) for event in events] == [
        ("InvalidSpec", "Warning", "broken")]
    assert status["description"] in events[0]["message"]
    controller.reconcile_all()
    assert _built(cluster) == []
    assert len(cluster.list_objects("v1", "Event", NAMESPACE)) == 1  # once, not per reconcile


def test_a_bad_edit_keeps_what_runs(cluster: KubeEmulator, controller: Any,
                                    kube_api_client: kubernetes.client.ApiClient) -> None:
    cluster.create(seldon_deployment("steady"))
    eventually(lambda: "Deployment/steady-default-0-classifier" in _built(cluster))
    before = {obj["metadata"]["name"]: obj["metadata"]["resourceVersion"]
              for obj in cluster.list_objects("apps/v1", "Deployment", NAMESPACE)}
    set_spec(kube_api_client, "steady", lambda spec: spec["predictors"][0].update(traffic=40))
    status = eventually(lambda: _status(cluster, "steady").get("state") == "Failed" and _status(cluster, "steady"))
    assert "the only serving predictor must get traffic 100, not 40" in status["description"]
    assert {obj["metadata"]["name"]: obj["metadata"]["resourceVersion"]
            for obj in cluster.list_objects("apps/v1", "Deployment", NAMESPACE)} == before


@pytest.fixture
def plain_kubernetes() -> Iterator[tuple[KubeEmulator, Callable[[], Running]]]:
    with KubeEmulator(openshift=False) as cluster:
        cluster.register_crd(CRD)
        for name in (CONTROLLER_NAMESPACE, NAMESPACE):
            cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        install_rbac(cluster)
        cluster.authorization = True
        started: list[Running] = []

        def start() -> Running:
            started.append(Running(cluster).start())
            return started[-1]
        yield cluster, start
        for running in started:
            running.stop()


def test_plain_kubernetes_plain_images_and_a_clear_message_for_image_stream_tags(
        plain_kubernetes: tuple[KubeEmulator, Callable[[], Running]]) -> None:
    cluster, start = plain_kubernetes
    start()
    cluster.create(seldon_deployment("plain"))
    eventually(lambda: "Service/plain-default" in _built(cluster) and "Deployment/plain-default-0-classifier"
               in _built(cluster), what="the plain graph")
    tagged = seldon_deployment("tagged")
    component = tagged["spec"]["predictors"][0]["componentSpecs"][0]
    component["imageStreamTags"] = [{"container": "classifier", "name": "tagged:latest"}]
    cluster.create(tagged)
    status = eventually(lambda: _status(cluster, "tagged").get("state") == "Failed" and _status(cluster, "tagged"))
    assert ("this cluster does not serve OpenShift's image API (image.openshift.io/v1); give the containers an image "
            "instead") in status["description"]
    conditions = {condition["type"] for condition in _status(cluster, "plain").get("conditions") or []}
    assert "RoutesReady" not in conditions


def test_a_shadow_gets_mirrored_traffic_and_no_share_of_the_route(cluster: KubeEmulator, controller: Any) -> None:
    cluster.create(seldon_deployment("mirror", predictor("main", traffic=100),
                                     predictor("shadow", shadow=True, image="quay.io/x/next:1")))
    route = eventually(lambda: cluster.get("route.openshift.io/v1", "Route", "mirror", NAMESPACE))
    assert route["spec"]["to"]["name"] == "mirror-main"
    assert "alternateBackends" not in route["spec"]
    shadow = eventually(lambda: cluster.get("apps/v1", "Deployment", "mirror-shadow-0-classifier", NAMESPACE))
    assert shadow["metadata"]["labels"]["seldon.io/shadow"] == "true"
    main = eventually(lambda: cluster.get("apps/v1", "Deployment", "mirror-main-0-classifier", NAMESPACE))
    assert env(container(main, "seldon-container-engine"))["ENGINE_SHADOW_ENDPOINTS"] == (
        "http://mirror-shadow.models.svc.cluster.local:8000")
    assert "ENGINE_SHADOW_ENDPOINTS" not in env(container(shadow, "seldon-container-engine"))
