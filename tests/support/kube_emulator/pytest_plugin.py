"""Pytest fixtures for the API server emulator: one server per session, emptied before each test.

Enable with ``pytest_plugins = ["kube_emulator.pytest_plugin"]`` in the root ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import kubernetes.client
import kubernetes.config.kube_config
import pytest

from kube_emulator.running import KubeEmulator


@pytest.fixture(scope="session")
def kube_emulator_session() -> Iterator[KubeEmulator]:
    """The session's emulated API server (not reset; use ``kube_emulator`` in tests)."""
    with KubeEmulator() as cluster:
        yield cluster


@pytest.fixture
def kube_emulator(kube_emulator_session: KubeEmulator, monkeypatch: pytest.MonkeyPatch) -> KubeEmulator:
    """An empty emulated cluster; ``KUBECONFIG`` points at it for the duration of the test."""
    kube_emulator_session.reset()
    kubeconfig = str(kube_emulator_session.kubeconfig_path)
    monkeypatch.setenv("KUBECONFIG", kubeconfig)
    # The kubernetes client reads KUBECONFIG once, at import; in-process callers of load_kube_config()
    # (kopf's login among them) would otherwise miss the emulator.
    monkeypatch.setattr(kubernetes.config.kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", kubeconfig)
    return kube_emulator_session


@pytest.fixture
def kube_api_client(kube_emulator: KubeEmulator) -> Iterator[kubernetes.client.ApiClient]:
    """A ``kubernetes`` client bound to the emulated cluster."""
    with kube_emulator.api_client() as client:
        yield client
