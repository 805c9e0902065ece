"""Fixtures of the controller's tests: the emulated cluster with the real CRD and the controller's own RBAC, and
the controller running in-process (a thread) as its ServiceAccount, so a verb its Role lacks fails the test."""

from __future__ import annotations

import pathlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import kubernetes.client
import kubernetes.config
import pytest
import yaml
from controller_support import CONTROLLER_NAMESPACE, NAMESPACE, eventually
from kube_emulator import KubeEmulator
from kube_emulator.pytest_plugin import kube_api_client, kube_emulator, kube_emulator_session
from seldon_controller.runner import Controller
from seldon_controller.settings import Settings

__all__ = ["kube_api_client", "kube_emulator", "kube_emulator_session"]

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


@pytest.fixture
def cluster(kube_emulator: KubeEmulator) -> Iterator[KubeEmulator]:
    """The emulator with the SeldonDeployment CRD, the namespaces and the controller's RBAC; RBAC enforced."""
    kube_emulator.register_crd(CRD)
    for name in (CONTROLLER_NAMESPACE, NAMESPACE):
        kube_emulator.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    install_rbac(kube_emulator)
    kube_emulator.authorization = True
    yield kube_emulator
    kube_emulator.authorization = False


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


@pytest.fixture
def run_controller(cluster: KubeEmulator) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start(**overrides: Any) -> Running:
        running = Running(cluster, **overrides).start()
        started.append(running)
        return running
    yield start
    for running in started:
        running.stop()


@pytest.fixture
def controller(run_controller: Callable[..., Running]) -> Running:
    return run_controller()
