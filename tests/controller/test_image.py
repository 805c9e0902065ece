"""The controller's image, built from controller/Containerfile, runs as an arbitrary UID and reconciles.

Checks: the image builds on the local UBI-shaped Python base; it holds none of the serving stack (no seldon-s2i,
Flask, grpcio, numpy); run as UID 12345 in group 0 (as restricted-v2 would) against the emulated API server, it
takes the leader Lease and builds a SeldonDeployment's objects.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from controller_support import CONTROLLER_NAMESPACE, NAMESPACE, ROOT, eventually, free_port, seldon_deployment
from kube_emulator import KubeEmulator
from model_images import RANDOM_UID, require_container_tools, trusted_ca_args

pytestmark = pytest.mark.container
IMAGE = f"localhost/seldon-s2i/seldon-controller:session-{os.getpid()}"


@pytest.fixture(scope="module")
def controller_image() -> Iterator[str]:
    require_container_tools()
    base = subprocess.run([str(ROOT / "scripts" / "base-image")], capture_output=True, text=True, check=True)
    volume = []
    if trusted_ca_args():
        volume = ["-v", f"{trusted_ca_args()[1]}:/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem:ro"]
    command = ["buildah", "build", "--layers=false", "-f", str(ROOT / "controller" / "Containerfile"),
               "--build-arg", f"BASE_IMAGE={base.stdout.strip().splitlines()[-1]}", *volume, "-t", IMAGE, str(ROOT)]
    built = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    assert built.returncode == 0, built.stderr[-4000:]
    yield IMAGE
    subprocess.run(["podman", "rmi", "-f", IMAGE], capture_output=True, check=False)


def test_the_image_carries_no_serving_stack(controller_image: str) -> None:
    listed = subprocess.run(["podman", "run", "--rm", "--user", RANDOM_UID, "--entrypoint",
                             "/opt/seldon-controller/bin/pip", controller_image, "list", "--format", "freeze"],
                            capture_output=True, text=True, timeout=300, check=True)
    installed = {line.split("==")[0].lower() for line in listed.stdout.splitlines()}
    assert {"seldon-s2i-controller", "seldon-s2i-graph", "kubernetes"} <= installed
    assert installed & {"seldon-s2i", "flask", "grpcio", "numpy", "granian"} == set()


def test_the_image_runs_as_an_arbitrary_uid_and_reconciles(controller_image: str, cluster: KubeEmulator,
                                                           tmp_path: pathlib.Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    shutil.copy(cluster.service_account_kubeconfig(CONTROLLER_NAMESPACE, "seldon-controller"), kubeconfig)
    kubeconfig.chmod(0o644)
    port = free_port()
    name = f"seldon-controller-test-{os.getpid()}"
    command = ["podman", "run", "--rm", "--name", name, "--network", "host", "--user", RANDOM_UID,
               "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "-v", f"{kubeconfig}:/config/kubeconfig:ro",
               controller_image, "run", "--kubeconfig", "/config/kubeconfig", "--identity", "in-a-container",
               "--lease-namespace", CONTROLLER_NAMESPACE, "--health-port", str(port), "--engine-image", "engine:test"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        cluster.create(seldon_deployment("boxed"))
        eventually(lambda: cluster.get("apps/v1", "Deployment", "boxed-default-0-classifier", NAMESPACE),
                   timeout=120, what="the Deployment made by the containerised controller")
        lease = cluster.get("coordination.k8s.io/v1", "Lease", "seldon-controller-leader", CONTROLLER_NAMESPACE)
        assert lease is not None and lease["spec"]["holderIdentity"] == "in-a-container"
    finally:
        subprocess.run(["podman", "stop", "-t", "10", name], capture_output=True, check=False)
        output = process.communicate(timeout=60)[0].decode(errors="replace")
    assert process.returncode == 0, output[-3000:]
