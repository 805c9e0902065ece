"""End to end with real pods: the Deployment the controller generates for examples/graphs/pipeline.yaml (output
transformer -> transformer -> model, all three and the orchestrator in one pod, as Seldon's default puts them, so
they reach each other on localhost), with images from ``seldon-s2i build``, run by ``podman kube play`` as UID
12345 in group 0, answers predictions through the orchestrator's REST (8000) and gRPC (5001) ports.

This is the proof that the generated pod spec really runs: the orchestrator's command, image and ENGINE_PREDICTOR
(endpoints on localhost), the graph containers' PREDICTIVE_UNIT_* environment and port numbering (each server
listens where its ports, probes and the orchestrator say), the probes' endpoints, and a security context under
which every container runs as an arbitrary non-root UID with no capabilities.

What the test changes in the generated Deployment before playing it, and why (tests/support/kube_play.py):
- the pod's securityContext gets runAsUser 12345 and runAsGroup 0: OpenShift's restricted-v2 SCC assigns them
  (the controller rightly sets none);
- every container port gets hostIP 127.0.0.1 and a free hostPort: podman publishes only ports with a hostPort;
- the downward API volume ``seldon-podinfo`` becomes a ConfigMap volume holding the same ``annotations`` file:
  podman has no downward API volumes;
- readiness and liveness probes are taken out and performed by the test from outside, as the kubelet does:
  podman ignores readiness probes and would run httpGet liveness probes as ``curl`` inside the containers (the
  images have no curl).
Nothing else: images, command, env, ports, resources, capabilities and the rest are the controller's. podman
ignores ``runAsNonRoot``, ``seccompProfile`` (its default filter applies) and ``lifecycle``: the UID, group,
capabilities and seccomp mode are checked on the running processes instead, and the preStop hooks are run in
their containers before ``podman kube down``, which must stop every server with SIGTERM alone.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import grpc
import pytest
import requests
from google.protobuf import json_format
from kube_play import ASSIGNED_UID, PlayedPod, local_run, played
from prometheus_client.parser import text_string_to_metric_families
from seldon_controller.naming import ENGINE_CONTAINER
from seldon_s2i.protos import prediction_pb2, prediction_pb2_grpc

pytestmark = [pytest.mark.container, pytest.mark.slow, pytest.mark.timeout(900)]

ENGINE = ENGINE_CONTAINER
# A setosa-like and a virginica-like flower: the pipeline answers the index of the best class.
REQUEST = {"data": {"names": ["sl", "sw", "pl", "pw"], "ndarray": [[5.0, 3.4, 1.5, 0.2], [6.5, 3.0, 5.5, 2.0]]}}
BEST_CLASSES = [[0], [2]]


def _graph_images(deployment: dict[str, Any]) -> dict[str, str]:
    return {container["name"]: container["image"] for container in deployment["spec"]["template"]["spec"]["containers"]
            if container["name"] != ENGINE}


def _processes(container_id: str) -> list[list[str]]:
    top = subprocess.run(["podman", "top", container_id, "user", "group", "capeff", "seccomp"],
                         capture_output=True, text=True, check=True)
    return [line.split() for line in top.stdout.splitlines()[1:] if line.strip()]


def _assert_runs_restricted(pod: PlayedPod) -> None:
    for container in pod.containers():
        for user, group, capabilities, seccomp in _processes(container.id):
            assert (user, group, capabilities, seccomp) == (str(ASSIGNED_UID), "root", "none", "filter"), container


def _calls_by_transport(metrics_port: int, deployment_id: str) -> dict[tuple[str, str], int]:
    text = requests.get(f"http://127.0.0.1:{metrics_port}/prometheus", timeout=10).text
    calls: dict[tuple[str, str], int] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "seldon_api_microservice_requests_seconds_count":
                assert sample.labels["deployment_name"] == deployment_id
                key = (sample.labels["model_name"], sample.labels["transport"])
                calls[key] = calls.get(key, 0) + int(sample.value)
    return calls


def _assert_answer_went_through_every_node(body: dict[str, Any], graph_images: dict[str, str]) -> None:
    assert body["meta"]["requestPath"] == graph_images
    assert body["data"]["ndarray"] == BEST_CLASSES
    assert body["data"]["names"] == ["class"]


def test_the_generated_pod_answers_through_the_orchestrator_as_an_arbitrary_uid(
        generated_deployment: dict[str, Any], tmp_path: Path) -> None:
    run = local_run(generated_deployment)
    graph_images = _graph_images(generated_deployment)
    assert len(graph_images) == 3
    with played(run, tmp_path) as pod:
        assert sorted(container.name for container in pod.containers()) == sorted([ENGINE, *graph_images])
        pod.wait_ready(timeout=240)
        assert [probe for probe in run.probes if not pod.probe(probe)] == [], "liveness endpoints answer too"
        _assert_runs_restricted(pod)

        rest = f"http://127.0.0.1:{run.host_ports[8000]}/api/v1.0/predictions"
        answer = requests.post(rest, json=REQUEST, timeout=30)
        assert answer.status_code == 200, answer.text
        _assert_answer_went_through_every_node(answer.json(), graph_images)

        with grpc.insecure_channel(f"127.0.0.1:{run.host_ports[5001]}") as channel:
            reply = prediction_pb2_grpc.SeldonStub(channel).Predict(
                json_format.ParseDict(REQUEST, prediction_pb2.SeldonMessage()), timeout=30)
        grpc_body = json_format.MessageToDict(reply)
        _assert_answer_went_through_every_node(grpc_body, graph_images)

        # Each graph container counted one call per transport on the metrics port its spec gives it, under the
        # identity its environment gives it: the orchestrator reached it on both its REST and its gRPC port.
        deployment_id = generated_deployment["metadata"]["labels"]["seldon-deployment-id"]
        for container in generated_deployment["spec"]["template"]["spec"]["containers"]:
            metrics_ports = [port["containerPort"] for port in container["ports"] if port["name"] == "metrics"]
            if container["name"] != ENGINE:
                assert _calls_by_transport(run.host_ports[metrics_ports[0]], deployment_id) == {
                    (container["name"], "rest"): 1, (container["name"], "grpc"): 1}
        assert [container for container in pod.containers() if container.restarts] == []

        # Stopped as the kubelet stops a pod: the preStop hooks run in their containers, then SIGTERM stops every
        # server before podman's stop timeout would resort to SIGKILL.
        graph_hooks = pod.run_pre_stop_hooks()
        assert graph_hooks == dict.fromkeys(graph_images, 0)
        down = pod.down()
        assert down.returncode == 0, down.stderr
        assert "resorting to SIGKILL" not in down.stderr
        assert pod.pod_ids() == [], "podman kube down removes the pod and its containers"
    assert pod.pod_ids() == [] and pod.volumes() == []
