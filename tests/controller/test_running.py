"""``seldon-controller run`` as a real process: health, metrics, JSON logs, graceful stop, leader election,
and 20 kills and restarts during a burst of changes.

Checks: the process serves /healthz, /readyz and /metrics, logs one JSON object a line, reconciles, and on
SIGTERM exits 0 and releases its Lease; a bad setting exits 2 naming the flag; of two controllers exactly one
leads and acts, and the other takes over when the leader is killed; killed (SIGKILL or SIGTERM) and restarted 20
times while SeldonDeployments are created, edited and deleted, the controller converges with no orphan and no
duplicate.
"""

from __future__ import annotations

import json
import os
import pathlib
import random
import signal
import subprocess
import sys
import threading
from typing import Any

import pytest
import requests
from controller_support import (
    CONTROLLER_NAMESPACE,
    NAMESPACE,
    SDEP,
    ControllerProcess,
    eventually,
    predictor,
    seldon_deployment,
)
from kube_emulator import KubeEmulator
from kube_emulator.admission import WriteOptions

CYCLES = int(os.environ.get("CONTROLLER_KILL_CYCLES", "20"))


def _lease(cluster: KubeEmulator) -> dict[str, Any]:
    found = cluster.get("coordination.k8s.io/v1", "Lease", "seldon-controller-leader", CONTROLLER_NAMESPACE)
    return (found or {}).get("spec") or {}


def test_the_process_serves_health_and_metrics_logs_json_and_stops_gracefully(
        cluster: KubeEmulator, tmp_path: pathlib.Path) -> None:
    running = ControllerProcess(cluster, "solo", tmp_path)
    try:
        eventually(lambda: running.metric("seldon_controller_leader") == 1, what="leadership")
        eventually(lambda: requests.get(f"http://127.0.0.1:{running.port}/readyz", timeout=2).status_code == 200,
                   what="readiness")
        assert requests.get(f"http://127.0.0.1:{running.port}/healthz", timeout=2).text == "ok"
        cluster.create(seldon_deployment("iris"))
        eventually(lambda: cluster.get("apps/v1", "Deployment", "iris-default-0-classifier", NAMESPACE))
        eventually(lambda: (running.metric("seldon_controller_reconciles_total") or 0) >= 1)
        assert _lease(cluster)["holderIdentity"] == "solo"
        assert running.signal(signal.SIGTERM) == 0
    finally:
        running.stop()
    assert _lease(cluster)["holderIdentity"] == ""
    lines = [json.loads(line) for line in running.log_path.read_text().splitlines() if line.strip()]
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    assert any("became the leader" in line["message"] for line in lines)


def test_a_bad_setting_names_its_flag_and_variable() -> None:
    command = [str(pathlib.Path(sys.executable).parent / "seldon-controller"), "run", "--workers", "many"]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 2
    assert "--workers: 'many' is not a valid int" in finished.stderr
    finished = subprocess.run(command[:2], capture_output=True, text=True, timeout=60,
                              env={"SELDON_CONTROLLER_LEASE_DURATION": "soon", "PATH": ""})
    assert finished.returncode == 2
    assert "SELDON_CONTROLLER_LEASE_DURATION: 'soon' is not a valid float" in finished.stderr


def test_of_two_controllers_exactly_one_leads_and_acts(cluster: KubeEmulator, tmp_path: pathlib.Path) -> None:
    first, second = ControllerProcess(cluster, "first", tmp_path), ControllerProcess(cluster, "second", tmp_path)
    try:
        eventually(lambda: (first.metric("seldon_controller_leader"), second.metric("seldon_controller_leader"))
                   in ((1, 0), (0, 1)), what="one leader")
        leader, standby = (first, second) if first.metric("seldon_controller_leader") == 1 else (second, first)
        cluster.create(seldon_deployment("one"))
        eventually(lambda: cluster.get("apps/v1", "Deployment", "one-default-0-classifier", NAMESPACE))
        eventually(lambda: (leader.metric("seldon_controller_reconciles_total") or 0) >= 1)
        assert standby.metric("seldon_controller_reconciles_total") == 0
        assert standby.metric("seldon_controller_leader") == 0
        assert _lease(cluster)["holderIdentity"] == leader.identity
        leader.signal(signal.SIGKILL)
        eventually(lambda: standby.metric("seldon_controller_leader") == 1, what="the standby taking over")
        cluster.create(seldon_deployment("two"))
        eventually(lambda: cluster.get("apps/v1", "Deployment", "two-default-0-classifier", NAMESPACE))
        assert _lease(cluster)["holderIdentity"] == standby.identity
        assert _lease(cluster)["leaseTransitions"] >= 1
    finally:
        first.stop()
        second.stop()


