"""Helpers of the controller's tests: the controller's RBAC installed in the emulator, the controller run in a
thread as its ServiceAccount, SeldonDeployment bodies, polling, and OpenShift's restricted-v2 check."""

from __future__ import annotations

import pathlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import kubernetes.client
import kubernetes.config
import requests
import yaml
from kube_emulator import KubeEmulator
from kubernetes.client.exceptions import ApiException
from seldon_controller.runner import Controller
from seldon_controller.settings import Settings

NAMESPACE = "models"
CONTROLLER_NAMESPACE = "seldon-system"
SDEP = "machinelearning.seldon.io/v1"


def eventually(check: Callable[[], Any], timeout: float = 20.0, what: str = "the condition") -> Any:
    """Poll ``check`` until it returns something truthy (generous: the machine is shared and loaded)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def seldon_deployment(name: str, *predictors: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {"apiVersion": SDEP, "kind": "SeldonDeployment", "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {"predictors": list(predictors) or [predictor()], **spec}}


def predictor(name: str = "default", image: str = "quay.io/example/classifier:1.0", container: str = "classifier",
              **fields: Any) -> dict[str, Any]:
    return {"name": name, "graph": {"name": container, "type": "MODEL"},
            "componentSpecs": [{"spec": {"containers": [{"name": container, "image": image}]}}], **fields}


def container(deployment: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(item for item in deployment["spec"]["template"]["spec"]["containers"]
                                 if item["name"] == name)
    return found


def env(container_spec: dict[str, Any]) -> dict[str, str]:
    return {entry["name"]: entry.get("value", "") for entry in container_spec.get("env") or []}


def restricted_v2_violations(pod_spec: dict[str, Any]) -> list[str]:
    """What OpenShift's restricted-v2 SCC would refuse in a pod spec (it assigns the UID from the namespace)."""
    found = []
    pod_context = pod_spec.get("securityContext") or {}
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod_spec.get(field):
            found.append(f"pod {field}")
    if any("hostPath" in volume for volume in pod_spec.get("volumes") or []):
        found.append("hostPath volume")
    allowed_volumes = {"configMap", "downwardAPI", "emptyDir", "persistentVolumeClaim", "projected", "secret",
                       "ephemeral", "csi"}
    for volume in pod_spec.get("volumes") or []:
        kinds = set(volume) - {"name"}
        if not kinds <= allowed_volumes:
            found.append(f"volume {volume['name']} of type {sorted(kinds)}")
    if pod_context.get("runAsUser") is not None:
        found.append("pod runAsUser (restricted-v2 assigns the UID)")
    for item in [*(pod_spec.get("containers") or []), *(pod_spec.get("initContainers") or [])]:
        context = {**pod_context, **(item.get("securityContext") or {})}
        name = item["name"]
        if context.get("privileged"):
            found.append(f"{name}: privileged")
        if context.get("allowPrivilegeEscalation") is not False:
            found.append(f"{name}: allowPrivilegeEscalation must be false")
        if context.get("runAsNonRoot") is not True:
            found.append(f"{name}: runAsNonRoot must be true")
        if context.get("runAsUser") is not None:
            found.append(f"{name}: runAsUser set (restricted-v2 assigns the UID)")
        if (context.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
            found.append(f"{name}: seccompProfile must be RuntimeDefault")
        capabilities = context.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            found.append(f"{name}: capabilities must drop ALL")
        if set(capabilities.get("add") or []) - {"NET_BIND_SERVICE"}:
            found.append(f"{name}: adds capabilities {capabilities['add']}")
        if any(port.get("hostPort") for port in item.get("ports") or []):
            found.append(f"{name}: hostPort")
    return found


ROOT = pathlib.Path(__file__).resolve().parents[2]
CRD = ROOT / "crds" / "machinelearning.seldon.io_seldondeployments.yaml"
MANIFESTS = ROOT / "controller" / "manifests"
RBAC_FILES = ("service-account.yaml", "cluster-role.yaml", "leader-election-role.yaml")


def install_rbac(cluster: KubeEmulator) -> None:
    """The controller's ServiceAccount, ClusterRole and Lease Role, from its manifests, in its namespace."""
    for file_name in RBAC_FILES:
        for document in yaml.safe_load_all((MANIFESTS / file_name).read_text()):
            document.setdefault("metadata", {}).setdefault("namespace", CONTROLLER_NAMESPACE)
            cluster.create(document)



def controller_client(cluster: KubeEmulator) -> kubernetes.client.ApiClient:
    configuration = kubernetes.client.Configuration()
    kubeconfig = cluster.service_account_kubeconfig(CONTROLLER_NAMESPACE, "seldon-controller")
    kubernetes.config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
    configuration.connection_pool_maxsize = 32
    return kubernetes.client.ApiClient(configuration)


class Running:
    """A controller running in a thread of the test process."""

    def __init__(self, cluster: KubeEmulator, **overrides: Any) -> None:
        options: dict[str, Any] = {"leader_election": False, "health_port": 0, "engine_image": "engine:test",
                                   "lease_namespace": CONTROLLER_NAMESPACE, "discovery_seconds": 0.5, **overrides}
        self.controller = Controller(Settings(**options), controller_client(cluster))
        self.thread = threading.Thread(target=self.controller.run, daemon=True)

    def start(self) -> Running:
        self.thread.start()
        eventually(self.controller.synced.is_set, what="the controller's caches to sync")
        return self

    def stop(self) -> None:
        self.controller.stop.set()
        self.thread.join(timeout=30)

    def reconcile_all(self) -> None:
        """Queue every SeldonDeployment and wait until as many reconciles more have finished."""
        wanted = self.reconciles() + len(self.controller.deployments.items())
        self.controller.requeue_all()
        eventually(lambda: self.reconciles() >= wanted and not len(self.controller.queue), what="the reconciles")

    def reconciles(self) -> float:
        return sum(sample.value for metric in self.controller.metrics.reconciles.collect()
                   for sample in metric.samples if sample.name.endswith("_total"))


KEDA_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "scaledobjects.keda.sh"},
    "spec": {"group": "keda.sh", "scope": "Namespaced",
             "names": {"kind": "ScaledObject", "plural": "scaledobjects", "singular": "scaledobject"},
             "versions": [{"name": "v1alpha1", "served": True, "storage": True, "subresources": {"status": {}},
                           "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                               "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                               "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}}}]}}


def set_spec(client: kubernetes.client.ApiClient, name: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Change a SeldonDeployment's spec as a user would: read it, change it, replace it (again after a 409, when
    the controller's status write came in between)."""
    objects = kubernetes.client.CustomObjectsApi(client)
    for _ in range(20):
        current = objects.get_namespaced_custom_object("machinelearning.seldon.io", "v1", NAMESPACE,
                                                       "seldondeployments", name)
        change(current["spec"])
        try:
            objects.replace_namespaced_custom_object("machinelearning.seldon.io", "v1", NAMESPACE,
                                                     "seldondeployments", name, current)
            return
        except ApiException as failure:
            if failure.status != 409:
                raise
    raise AssertionError(f"could not replace {name}: it kept changing")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ControllerProcess:
    """``seldon-controller run`` as a real process, as the controller's ServiceAccount, with fast Lease timings."""

    def __init__(self, cluster: KubeEmulator, identity: str, log_dir: pathlib.Path, *extra: str) -> None:
        self.identity = identity
        self.port = free_port()
        self.log_path = log_dir / f"{identity}.log"
        kubeconfig = cluster.service_account_kubeconfig(CONTROLLER_NAMESPACE, "seldon-controller")
        command = [str(pathlib.Path(sys.executable).parent / "seldon-controller"), "run",
                   "--kubeconfig", str(kubeconfig), "--identity", identity, "--health-port", str(self.port),
                   "--lease-namespace", CONTROLLER_NAMESPACE, "--lease-duration", "2", "--renew-deadline", "1.5",
                   "--retry-period", "0.2", "--json-logs", "true", "--engine-image", "engine:test", *extra]
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)

    def metric(self, name: str) -> float | None:
        """The sum of a metric's samples, or None while the process does not answer."""
        try:
            text = requests.get(f"http://127.0.0.1:{self.port}/metrics", timeout=2).text
        except requests.RequestException:
            return None
        values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                  if line.startswith(name) and (line[len(name)] in " {")]
        return sum(values) if values else 0.0

    def signal(self, number: int) -> int:
        self.process.send_signal(number)
        try:
            return self.process.wait(timeout=30)
        finally:
            self.log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self.log.close()
