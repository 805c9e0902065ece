"""Least privilege: the controller, run under its own ClusterRole and Lease Role through a scenario that makes it
do everything it does, uses every verb they grant and no other.

Usage is read from the emulator's request log (the controller's ServiceAccount only), including what admission
checks on its behalf: an apply that creates needs ``create``, setting owner references needs ``delete`` on the
object, ``blockOwnerDeletion`` needs ``update`` on ``seldondeployments/finalizers``.
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from typing import Any

import kubernetes.client
import yaml
from controller_support import (
    KEDA_CRD,
    MANIFESTS,
    NAMESPACE,
    SDEP,
    Running,
    eventually,
    predictor,
    seldon_deployment,
    set_spec,
)
from kube_emulator import KubeEmulator

Permission = tuple[str, str, str]  # api group, resource (with /subresource), verb
USER = "system:serviceaccount:seldon-system:seldon-controller"
PLURAL_GROUPS = {"seldondeployments": "machinelearning.seldon.io"}


def granted() -> set[Permission]:
    found = set()
    for file_name in ("cluster-role.yaml", "leader-election-role.yaml"):
        for document in yaml.safe_load_all(pathlib.Path(MANIFESTS / file_name).read_text()):
            for rule in document.get("rules") or []:
                found |= {(group, resource, verb) for group in rule["apiGroups"] for resource in rule["resources"]
                          for verb in rule["verbs"]}
    return found


def _target(path: str) -> tuple[str, str, str | None]:
    """(group, resource with subresource, name) of a resource path."""
    parts = path.strip("/").split("/")
    group, rest = ("", parts[2:]) if parts[0] == "api" else (parts[1], parts[3:])
    if rest[0] == "namespaces" and len(rest) > 2:
        rest = rest[2:]
    resource = rest[0] + (f"/{rest[2]}" if len(rest) > 2 else "")
    return group, resource, rest[1] if len(rest) > 1 else None


def used(cluster: KubeEmulator) -> set[Permission]:
    found: set[Permission] = set()
    for request in cluster.requests:
        if request.user != USER or not request.path.startswith(("/api/v1/", "/apis/")) or request.path.count("/") < 3:
            continue
        group, resource, name = _target(request.path)
        if request.method == "GET":
            verb = "watch" if request.query.get("watch") == "true" else "get" if name else "list"
        else:
            verb = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}[request.method]
        found.add((group, resource, verb))
        if request.method == "PATCH" and request.code == 201:
            found.add((group, resource, "create"))
        references = ((request.body or {}).get("metadata") or {}).get("ownerReferences") or [] \
            if isinstance(request.body, dict) else []
        if references and request.code in (200, 201):
            found.add((group, resource, "delete"))
        for reference in references:
            if reference.get("blockOwnerDeletion"):
                plural = "seldondeployments" if reference["kind"] == "SeldonDeployment" else reference["kind"].lower()
                found.add((PLURAL_GROUPS.get(plural, ""), f"{plural}/finalizers", "update"))
    return found


def test_every_verb_used_is_granted_and_every_verb_granted_is_used(
        cluster: KubeEmulator, run_controller: Callable[..., Running],
        kube_api_client: kubernetes.client.ApiClient) -> None:
    cluster.authorization = False
    cluster.register_crd(KEDA_CRD)
    cluster.authorization = True
    cluster.create({"apiVersion": "image.openshift.io/v1", "kind": "ImageStream",
                    "metadata": {"name": "model", "namespace": NAMESPACE}})
    cluster.set_status("image.openshift.io/v1", "ImageStream", "model", {"tags": [{"tag": "latest", "items": [
        {"dockerImageReference": "registry/models/model@sha256:" + "c" * 64, "image": "sha256:" + "c" * 64}]}]},
        NAMESPACE)
    running = run_controller(leader_election=True, lease_duration=3.0, renew_deadline=2.0, retry_period=0.2)
    body = seldon_deployment("all", predictor("a", traffic=50), predictor("b", traffic=50, image="quay.io/x/b:1"))
    component = body["spec"]["predictors"][0]["componentSpecs"][0]
    del component["spec"]["containers"][0]["image"]
    component.update(imageStreamTags=[{"container": "classifier", "name": "model:latest"}],
                     hpaSpec={"maxReplicas": 3}, pdbSpec={"maxUnavailable": 1},
                     kedaSpec={"maxReplicaCount": 2, "triggers": [{"type": "cron", "metadata": {}}]})
    cluster.create(body)
    refused = seldon_deployment("refused")
    refused["spec"]["predictors"][0]["traffic"] = 5
    cluster.create(refused)
    eventually(lambda: cluster.get("keda.sh/v1alpha1", "ScaledObject", "all-a-0-classifier", NAMESPACE)
               and cluster.list_objects("v1", "Event", NAMESPACE), what="the first reconcile")

    def shrink(spec: dict[str, Any]) -> None:
        spec["predictors"] = spec["predictors"][:1]
        spec["predictors"][0]["traffic"] = 100
        for field in ("hpaSpec", "pdbSpec", "kedaSpec"):
            del spec["predictors"][0]["componentSpecs"][0][field]
    set_spec(kube_api_client, "all", shrink)
    eventually(lambda: not cluster.list_objects("autoscaling/v2", "HorizontalPodAutoscaler", NAMESPACE)
               and not cluster.list_objects("policy/v1", "PodDisruptionBudget", NAMESPACE)
               and not cluster.list_objects("keda.sh/v1alpha1", "ScaledObject", NAMESPACE)
               and cluster.get("apps/v1", "Deployment", "all-b-0-other", NAMESPACE) is None
               and cluster.get("v1", "Service", "all-b", NAMESPACE) is None, what="the pruning")
    eventually(lambda: ("coordination.k8s.io", "leases", "update") in used(cluster), what="a Lease renewal")
    assert not [f"{request.method} {request.path}" for request in cluster.requests
                if request.user == USER and request.code == 403]
    assert running.controller.elector is not None and running.controller.elector.leading.is_set()
    missing = granted() - used(cluster)
    # A Route is never deleted by the controller itself (only by the garbage collector with its owner), but
    # owning it needs delete (checked above through its owner references), so it is used.
    assert missing == set()
    assert used(cluster) - granted() == set()
    assert cluster.get(SDEP, "SeldonDeployment", "all", NAMESPACE) is not None
