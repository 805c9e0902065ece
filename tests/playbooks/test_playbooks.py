"""The playbooks, run for real by `seldon-s2i install | upgrade | uninstall | deploy` (ansible-runner,
kubernetes.core) against the emulated API server over HTTP.

One cluster goes through a whole life, in order, because Ansible is slow to start: check
mode on an empty cluster changes nothing; install creates every object of the pack's
manifest folders, each valid against its schema, and waits for the images and the
controller (a thread here plays OpenShift's build and Deployment controllers, which the
emulator lacks); a second install changes nothing; an upgrade to a new controller image
changes only the controller Deployment; deploy renders the seldon-model template into a
BuildConfig, ImageStream, Secret and SeldonDeployment and prints the webhook URLs, and a
second deploy keeps the webhook secret; uninstall refuses to drop the CRD while that
SeldonDeployment exists, then removes everything; and install refuses a SeldonDeployment
CRD that another installation owns. A failing task's message reaches the user, and each
run shows its tasks one by one.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import manifest_schemas
import pytest
import yaml
from kube_emulator import KubeEmulator
from manifest_files import REPOSITORY_ROOT, load

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SELDON_S2I = str(Path(sys.executable).with_name("seldon-s2i"))
CONTROLLER = "seldon-system"
CONSOLE_KINDS = (("consoleyamlsamples", "ConsoleYAMLSample"), ("consolequickstarts", "ConsoleQuickStart"))
SERVER_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields")


def manifests(folder: str) -> list[dict[str, Any]]:
    path = REPOSITORY_ROOT / folder
    return [item for file in sorted(path.glob("*.yaml")) for item in yaml.safe_load_all(file.read_text())
            if item and item["kind"] != "Kustomization"]


def expected_objects() -> list[tuple[str, str, str, str]]:
    """(apiVersion, kind, namespace, name) of everything install creates."""
    cluster_wide = [*manifests("crds"), *manifests("rbac"), *manifests("console")]
    catalog = [*manifests("imagestreams"), *manifests("openshift-templates"), *manifests("builds")]
    expected = [(item["apiVersion"], item["kind"], "", item["metadata"]["name"]) for item in cluster_wide]
    expected += [(item["apiVersion"], item["kind"], "openshift", item["metadata"]["name"]) for item in catalog]
    for item in manifests("controller/manifests"):
        namespaced = item["kind"] not in ("Namespace", "ClusterRole", "ClusterRoleBinding")
        name = CONTROLLER if item["kind"] == "Namespace" else item["metadata"]["name"]
        expected.append((item["apiVersion"], item["kind"], CONTROLLER if namespaced else "", name))
    return expected


def console_crd(plural: str, kind: str) -> dict[str, Any]:
    # On OpenShift the console's kinds are CRDs the console operator installs.
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{plural}.console.openshift.io"},
            "spec": {"group": "console.openshift.io", "scope": "Cluster",
                     "names": {"plural": plural, "singular": kind.lower(), "kind": kind},
                     "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                         "type": "object", "x-kubernetes-preserve-unknown-fields": True}}}]}}


class OpenShiftControllers(threading.Thread):
    """What the emulator does not run: builds push the ImageStream tags, the Deployment becomes available."""

    def __init__(self, cluster: KubeEmulator) -> None:
        super().__init__(daemon=True)
        self.cluster, self.stopping = cluster, threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.2):
            try:
                self.push_built_images()
                self.make_deployments_available()
            except Exception:  # objects come and go while the playbooks run
                continue

    def push_built_images(self) -> None:
        for build in self.cluster.list_objects("build.openshift.io/v1", "BuildConfig", "openshift"):
            stream_name, _, tag = build["spec"]["output"]["to"]["name"].partition(":")
            stream = self.cluster.get("image.openshift.io/v1", "ImageStream", stream_name, "openshift")
            if stream is None or any(t["tag"] == tag for t in (stream.get("status") or {}).get("tags") or []):
                continue
            digest = "sha256:" + "0" * 64
            status = {**(stream.get("status") or {}), "tags": [{"tag": tag, "items": [{
                "dockerImageReference": f"image-registry.openshift-image-registry.svc:5000/openshift/{stream_name}@{digest}",
                "image": digest, "created": "2026-01-01T00:00:00Z", "generation": 1}]}]}
            self.cluster.set_status("image.openshift.io/v1", "ImageStream", stream_name, status, "openshift")

    def make_deployments_available(self) -> None:
        for deployment in self.cluster.list_objects("apps/v1", "Deployment", CONTROLLER):
            status = deployment.get("status") or {}
            if status.get("observedGeneration") == deployment["metadata"]["generation"]:
                continue
            replicas = deployment["spec"].get("replicas", 1)
            self.cluster.set_status("apps/v1", "Deployment", deployment["metadata"]["name"], {
                "observedGeneration": deployment["metadata"]["generation"], "replicas": replicas,
                "readyReplicas": replicas, "availableReplicas": replicas, "updatedReplicas": replicas,
                "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                                "message": "stand-in", "lastUpdateTime": "2026-01-01T00:00:00Z",
                                "lastTransitionTime": "2026-01-01T00:00:00Z"}]}, CONTROLLER)


@pytest.fixture(scope="module")
def cluster() -> Iterator[KubeEmulator]:
    with KubeEmulator(seldon_stand_in=False) as emulator:
        for plural, kind in CONSOLE_KINDS:
            emulator.register_crd(console_crd(plural, kind))
        controllers = OpenShiftControllers(emulator)
        controllers.start()
        yield emulator
        controllers.stopping.set()


def seldon_s2i(cluster: KubeEmulator, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SELDON_S2I, *args, "--kubeconfig", str(cluster.kubeconfig_path)],
                          capture_output=True, text=True, timeout=600, check=False, cwd=REPOSITORY_ROOT)


def stored(cluster: KubeEmulator, api_version: str, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
    return cluster.get(api_version, kind, name, namespace)


def versions(cluster: KubeEmulator) -> dict[tuple[str, str, str, str], str]:
    return {key: stored(cluster, *key)["metadata"]["resourceVersion"] for key in expected_objects()}  # type: ignore[index]


def as_applied(item: dict[str, Any]) -> dict[str, Any]:
    """The object without what the server adds (status, uid, managedFields, ...)."""
    metadata = {key: value for key, value in item["metadata"].items() if key not in SERVER_FIELDS}
    return {key: value for key, value in item.items() if key != "status"} | {"metadata": metadata}


def mutations(cluster: KubeEmulator, since: int) -> list[str]:
    return [f"{request.method} {request.path}" for request in cluster.requests[since:]
            if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.query.get("dryRun") != "All"]


def test_check_mode_on_an_empty_cluster_changes_nothing(cluster: KubeEmulator) -> None:
    before = len(cluster.requests)
    result = seldon_s2i(cluster, "install", "--check")
    assert result.returncode == 0, result.stderr
    assert "check mode: nothing changes" in result.stderr
    assert mutations(cluster, before) == []
    assert stored(cluster, "apiextensions.k8s.io/v1", "CustomResourceDefinition", "",
                  "seldondeployments.machinelearning.seldon.io") is None


def test_install_creates_every_object_valid_and_waits_for_images_and_controller(cluster: KubeEmulator) -> None:
    result = seldon_s2i(cluster, "install", "--wait-timeout", "120")
    assert result.returncode == 0, result.stderr
    # Progress, task by task.
    assert "changed  Apply the SeldonDeployment CRD and wait until it is established" in result.stderr
    assert "ok       Wait until the controller is available" in result.stderr
    for key in expected_objects():
        item = stored(cluster, *key)
        assert item is not None, f"install did not create {key}"
        problems = list(manifest_schemas.errors_of(as_applied(item)))
        assert not problems, "\n".join(problems)
    deployment = stored(cluster, "apps/v1", "Deployment", CONTROLLER, "seldon-controller")
    assert deployment is not None
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == (
        "image-registry.openshift-image-registry.svc:5000/openshift/seldon-controller:0.1")


def test_a_second_install_changes_nothing(cluster: KubeEmulator) -> None:
    before = versions(cluster)
    result = seldon_s2i(cluster, "install", "--wait-timeout", "60")
    assert result.returncode == 0, result.stderr
    assert "install.yml: 0 task(s) changed something" in result.stderr
    # kubernetes.core patches every object and compares; no object actually changed.
    assert versions(cluster) == before


def test_an_upgrade_changes_only_the_controller_image(cluster: KubeEmulator) -> None:
    before = versions(cluster)
    result = seldon_s2i(cluster, "upgrade", "--controller-image", "registry.example.com/seldon-controller:0.2",
                        "--wait-timeout", "60")
    assert result.returncode == 0, result.stderr
    after = versions(cluster)
    changed = [key for key in before if before[key] != after[key]]
    assert changed == [("apps/v1", "Deployment", CONTROLLER, "seldon-controller")]
    deployment = stored(cluster, "apps/v1", "Deployment", CONTROLLER, "seldon-controller")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == (  # type: ignore[index]
        "registry.example.com/seldon-controller:0.2")


def test_deploy_creates_the_model_objects_and_prints_the_webhooks(cluster: KubeEmulator) -> None:
    cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "models"}})
    result = seldon_s2i(cluster, "deploy", "https://github.com/example/iris.git", "--name", "iris",
                        "--ref", "release-1", "--context-dir", "models/iris", "-n", "models")
    assert result.returncode == 0, result.stderr
    build = stored(cluster, "build.openshift.io/v1", "BuildConfig", "models", "iris")
    assert build is not None
    assert build["spec"]["source"]["git"] == {"uri": "https://github.com/example/iris.git", "ref": "release-1"}
    assert build["spec"]["source"]["contextDir"] == "models/iris"
    assert stored(cluster, "image.openshift.io/v1", "ImageStream", "models", "iris") is not None
    assert stored(cluster, "machinelearning.seldon.io/v1", "SeldonDeployment", "models", "iris") is not None
    secret = stored(cluster, "v1", "Secret", "models", "iris-webhook")
    assert secret is not None
    webhook = f"{cluster.url}/apis/build.openshift.io/v1/namespaces/models/buildconfigs/iris/webhooks/"
    assert result.stderr.count(webhook) == 4, result.stderr
    again = seldon_s2i(cluster, "deploy", "https://github.com/example/iris.git", "--name", "iris",
                       "--ref", "release-1", "--context-dir", "models/iris", "-n", "models")
    assert again.returncode == 0, again.stderr
    assert "deploy-model.yml: 0 task(s) changed something" in again.stderr  # the webhook secret is kept


def test_uninstall_refuses_while_a_seldon_deployment_exists_then_removes_everything(cluster: KubeEmulator) -> None:
    refused = seldon_s2i(cluster, "uninstall")
    assert refused.returncode == 2
    assert "1 SeldonDeployment(s) exist (models/iris)" in refused.stderr
    assert "-e remove_seldondeployments=true" in refused.stderr and "Nothing was removed" in refused.stderr
    assert all(stored(cluster, *key) is not None for key in expected_objects())

    removed = seldon_s2i(cluster, "uninstall", "--remove-seldondeployments")
    assert removed.returncode == 0, removed.stderr
    left = [key for key in expected_objects() if stored(cluster, *key) is not None]
    assert left == []


def test_install_refuses_a_seldon_deployment_crd_another_installation_owns(cluster: KubeEmulator) -> None:
    theirs = load(REPOSITORY_ROOT / "crds" / "machinelearning.seldon.io_seldondeployments.yaml")
    theirs["metadata"]["labels"] = {"app": "seldon", "app.kubernetes.io/name": "seldon-core-operator"}
    cluster.register_crd(theirs)
    before = len(cluster.requests)
    result = seldon_s2i(cluster, "install")
    assert result.returncode == 2
    assert "task 'Refuse to take over a SeldonDeployment CRD another installation owns' failed" in result.stderr
    assert "belongs to another installation (seldon-core-operator)" in result.stderr
    assert mutations(cluster, before) == []
