"""Fixtures of the end-to-end tests: an example graph's images built with ``seldon-s2i build``, and the Deployment
the real controller generates for it, read back from the emulated API server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from controller_support import CONTROLLER_NAMESPACE, CRD, NAMESPACE, Running, eventually, install_rbac
from kube_emulator import KubeEmulator
from model_images import PIPELINE, graph_sources, remove_image, s2i_build, session_image


@pytest.fixture(scope="session")
def pipeline_images(builder_image: str) -> Iterator[dict[str, str]]:
    """examples/graphs/pipeline.yaml's components built by ``seldon-s2i build``: container name -> image.

    Built once a session: the generated pod (test_generated_pod.py) and ``seldon-s2i run --containers``
    (test_run_containers.py) run the same images, and neither changes them.
    """
    sources = graph_sources(PIPELINE)
    built: dict[Path, str] = {}
    try:
        for source in sorted(set(sources.values())):
            image = session_image(f"e2e-{source.name}")
            result = s2i_build(str(source), builder_image, image, "--quiet")
            assert result.returncode == 0, result.stderr
            built[source] = image
        yield {container: built[source] for container, source in sources.items()}
    finally:
        for image in built.values():
            remove_image(image)


@pytest.fixture
def generated_deployment(kube_emulator: KubeEmulator, builder_image: str,
                         pipeline_images: dict[str, str]) -> dict[str, Any]:
    """The Deployment the controller generates for the pipeline graph, as the API server stores it.

    The SeldonDeployment is examples/graphs/pipeline.yaml with the images just built, a name of this session
    (pods of parallel sessions never clash) and a namespace; the controller runs under its own least-privilege
    RBAC with the seldon-python builder as its orchestrator image, as the product installs it.
    """
    sdep = yaml.safe_load(PIPELINE.read_text())
    sdep["metadata"] = {"name": f"pipeline-{os.getpid()}", "namespace": NAMESPACE}
    for component in sdep["spec"]["predictors"][0]["componentSpecs"]:
        for container in component["spec"]["containers"]:
            container["image"] = pipeline_images[container["name"]]
    kube_emulator.register_crd(CRD)
    for name in (CONTROLLER_NAMESPACE, NAMESPACE):
        kube_emulator.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    install_rbac(kube_emulator)
    kube_emulator.authorization = True
    controller = Running(kube_emulator, engine_image=builder_image).start()
    try:
        kube_emulator.create(sdep)

        def generated() -> list[dict[str, Any]]:
            return [item for item in kube_emulator.list_objects("apps/v1", "Deployment", NAMESPACE)
                    if item["metadata"]["labels"].get("seldon-deployment-id") == sdep["metadata"]["name"]]
        deployments: list[dict[str, Any]] = eventually(generated, timeout=60, what="the generated Deployment")
    finally:
        controller.stop()
        kube_emulator.authorization = False
    assert len(deployments) == 1, "one componentSpec: every container in one pod"
    return deployments[0]
