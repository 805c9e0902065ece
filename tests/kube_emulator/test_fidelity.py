"""Lease MicroTimes, Deployment generation, and garbage collection driven by writes, as on a real cluster.

Checks: Lease renewTime/acquireTime need exactly six fractional digits and a zone and come back in UTC; an
annotation change moves a Deployment's generation; objects written with dangling, cross-namespace or
wrong-name owner references are collected; two controller references are 422; foreground deletion waits only
for dependents that block it; by default the collector runs after the DELETE has answered; a Secret's stringData
is stored as data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import kubernetes.client
import pytest
import requests
from kube_emulator import KubeEmulator

LEASES = "/apis/coordination.k8s.io/v1/namespaces/default/leases"


def _eventually(check: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def _lease(renew: str) -> dict[str, Any]:
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "leader"},
            "spec": {"holderIdentity": "me", "renewTime": renew, "acquireTime": renew}}


@pytest.mark.parametrize(("sent", "stored"), [("2026-01-02T03:04:05.123456Z", "2026-01-02T03:04:05.123456Z"),
                                              ("2026-01-02T05:04:05.000001+02:00", "2026-01-02T03:04:05.000001Z")])
def test_lease_times_are_micro_times_in_utc(kube_emulator: KubeEmulator, sent: str, stored: str) -> None:
    answer = requests.post(f"{kube_emulator.url}{LEASES}", json=_lease(sent), timeout=10)
    assert answer.status_code == 201
    assert (answer.json()["spec"]["renewTime"], answer.json()["spec"]["acquireTime"]) == (stored, stored)


@pytest.mark.parametrize("sent", ["2026-01-02T03:04:05Z", "2026-01-02T03:04:05.123Z", "2026-01-02T03:04:05.123456",
                                  "2026-01-02 03:04:05.123456Z", "yesterday"])
def test_other_time_formats_are_refused(kube_emulator: KubeEmulator, sent: str) -> None:
    answer = requests.post(f"{kube_emulator.url}{LEASES}", json=_lease(sent), timeout=10)
    assert answer.status_code == 400
    assert sent in answer.json()["message"]


def test_an_annotation_change_moves_a_deployments_generation(kube_emulator: KubeEmulator,
                                                             apps: kubernetes.client.AppsV1Api) -> None:
    apps.create_namespaced_deployment("default", {"metadata": {"name": "g"}, "spec": {
        "selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}, "spec": {
            "containers": [{"name": "c", "image": "i"}]}}}})
    patched = apps.patch_namespaced_deployment("g", "default", {"metadata": {"annotations": {"x": "1"}}})
    assert patched.metadata.generation == 2
    labelled = apps.patch_namespaced_deployment("g", "default", {"metadata": {"labels": {"y": "1"}}})
    assert labelled.metadata.generation == 2


def _config_map(core: kubernetes.client.CoreV1Api, name: str, namespace: str = "default",
                owners: list[dict[str, Any]] | None = None) -> Any:
    return core.create_namespaced_config_map(namespace, {"metadata": {"name": name, "ownerReferences": owners}})


def _exists(core: kubernetes.client.CoreV1Api, name: str, namespace: str = "default") -> bool:
    return any(item.metadata.name == name for item in core.list_namespaced_config_map(namespace).items)


def test_objects_written_with_absent_owners_are_collected(kube_emulator: KubeEmulator,
                                                          core: kubernetes.client.CoreV1Api) -> None:
    core.create_namespace({"metadata": {"name": "elsewhere"}})
    owner = _config_map(core, "owner")
    reference = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner.metadata.uid}
    _config_map(core, "dangling", owners=[{**reference, "uid": "0d7c5f3e-0000-4000-8000-000000000000"}])
    _config_map(core, "wrong-name", owners=[{**reference, "name": "someone-else"}])
    _config_map(core, "cross-namespace", "elsewhere", owners=[reference])
    _config_map(core, "kept", owners=[reference])
    _eventually(lambda: not _exists(core, "dangling") and not _exists(core, "wrong-name")
                and not _exists(core, "cross-namespace", "elsewhere"))
    assert _exists(core, "kept")
    time.sleep(0.5)
    assert _exists(core, "kept") and _exists(core, "owner")


def test_two_controller_references_are_invalid(kube_emulator: KubeEmulator) -> None:
    references = [{"apiVersion": "v1", "kind": "ConfigMap", "name": name, "uid": f"uid-{name}", "controller": True}
                  for name in ("a", "b")]
    answer = requests.post(f"{kube_emulator.url}/api/v1/namespaces/default/configmaps", timeout=10,
                           json={"metadata": {"name": "twice", "ownerReferences": references}})
    assert answer.status_code == 422
    assert "Only one reference can have Controller set to true" in answer.json()["message"]


def test_foreground_deletion_waits_only_for_blocking_dependents(kube_emulator: KubeEmulator,
                                                                core: kubernetes.client.CoreV1Api) -> None:
    owner = _config_map(core, "fg")
    reference = {"apiVersion": "v1", "kind": "ConfigMap", "name": "fg", "uid": owner.metadata.uid}
    core.create_namespaced_config_map("default", {"metadata": {"name": "loose", "finalizers": ["example.com/hold"],
                                                               "ownerReferences": [reference]}})
    core.delete_namespaced_config_map("fg", "default", propagation_policy="Foreground")
    _eventually(lambda: not _exists(core, "fg"))
    assert core.read_namespaced_config_map("loose", "default").metadata.deletion_timestamp is not None


def test_dependents_outlive_the_delete_answer_by_default(kube_emulator: KubeEmulator,
                                                         core: kubernetes.client.CoreV1Api) -> None:
    owner = _config_map(core, "parent")
    _config_map(core, "child", owners=[{"apiVersion": "v1", "kind": "ConfigMap", "name": "parent",
                                        "uid": owner.metadata.uid}])
    core.delete_namespaced_config_map("parent", "default")
    assert _exists(core, "child")
    _eventually(lambda: not _exists(core, "child"))


def test_secret_string_data_is_stored_as_data(kube_emulator: KubeEmulator, core: kubernetes.client.CoreV1Api) -> None:
    core.create_namespaced_secret("default", {"metadata": {"name": "hook"}, "data": {"kept": "YQ=="},
                                              "stringData": {"WebHookSecretKey": "s3cret", "kept": "b"}})
    stored = core.read_namespaced_secret("hook", "default")
    assert stored.data == {"kept": "Yg==", "WebHookSecretKey": "czNjcmV0"}
    assert stored.string_data is None