def _burst(cluster: KubeEmulator, stop: threading.Event, seed: int) -> None:
    """Create, edit and delete SeldonDeployments until told to stop (as the admin, like users would)."""
    chooser = random.Random(seed)
    serial = 0
    while not stop.is_set():
        names = [obj["metadata"]["name"] for obj in cluster.list_objects(SDEP, "SeldonDeployment", NAMESPACE)]
        action = chooser.random()
        try:
            if (action < 0.5 or len(names) < 3) and len(names) < 25:
                serial += 1
                cluster.create(seldon_deployment(f"burst-{serial}", predictor(replicas=chooser.randint(1, 3))))
            elif action < 0.85:
                current = cluster.get(SDEP, "SeldonDeployment", chooser.choice(names), NAMESPACE)
                if current is not None:
                    current["spec"]["predictors"][0]["replicas"] = chooser.randint(1, 5)
                    current["spec"]["predictors"][0]["componentSpecs"][0]["spec"]["containers"][0]["image"] = (
                        f"quay.io/example/classifier:{chooser.randint(1, 9)}")
                    resource = cluster.resource(SDEP, "SeldonDeployment")
                    cluster.store.replace(resource, NAMESPACE, current["metadata"]["name"], current,
                                          WriteOptions(field_manager="burst"))
            else:
                cluster.store.delete(cluster.resource(SDEP, "SeldonDeployment"), NAMESPACE, chooser.choice(names))
        except Exception:  # a concurrent change (409) or a name deleted meanwhile: the burst goes on
            pass
        stop.wait(0.05)


def _unsettled(cluster: KubeEmulator) -> list[str]:
    """What differs from: every SeldonDeployment has exactly its objects at its spec, nothing else is labelled."""
    sdeps = {obj["metadata"]["name"]: obj for obj in cluster.list_objects(SDEP, "SeldonDeployment", NAMESPACE)}
    found = []
    for api_version, kind in (("apps/v1", "Deployment"), ("v1", "Service"), ("route.openshift.io/v1", "Route")):
        for obj in cluster.list_objects(api_version, kind, NAMESPACE):
            owner = obj["metadata"]["labels"].get("seldon-deployment-id")
            if owner not in sdeps or [ref["uid"] for ref in obj["metadata"]["ownerReferences"]] != [
                    sdeps[owner]["metadata"]["uid"]]:
                found.append(f"orphan {kind}/{obj['metadata']['name']}")
    for name, sdep in sdeps.items():
        deployment = cluster.get("apps/v1", "Deployment", f"{name}-default-0-classifier", NAMESPACE)
        wanted = sdep["spec"]["predictors"][0]
        if deployment is None or deployment["spec"]["replicas"] != wanted.get("replicas"):
            found.append(f"Deployment of {name} missing or not at its spec")
        for service in (f"{name}-default", f"{name}-default-classifier"):
            if cluster.get("v1", "Service", service, NAMESPACE) is None:
                found.append(f"Service {service} missing")
        if (sdep.get("status") or {}).get("observedGeneration") != sdep["metadata"]["generation"]:
            found.append(f"status of {name} not at generation {sdep['metadata']['generation']}")
    return found


def _await_leadership(running: ControllerProcess, cycle: int) -> None:
    eventually(lambda: running.metric("seldon_controller_leader") == 1, timeout=30, what=f"leadership in cycle {cycle}")


@pytest.mark.slow
def test_twenty_kills_and_restarts_during_a_burst_converge_without_orphans_or_duplicates(
        cluster: KubeEmulator, tmp_path: pathlib.Path) -> None:
    stop = threading.Event()
    burst = threading.Thread(target=_burst, args=(cluster, stop, 13), daemon=True)
    burst.start()
    chooser = random.Random(7)
    try:
        for cycle in range(CYCLES):
            running = ControllerProcess(cluster, f"cycle-{cycle}", tmp_path)
            try:
                _await_leadership(running, cycle)
                stop.wait(chooser.uniform(0.2, 1.0))
                running.signal(signal.SIGKILL if cycle % 2 else signal.SIGTERM)
            finally:
                running.stop()
    finally:
        stop.set()
        burst.join(timeout=30)
    final = ControllerProcess(cluster, "final", tmp_path)
    try:
        try:
            eventually(lambda: not _unsettled(cluster), timeout=60, what="convergence after the burst")
        except AssertionError as failure:
            raise AssertionError(f"{failure}: {_unsettled(cluster)[:10]}") from None
    finally:
        final.stop()
    names = [obj["metadata"]["name"] for obj in cluster.list_objects("apps/v1", "Deployment", NAMESPACE)]
    assert len(names) == len(set(names)) == len(cluster.list_objects(SDEP, "SeldonDeployment", NAMESPACE))
