"""Fixtures of the controller's tests: the emulated cluster with the real CRD and the controller's own RBAC, and
the controller running in-process (a thread) as its ServiceAccount, so a verb its Role lacks fails the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from controller_support import CONTROLLER_NAMESPACE, CRD, NAMESPACE, Running, install_rbac
from kube_emulator import KubeEmulator
from kube_emulator.pytest_plugin import kube_api_client, kube_emulator, kube_emulator_session

__all__ = ["kube_api_client", "kube_emulator", "kube_emulator_session"]


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
    # Whatever a test did, the controller's role always sufficed.
    refused = [f"{request.method} {request.path}" for request in kube_emulator.requests
               if request.code == 403 and request.user.endswith(":seldon-controller")]
    assert refused == [], f"the controller was refused: {refused[:5]}"


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
