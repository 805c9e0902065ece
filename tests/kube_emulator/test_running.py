"""Running the emulator: kubeconfig, client configuration, reset, fault injection, request log, stop.

Checks: ``kubernetes.config`` loads the kubeconfig file (from KUBECONFIG, as tools do) and reaches the server over
plain HTTP on 127.0.0.1; ``reset`` empties the cluster but keeps the base namespaces; injected faults answer
with a Status error the given number of times; requests are recorded; two emulators are independent; ``stop``
frees the port; ``python -m kube_emulator`` serves by hand, registers CRD files, and stops on SIGTERM; the pytest
plugin (``-p kube_emulator.pytest_plugin``) gives each test an empty cluster and points KUBECONFIG at it.
"""

from __future__ import annotations

import os
import pathlib
import re
import signal
import socket
import subprocess
import sys

import kube_emulator as kube_emulator_package
import kubernetes.client
import kubernetes.config
import pytest
import requests
import yaml
from kube_emulator import KubeEmulator
from kubernetes.client import V1ConfigMap, V1ObjectMeta
from kubernetes.client.exceptions import ApiException


def test_kubeconfig_from_the_environment_reaches_the_server(kube_emulator: KubeEmulator) -> None:
    assert os.environ["KUBECONFIG"] == str(kube_emulator.kubeconfig_path)
    configuration = kubernetes.client.Configuration()
    kubernetes.config.load_kube_config(client_configuration=configuration)
    assert configuration.host == kube_emulator.url
    assert kube_emulator.url.startswith("http://127.0.0.1:")
    with kubernetes.client.ApiClient(configuration) as client:
        version = kubernetes.client.VersionApi(client).get_code()
    assert version.major == "1"


def test_reset_empties_the_cluster(kube_emulator: KubeEmulator, core: kubernetes.client.CoreV1Api,
                                   widget_crd: dict[str, object]) -> None:
    core.create_namespace(kubernetes.client.V1Namespace(metadata=V1ObjectMeta(name="scratch")))
    core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="left-over")))
    kube_emulator.reset()
    assert core.list_namespaced_config_map("default").items == []
    names = {namespace.metadata.name for namespace in core.list_namespace().items}
    assert names == {"default", "kube-system", "kube-public", "kube-node-lease", "openshift"}
    assert kube_emulator.store.catalogue.find("example.com", "v1", "widgets") is None
    kube_emulator.register_crd(widget_crd)
    kube_emulator.reset(keep_crds=True)
    assert kube_emulator.store.catalogue.find("example.com", "v1", "widgets") is not None


def test_injected_fault_answers_then_clears(kube_emulator: KubeEmulator, core: kubernetes.client.CoreV1Api) -> None:
    kube_emulator.inject_fault("GET", r"/configmaps$", status=503, reason="ServiceUnavailable", times=2)
    for _ in range(2):
        with pytest.raises(ApiException) as raised:
            core.list_namespaced_config_map("default")
        assert raised.value.status == 503
    assert core.list_namespaced_config_map("default").items == []


def test_requests_are_recorded(kube_emulator: KubeEmulator, core: kubernetes.client.CoreV1Api) -> None:
    core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="seen")))
    core.patch_namespaced_config_map("seen", "default", {"data": {"a": "1"}}, field_manager="tester")
    recorded = [(request.method, request.path) for request in kube_emulator.requests]
    assert recorded == [("POST", "/api/v1/namespaces/default/configmaps"),
                        ("PATCH", "/api/v1/namespaces/default/configmaps/seen")]
    assert kube_emulator.requests[-1].content_type == "application/strategic-merge-patch+json"
    assert kube_emulator.requests[-1].query == {"fieldManager": "tester"}


def test_emulators_are_independent_and_stop_frees_the_port() -> None:
    with KubeEmulator() as first, KubeEmulator() as second:
        first.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "only-here"}})
        assert first.get("v1", "ConfigMap", "only-here", "default") is not None
        assert second.get("v1", "ConfigMap", "only-here", "default") is None
        port = first.port
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/version", timeout=2)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))


def test_set_status_acts_as_a_controller(kube_emulator: KubeEmulator, apps: kubernetes.client.AppsV1Api) -> None:
    apps.create_namespaced_deployment("default", {
        "metadata": {"name": "d"}, "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {
            "metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}})
    kube_emulator.set_status("apps/v1", "Deployment", "d", {"readyReplicas": 1, "replicas": 1}, "default")
    assert apps.read_namespaced_deployment_status("d", "default").status.ready_replicas == 1


def _serve(*arguments: str) -> subprocess.Popen[str]:
    support = pathlib.Path(kube_emulator_package.__file__).parent.parent
    return subprocess.Popen([sys.executable, "-m", "kube_emulator", *arguments], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(support)})


def test_serving_by_hand_prints_the_kubeconfig_and_stops_on_sigterm(tmp_path: pathlib.Path) -> None:
    manifest = tmp_path / "crd.yaml"
    manifest.write_text(yaml.safe_dump({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "things.example.net"},
        "spec": {"group": "example.net", "scope": "Namespaced", "names": {"kind": "Thing", "plural": "things"},
                 "versions": [{"name": "v1", "served": True, "storage": True}]}}))
    process = _serve("--crd", str(manifest))
    assert process.stdout is not None
    first_line = process.stdout.readline()
    url = re.search(r"serving (http://\S+);", first_line)
    assert url, first_line
    assert requests.get(f"{url.group(1)}/apis/example.net/v1", timeout=5).json()["resources"][0]["name"] == "things"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0


def test_serving_by_hand_refuses_a_bad_crd_in_one_line(tmp_path: pathlib.Path) -> None:
    manifest = tmp_path / "crd.yaml"
    manifest.write_text("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x}\n")
    process = _serve("--crd", str(manifest))
    _, errors = process.communicate(timeout=30)
    assert process.returncode == 2
    assert errors.strip().count("\n") == 0
    assert errors.startswith(f"kube_emulator: cannot register {manifest}")


def test_pytest_plugin_gives_an_empty_cluster_per_test(tmp_path: pathlib.Path) -> None:
    (tmp_path / "test_uses_plugin.py").write_text(
        "import kubernetes.client\n"
        "import kubernetes.config\n\n\n"
        "def test_first(kube_api_client):\n"
        "    api = kubernetes.client.CoreV1Api(kube_api_client)\n"
        "    api.create_namespaced_config_map('default', {'metadata': {'name': 'left-over'}})\n\n\n"
        "def test_second(kube_emulator):\n"
        "    kubernetes.config.load_kube_config()  # from KUBECONFIG, as tools and kopf do\n"
        "    api = kubernetes.client.CoreV1Api()\n"
        "    assert api.list_namespaced_config_map('default').items == []\n")
    support = pathlib.Path(kube_emulator_package.__file__).parent.parent
    outcome = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "kube_emulator.pytest_plugin",
                              "-p", "no:cacheprovider", str(tmp_path)], capture_output=True, text=True, timeout=120,
                             cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(support)})
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert "2 passed" in outcome.stdout
