"""Scaling and disruption: hpaSpec, kedaSpec and pdbSpec become their objects and follow their specs; replicas
follow Seldon's precedence and are left to the autoscaler when there is one.

Checks: an HPA (autoscaling/v2, v2beta1-style metrics translated) targets the Deployment, which then carries no
replicas of ours; a PDB selects the Deployment's pods; a KEDA ScaledObject appears when the KEDA API is served and
a clear status condition says why not when it is not; editing or removing the specs updates or deletes the
objects; componentSpec replicas beat predictor replicas, which beat spec replicas.
"""

from __future__ import annotations

from typing import Any

import kubernetes.client
from controller_support import KEDA_CRD, NAMESPACE, SDEP, eventually, predictor, seldon_deployment, set_spec
from kube_emulator import KubeEmulator


def _get(cluster: KubeEmulator, api_version: str, kind: str, name: str) -> dict[str, Any] | None:
    return cluster.get(api_version, kind, name, NAMESPACE)


def _component(body: dict[str, Any]) -> dict[str, Any]:
    component: dict[str, Any] = body["spec"]["predictors"][0]["componentSpecs"][0]
    return component


def test_hpa_and_pdb_follow_their_specs(cluster: KubeEmulator, controller: Any,
                                        kube_api_client: kubernetes.client.ApiClient) -> None:
    body = seldon_deployment("scaled", predictor(replicas=4))
    _component(body)["hpaSpec"] = {"minReplicas": 2, "maxReplicas": 5, "metrics": [
        {"type": "Resource", "resource": {"name": "cpu", "targetAverageUtilization": 70}}]}
    _component(body)["pdbSpec"] = {"minAvailable": 1}
    cluster.create(body)
    name = "scaled-default-0-classifier"
    hpa = eventually(lambda: _get(cluster, "autoscaling/v2", "HorizontalPodAutoscaler", name), what="the HPA")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 5)
    assert hpa["spec"]["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]
    deployment = eventually(lambda: _get(cluster, "apps/v1", "Deployment", name))
    owners = {entry["manager"]: entry["fieldsV1"] for entry in deployment["metadata"]["managedFields"]}
    assert "f:replicas" not in owners["seldon-controller"]["f:spec"]  # the autoscaler's to set
    pdb = eventually(lambda: _get(cluster, "policy/v1", "PodDisruptionBudget", name), what="the PDB")
    assert pdb["spec"] == {"minAvailable": 1, "selector": {"matchLabels": deployment["spec"]["selector"]
                                                           ["matchLabels"]}}

    def edit(spec: dict[str, Any]) -> None:
        spec["predictors"][0]["componentSpecs"][0]["hpaSpec"]["maxReplicas"] = 8
        del spec["predictors"][0]["componentSpecs"][0]["pdbSpec"]
    set_spec(kube_api_client, "scaled", edit)
    eventually(lambda: (_get(cluster, "autoscaling/v2", "HorizontalPodAutoscaler", name) or {})
               .get("spec", {}).get("maxReplicas") == 8, what="the new maximum")
    eventually(lambda: _get(cluster, "policy/v1", "PodDisruptionBudget", name) is None, what="the PDB gone")
    set_spec(kube_api_client, "scaled", lambda spec: spec["predictors"][0]["componentSpecs"][0].pop("hpaSpec"))
    eventually(lambda: _get(cluster, "autoscaling/v2", "HorizontalPodAutoscaler", name) is None)
    assert eventually(lambda: (_get(cluster, "apps/v1", "Deployment", name) or {})["spec"]["replicas"] == 4)


def test_keda_scaled_object_when_keda_is_served(cluster: KubeEmulator, controller: Any) -> None:
    body = seldon_deployment("keda")
    _component(body)["kedaSpec"] = {"minReplicaCount": 1, "maxReplicaCount": 3, "pollingInterval": 15,
                                    "triggers": [{"type": "prometheus", "metadata": {"threshold": "10"}}]}
    cluster.create(body)
    status = eventually(lambda: ((_get(cluster, SDEP, "SeldonDeployment", "keda") or {}).get("status") or {})
                        .get("conditions"), what="conditions")
    keda = next(condition for condition in status if condition["type"] == "KedaReady")
    assert keda["status"] == "False"
    assert "KEDA is not installed" in keda["message"]
    cluster.authorization = False
    cluster.register_crd(KEDA_CRD)
    cluster.authorization = True
    scaled = eventually(lambda: _get(cluster, "keda.sh/v1alpha1", "ScaledObject", "keda-default-0-classifier"),
                        what="the ScaledObject once KEDA is installed")
    assert scaled["spec"] == {"scaleTargetRef": {"name": "keda-default-0-classifier"}, "minReplicaCount": 1,
                              "maxReplicaCount": 3, "pollingInterval": 15,
                              "triggers": [{"type": "prometheus", "metadata": {"threshold": "10"}}]}


def test_replicas_follow_seldons_precedence(cluster: KubeEmulator, controller: Any) -> None:
    body = seldon_deployment("ranked", predictor("a", replicas=2), predictor("b", image="quay.io/x/b:1",
                                                                                container="other"), replicas=5)
    body["spec"]["predictors"][0]["traffic"], body["spec"]["predictors"][1]["traffic"] = 50, 50
    body["spec"]["predictors"][0]["componentSpecs"].append(
        {"replicas": 7, "spec": {"containers": [{"name": "extra", "image": "quay.io/x/extra:1"}]}})
    cluster.create(body)
    names = {"ranked-a-0-classifier": 2, "ranked-a-1-extra": 7, "ranked-b-0-other": 5}
    eventually(lambda: all(_get(cluster, "apps/v1", "Deployment", name) for name in names), what="the Deployments")
    assert {name: (_get(cluster, "apps/v1", "Deployment", name) or {})["spec"]["replicas"] for name in names} == names
