"""The product's own path: the catalogue templates rendered with ``seldon-s2i template process``, applied, built
(the builds' pushes written into the ImageStreams) and reconciled.

Checks: for the single-model, A/B and ensemble templates, nothing runs before the images are pushed (state
Creating, naming the ImageStreamTags it waits for), then every graph container runs the pushed digest in
Seldon's Deployments and Services, the pods pass restricted-v2, and the SeldonDeployment becomes Available.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from typing import Any

import pytest
from controller_support import NAMESPACE, ROOT, SDEP, eventually, restricted_v2_violations
from kube_emulator import KubeEmulator

REGISTRY = "image-registry.openshift-image-registry.svc:5000"


def _process(template: str, name: str) -> list[dict[str, Any]]:
    command = [str(pathlib.Path(sys.executable).parent / "seldon-s2i"), "template", "process",
               str(ROOT / "openshift-templates" / template), "-p", f"NAME={name}", "-o", "json", "-q"]
    rendered = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    items: list[dict[str, Any]] = json.loads(rendered.stdout)["items"]
    return items


def _push(cluster: KubeEmulator, stream: str, number: int) -> str:
    digest = "sha256:" + f"{number:x}" * 64
    reference = f"{REGISTRY}/{NAMESPACE}/{stream}@{digest[:71]}"
    cluster.set_status("image.openshift.io/v1", "ImageStream", stream, {
        "dockerImageRepository": f"{REGISTRY}/{NAMESPACE}/{stream}",
        "tags": [{"tag": "latest", "items": [{"dockerImageReference": reference, "image": digest[:71]}]}]}, NAMESPACE)
    return reference


def _containers(deployments: list[dict[str, Any]]) -> dict[str, str]:
    return {item["name"]: item["image"] for deployment in deployments
            for item in deployment["spec"]["template"]["spec"]["containers"]}


@pytest.mark.parametrize(("template", "name", "containers"), [
    ("seldon-model.yaml", "iris", {"model"}),
    ("seldon-abtest.yaml", "iris-ab", {"model-a", "model-b"}),
    ("seldon-ensemble.yaml", "iris-ensemble", {"combiner", "model-a", "model-b"}),
])
def test_a_rendered_template_runs_once_its_images_are_pushed(cluster: KubeEmulator, controller: Any, template: str,
                                                             name: str, containers: set[str]) -> None:
    objects = _process(template, name)
    for obj in objects:
        obj.setdefault("metadata", {})["namespace"] = NAMESPACE
        cluster.create(obj)
    waiting = eventually(lambda: ((cluster.get(SDEP, "SeldonDeployment", name, NAMESPACE) or {}).get("status")
                                  or {}).get("description"), what="a status")
    assert "waiting for ImageStreamTag" in waiting
    assert cluster.list_objects("apps/v1", "Deployment", NAMESPACE) == []
    streams = [obj["metadata"]["name"] for obj in objects if obj["kind"] == "ImageStream"]
    pushed = {stream: _push(cluster, stream, number + 1) for number, stream in enumerate(streams)}
    deployments = eventually(lambda: set(_containers(found := cluster.list_objects("apps/v1", "Deployment",
                                                                                     NAMESPACE))) - {
        "seldon-container-engine"} == containers and found, what="the Deployments")
    images = _containers(deployments)
    assert set(images.values()) - {"engine:test"} == set(pushed.values())
    for deployment in deployments:
        assert restricted_v2_violations(deployment["spec"]["template"]["spec"]) == []
        live = deployment["spec"]["replicas"]
        cluster.set_status("apps/v1", "Deployment", deployment["metadata"]["name"], {
            "observedGeneration": deployment["metadata"]["generation"], "replicas": live, "availableReplicas": live,
            "updatedReplicas": live, "readyReplicas": live}, NAMESPACE)
    eventually(lambda: all(cluster.get("v1", "Service", f"{name}-default-{container}", NAMESPACE)
                           for container in containers), what="a Service per graph container")
    status = eventually(lambda: ((cluster.get(SDEP, "SeldonDeployment", name, NAMESPACE) or {}).get("status") or {})
                        .get("state") == "Available", what="state Available")
    assert status
