"""Installing the controller as the README says — the CRD, then the kustomization in controller/manifests — by
server-side apply against the emulated API server, then the controller running as the ServiceAccount that install
created, under the RBAC it created, reconciling a SeldonDeployment.

The kustomization is rendered here as kustomize does for what it uses (its resources, its namespace set on every
namespaced object and on the ServiceAccount subjects of bindings), so the test needs no kubectl, which
scripts/setup-dev does not install."""

from __future__ import annotations

import json
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import yaml
from controller_support import (
    CONTROLLER_NAMESPACE,
    CRD,
    NAMESPACE,
    ROOT,
    Running,
    eventually,
    restricted_v2_violations,
    seldon_deployment,
)
from kube_emulator import KubeEmulator

MANIFESTS = ROOT / "controller" / "manifests"
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}


def kustomized() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())
    namespace = kustomization["namespace"]
    objects = []
    for resource in kustomization["resources"]:
        for document in yaml.safe_load_all((MANIFESTS / resource).read_text()):
            if document["kind"] not in CLUSTER_SCOPED:
                document["metadata"]["namespace"] = namespace
            for subject in document.get("subjects") or []:
                if subject["kind"] == "ServiceAccount":
                    subject["namespace"] = namespace
            objects.append(document)
    return objects


def _apply(cluster: KubeEmulator, obj: dict[str, Any], force: bool = False) -> None:
    resource = cluster.resource(obj["apiVersion"], obj["kind"])
    namespace = obj["metadata"].get("namespace", "")
    prefix = f"/api/{resource.version}" if not resource.group else f"/apis/{resource.group}/{resource.version}"
    where = f"{prefix}/namespaces/{namespace}" if resource.namespaced else prefix
    answer = requests.patch(f"{cluster.url}{where}/{resource.plural}/{obj['metadata']['name']}",
                            data=json.dumps(obj), headers={"Content-Type": "application/apply-patch+yaml"},
                            params={"fieldManager": "installer", **({"force": "true"} if force else {})}, timeout=30)
    assert answer.status_code in (200, 201), answer.text


@pytest.fixture
def installed(kube_emulator: KubeEmulator) -> Iterator[KubeEmulator]:
    # The CRD takes over from the emulator's SeldonDeployment stand-in, hence force.
    for crd in yaml.safe_load_all(CRD.read_text()):
        _apply(kube_emulator, crd, force=True)
    for obj in kustomized():
        _apply(kube_emulator, obj)
    kube_emulator.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    kube_emulator.authorization = True
    yield kube_emulator
    kube_emulator.authorization = False


def test_the_installed_controller_runs_under_the_installed_rbac(installed: KubeEmulator,
                                                                tmp_path: pathlib.Path) -> None:
    deployment = installed.get("apps/v1", "Deployment", "seldon-controller", CONTROLLER_NAMESPACE)
    assert deployment is not None
    pod = deployment["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "seldon-controller"
    assert restricted_v2_violations(pod) == []
    running = Running(installed, leader_election=True, lease_duration=3.0, renew_deadline=2.0,
                      retry_period=0.2).start()
    try:
        installed.create(seldon_deployment("installed"))
        eventually(lambda: installed.get("apps/v1", "Deployment", "installed-default-0-classifier", NAMESPACE))
        lease = eventually(lambda: installed.get("coordination.k8s.io/v1", "Lease", "seldon-controller-leader",
                                                 CONTROLLER_NAMESPACE), what="the Lease")
        assert lease["spec"]["holderIdentity"] == running.controller.settings.identity
        assert not [request.path for request in installed.requests if request.code == 403]
    finally:
        running.stop()
