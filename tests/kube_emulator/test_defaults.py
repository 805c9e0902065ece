"""Defaulting of built-in kinds: what a real API server fills in, so a client that diffs sees a real cluster.

Checks: a Deployment gets replicas, the 25 %/25 % rolling strategy, history limit, progress deadline and the pod
template, container and probe defaults; quantities are stored canonically; Services, HPA v2 and Routes get their
defaults; a field its only applier stops applying falls back to its default; re-applying what was applied
before is not a write.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from kube_emulator import KubeEmulator
from kube_emulator.quantities import canonical

APPLY = "application/apply-patch+yaml"


def _deployment(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}, "spec": {
        "selector": {"matchLabels": {"app": name}}, **spec,
        "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{
            "name": "main", "image": "quay.io/example/model:1.0", "ports": [{"containerPort": 9000}],
            "resources": {"requests": {"cpu": 0.5, "memory": "2048Mi"}, "limits": {"cpu": "1000m"}},
            "readinessProbe": {"httpGet": {"path": "/ready", "port": 9000}},
            "env": [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]}]}}}}


def _apply(cluster: KubeEmulator, path: str, body: dict[str, Any], manager: str = "me") -> requests.Response:
    return requests.patch(f"{cluster.url}{path}", data=json.dumps(body), params={"fieldManager": manager},
                          headers={"Content-Type": APPLY}, timeout=10)


def test_a_deployment_is_stored_with_the_api_servers_defaults(kube_emulator: KubeEmulator) -> None:
    stored = kube_emulator.create({**_deployment("web"), "metadata": {"name": "web", "namespace": "default"}})
    spec = stored["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert (spec["revisionHistoryLimit"], spec["progressDeadlineSeconds"]) == (10, 600)
    pod = spec["template"]["spec"]
    assert (pod["restartPolicy"], pod["dnsPolicy"], pod["schedulerName"]) == ("Always", "ClusterFirst",
                                                                              "default-scheduler")
    assert (pod["terminationGracePeriodSeconds"], pod["securityContext"]) == (30, {})
    container = pod["containers"][0]
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert (container["terminationMessagePath"], container["terminationMessagePolicy"]) == ("/dev/termination-log",
                                                                                            "File")
    assert container["ports"] == [{"containerPort": 9000, "protocol": "TCP"}]
    assert container["readinessProbe"] == {"httpGet": {"path": "/ready", "port": 9000, "scheme": "HTTP"},
                                           "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1,
                                           "failureThreshold": 3}
    assert container["resources"] == {"requests": {"cpu": "500m", "memory": "2Gi"}, "limits": {"cpu": "1"}}
    assert container["env"][0]["valueFrom"]["fieldRef"] == {"apiVersion": "v1", "fieldPath": "metadata.name"}


@pytest.mark.parametrize(("image", "policy"), [("model", "Always"), ("model:latest", "Always"),
                                               ("registry:5000/model", "Always"), ("model:2", "IfNotPresent"),
                                               ("model@sha256:" + "a" * 64, "IfNotPresent")])
def test_image_pull_policy_follows_the_tag(kube_emulator: KubeEmulator, image: str, policy: str) -> None:
    body = _deployment("pull")
    body["spec"]["template"]["spec"]["containers"][0]["image"] = image
    stored = kube_emulator.create({**body, "metadata": {"name": "pull", "namespace": "default"}})
    assert stored["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == policy


@pytest.mark.parametrize(("given", "stored"), [(0.5, "500m"), ("0.5", "500m"), ("1000m", "1"), (2, "2"),
                                               ("1.5", "1500m"), ("2048Mi", "2Gi"), ("1000Mi", "1000Mi"),
                                               ("1536Mi", "1536Mi"), ("512Ki", "512Ki"), ("1e3", "1e3"),
                                               ("1500", "1500"), ("2000", "2k"), ("0.1Gi", "107374182400m")])
def test_quantities_are_canonical(given: Any, stored: str) -> None:
    assert canonical(given) == stored


def test_a_malformed_quantity_is_refused(kube_emulator: KubeEmulator) -> None:
    body = _deployment("bad")
    body["spec"]["template"]["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "lots"}}
    answer = requests.post(f"{kube_emulator.url}/apis/apps/v1/namespaces/default/deployments", json=body, timeout=10)
    assert answer.status_code == 400
    assert "quantities must match" in answer.json()["message"]


def test_service_hpa_and_route_defaults(kube_emulator: KubeEmulator) -> None:
    service = kube_emulator.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
                                    "spec": {"selector": {"a": "b"}, "ports": [{"name": "http", "port": 8000}]}})
    assert {key: service["spec"][key] for key in ("type", "sessionAffinity", "ipFamilies", "ipFamilyPolicy",
                                                  "internalTrafficPolicy")} == {
        "type": "ClusterIP", "sessionAffinity": "None", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
        "internalTrafficPolicy": "Cluster"}
    assert service["spec"]["ports"] == [{"name": "http", "port": 8000, "protocol": "TCP", "targetPort": 8000}]
    hpa = kube_emulator.create({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                                "metadata": {"name": "h"}, "spec": {
                                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d"},
                                    "maxReplicas": 3, "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}})
    assert hpa["spec"]["minReplicas"] == 1
    assert hpa["spec"]["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
    assert hpa["spec"]["behavior"]["scaleDown"] == {"stabilizationWindowSeconds": 60, "selectPolicy": "Max",
                                                    "policies": [{"type": "Percent", "value": 100,
                                                                  "periodSeconds": 15}]}
    assert hpa["spec"]["behavior"]["scaleUp"]["policies"][0] == {"type": "Pods", "value": 4, "periodSeconds": 15}
    route = kube_emulator.create({"apiVersion": "route.openshift.io/v1", "kind": "Route", "metadata": {"name": "r"},
                                  "spec": {"to": {"name": "a"}, "alternateBackends": [{"name": "b", "weight": 10}]}})
    assert route["spec"]["to"] == {"kind": "Service", "name": "a", "weight": 100}
    assert route["spec"]["alternateBackends"] == [{"kind": "Service", "name": "b", "weight": 10}]
    assert route["spec"]["wildcardPolicy"] == "None"


def test_a_field_its_only_applier_drops_returns_to_its_default(kube_emulator: KubeEmulator) -> None:
    path = "/apis/apps/v1/namespaces/default/deployments/scaled"
    config = _deployment("scaled", replicas=3)
    assert _apply(kube_emulator, path, config).json()["spec"]["replicas"] == 3
    del config["spec"]["replicas"]
    assert _apply(kube_emulator, path, config).json()["spec"]["replicas"] == 1


def test_reapplying_the_same_configuration_is_not_a_write(kube_emulator: KubeEmulator) -> None:
    path = "/apis/apps/v1/namespaces/default/deployments/steady"
    first = _apply(kube_emulator, path, _deployment("steady")).json()
    again = _apply(kube_emulator, path, _deployment("steady")).json()
    assert again["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    assert again["metadata"]["generation"] == 1
