"""Reconciliation of a SeldonDeployment into Seldon's objects, over real HTTP against the emulator, as the
controller's own ServiceAccount under its least-privilege role.

Checks: a single-model graph gets its Deployment (the orchestrator injected with ENGINE_PREDICTOR and its ports,
Seldon's PREDICTIVE_UNIT_* environment, port numbering, probes, names, labels, selector, owner reference,
restricted-v2 pod) and Services; status moves from Creating to Available when the Deployment is; no-engine
predictors get no orchestrator; a reconcile with nothing to change writes nothing; fields other managers own
stay; deleting the SeldonDeployment takes everything along.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import kubernetes.client
from controller_support import (
    NAMESPACE,
    SDEP,
    container,
    env,
    eventually,
    predictor,
    restricted_v2_violations,
    seldon_deployment,
    set_spec,
)
from kube_emulator import KubeEmulator

WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _create(cluster: KubeEmulator, body: dict[str, Any]) -> dict[str, Any]:
    return cluster.create(body)


def _deployment(cluster: KubeEmulator, name: str) -> dict[str, Any] | None:
    return cluster.get("apps/v1", "Deployment", name, NAMESPACE)


def _ready(cluster: KubeEmulator, name: str) -> None:
    live = _deployment(cluster, name)
    assert live is not None
    replicas = live["spec"]["replicas"]
    cluster.set_status("apps/v1", "Deployment", name, {
        "observedGeneration": live["metadata"]["generation"], "replicas": replicas, "readyReplicas": replicas,
        "availableReplicas": replicas, "updatedReplicas": replicas}, NAMESPACE)


def _status(cluster: KubeEmulator, name: str) -> dict[str, Any]:
    found = cluster.get(SDEP, "SeldonDeployment", name, NAMESPACE)
    return (found or {}).get("status") or {}


def test_a_single_model_graph_gets_seldons_objects(cluster: KubeEmulator, controller: Any) -> None:
    sdep = _create(cluster, seldon_deployment("iris"))
    deployment = eventually(lambda: _deployment(cluster, "iris-default-0-classifier"), what="the Deployment")
    meta = deployment["metadata"]
    assert meta["ownerReferences"] == [{"apiVersion": SDEP, "kind": "SeldonDeployment", "name": "iris",
                                        "uid": sdep["metadata"]["uid"], "controller": True,
                                        "blockOwnerDeletion": True}]
    labels = meta["labels"]
    assert {key: labels[key] for key in ("seldon-deployment-id", "app", "version", "seldon.io/model",
                                         "seldon-app", "seldon-deployment-contains-svcorch",
                                         "seldon-app-svc-classifier")} == {
        "seldon-deployment-id": "iris", "app": "iris-default-0-classifier", "version": "default",
        "seldon.io/model": "true", "seldon-app": "iris-default", "seldon-deployment-contains-svcorch": "true",
        "seldon-app-svc-classifier": "iris-default-classifier"}
    spec = deployment["spec"]
    assert spec["replicas"] == 1
    assert spec["selector"] == {"matchLabels": {"seldon-deployment-id": "iris", "app": "iris-default-0-classifier"}}
    pod = spec["template"]["spec"]
    assert [item["name"] for item in pod["containers"]] == ["seldon-container-engine", "classifier"]
    assert restricted_v2_violations(pod) == []
    engine = container(deployment, "seldon-container-engine")
    assert engine["image"] == "engine:test"
    assert engine["command"] == ["seldon-engine"]
    engine_env = env(engine)
    assert (engine_env["ENGINE_SERVER_PORT"], engine_env["ENGINE_SERVER_GRPC_PORT"]) == ("8000", "5001")
    assert engine_env["SELDON_DEPLOYMENT_ID"] == "iris"
    assert engine_env["POD_NAMESPACE"] == deployment["metadata"]["namespace"]
    graph = json.loads(base64.b64decode(engine_env["ENGINE_PREDICTOR"]))
    assert graph["graph"]["endpoint"] == {"service_host": "localhost", "service_port": 9000, "httpPort": 9000,
                                          "grpcPort": 9500, "type": "REST"}
    assert [(port["name"], port["containerPort"]) for port in engine["ports"]] == [("http", 8000), ("grpc", 5001)]
    assert engine["readinessProbe"]["httpGet"]["path"] == "/ready"
    model = container(deployment, "classifier")
    model_env = env(model)
    assert {key: model_env[key] for key in ("PREDICTIVE_UNIT_SERVICE_PORT", "PREDICTIVE_UNIT_HTTP_SERVICE_PORT",
                                            "PREDICTIVE_UNIT_GRPC_SERVICE_PORT", "PREDICTIVE_UNIT_ID",
                                            "PREDICTOR_ID", "SELDON_DEPLOYMENT_ID",
                                            "PREDICTIVE_UNIT_METRICS_SERVICE_PORT")} == {
        "PREDICTIVE_UNIT_SERVICE_PORT": "9000", "PREDICTIVE_UNIT_HTTP_SERVICE_PORT": "9000",
        "PREDICTIVE_UNIT_GRPC_SERVICE_PORT": "9500", "PREDICTIVE_UNIT_ID": "classifier",
        "PREDICTOR_ID": "default", "SELDON_DEPLOYMENT_ID": "iris", "PREDICTIVE_UNIT_METRICS_SERVICE_PORT": "6000"}
    assert json.loads(model_env["PREDICTOR_LABELS"]) == {"version": "default"}
    assert [(port["name"], port["containerPort"]) for port in model["ports"]] == [
        ("http", 9000), ("grpc", 9500), ("metrics", 6000)]
    assert model["readinessProbe"]["httpGet"] == {"path": "/health/ping", "port": 9000, "scheme": "HTTP"}
    assert model["livenessProbe"]["initialDelaySeconds"] == 60
    front = eventually(lambda: cluster.get("v1", "Service", "iris-default", NAMESPACE), what="the predictor Service")
    assert front["spec"]["selector"] == {"seldon-app": "iris-default"}
    assert [(port["name"], port["port"], port["targetPort"]) for port in front["spec"]["ports"]] == [
        ("http", 8000, 8000), ("grpc", 5001, 5001)]
    unit = eventually(lambda: cluster.get("v1", "Service", "iris-default-classifier", NAMESPACE))
    assert unit["spec"]["selector"] == {"seldon-app-svc-classifier": "iris-default-classifier"}
    assert [(port["name"], port["port"]) for port in unit["spec"]["ports"]] == [("http", 9000), ("grpc", 9500)]


def test_status_goes_available_once_the_deployment_is(cluster: KubeEmulator, controller: Any) -> None:
    _create(cluster, seldon_deployment("iris"))
    creating = eventually(lambda: _status(cluster, "iris").get("state") == "Creating" and _status(cluster, "iris"))
    assert "iris-default-0-classifier" in creating["description"]
    _ready(cluster, "iris-default-0-classifier")
    status = eventually(lambda: _status(cluster, "iris").get("state") == "Available" and _status(cluster, "iris"),
                        what="state Available")
    assert status["address"] == {"url": "http://iris-default.models.svc.cluster.local:8000/api/v1.0/predictions"}
    assert status["observedGeneration"] == 1
    assert status["replicas"] == 1
    assert status["deploymentStatus"]["iris-default-0-classifier"]["availableReplicas"] == 1
    assert status["serviceStatus"]["iris-default"] == {"svcName": "iris-default",
                                                       "httpEndpoint": "iris-default.models:8000",
                                                       "grpcEndpoint": "iris-default.models:5001"}
    assert {condition["type"]: condition["status"] for condition in status["conditions"]} == {
        "DeploymentsReady": "True", "ServicesReady": "True", "RoutesReady": "True", "Ready": "True"}
    # Kept by the CRD's status schema (an unknown field would be pruned by the API server).
    assert {condition["observedGeneration"] for condition in status["conditions"]} == {1}


def test_no_engine_points_the_predictor_service_at_the_model(cluster: KubeEmulator, controller: Any) -> None:
    _create(cluster, seldon_deployment("solo", predictor(annotations={"seldon.io/no-engine": "true"})))
    deployment = eventually(lambda: _deployment(cluster, "solo-default-0-classifier"))
    assert [item["name"] for item in deployment["spec"]["template"]["spec"]["containers"]] == ["classifier"]
    assert deployment["metadata"]["labels"]["seldon-app"] == "solo-default"
    front = eventually(lambda: cluster.get("v1", "Service", "solo-default", NAMESPACE))
    assert [port["targetPort"] for port in front["spec"]["ports"]] == [9000, 9500]


def _writes(cluster: KubeEmulator) -> list[str]:
    return [f"{request.method} {request.path}" for request in cluster.requests
            if request.method in WRITES and request.user.endswith(":seldon-controller")]


def test_a_reconcile_with_nothing_to_change_writes_nothing(cluster: KubeEmulator, controller: Any) -> None:
    _create(cluster, seldon_deployment("calm"))
    eventually(lambda: _deployment(cluster, "calm-default-0-classifier"))
    _ready(cluster, "calm-default-0-classifier")
    eventually(lambda: _status(cluster, "calm").get("state") == "Available")
    before = len(_writes(cluster))
    for _ in range(3):
        controller.reconcile_all()
    assert _writes(cluster)[before:] == []


def test_fields_other_managers_own_are_left_alone(cluster: KubeEmulator, controller: Any,
                                                  kube_api_client: kubernetes.client.ApiClient) -> None:
    _create(cluster, seldon_deployment("shared"))
    eventually(lambda: _deployment(cluster, "shared-default-0-classifier"))
    apps = kubernetes.client.AppsV1Api(kube_api_client)
    apps.patch_namespaced_deployment("shared-default-0-classifier", NAMESPACE, {"metadata": {
        "labels": {"team": "fraud"}, "annotations": {"owner": "someone"}}}, field_manager="someone")
    set_spec(kube_api_client, "shared", lambda spec: spec["predictors"][0].update(replicas=2))
    after = eventually(lambda: (found := _deployment(cluster, "shared-default-0-classifier"))
                       and found["spec"]["replicas"] == 2 and found)
    assert after["metadata"]["labels"]["team"] == "fraud"
    assert after["metadata"]["annotations"]["owner"] == "someone"


def test_deleting_the_seldon_deployment_takes_everything_along(cluster: KubeEmulator, controller: Any,
                                                               kube_api_client: kubernetes.client.ApiClient) -> None:
    _create(cluster, seldon_deployment("gone"))
    eventually(lambda: cluster.get("v1", "Service", "gone-default-classifier", NAMESPACE))
    kubernetes.client.CustomObjectsApi(kube_api_client).delete_namespaced_custom_object(
        "machinelearning.seldon.io", "v1", NAMESPACE, "seldondeployments", "gone")
    eventually(lambda: not cluster.list_objects("apps/v1", "Deployment", NAMESPACE)
               and not cluster.list_objects("v1", "Service", NAMESPACE)
               and not cluster.list_objects("route.openshift.io/v1", "Route", NAMESPACE), what="everything gone")


def test_a_namespaced_controller_leaves_other_namespaces_alone(cluster: KubeEmulator,
                                                               run_controller: Callable[..., Any]) -> None:
    run_controller(namespace=NAMESPACE)
    elsewhere = seldon_deployment("elsewhere")
    elsewhere["metadata"]["namespace"] = "default"
    cluster.create(elsewhere)
    cluster.create(seldon_deployment("here"))
    eventually(lambda: _deployment(cluster, "here-default-0-classifier"))
    assert cluster.list_objects("apps/v1", "Deployment", "default") == []
    assert "status" not in (cluster.get(SDEP, "SeldonDeployment", "elsewhere", "default") or {})


def test_a_graph_over_two_pods_numbers_ports_and_reaches_the_other_pod_by_its_service(
        cluster: KubeEmulator, controller: Any) -> None:
    body = seldon_deployment("split")
    body["spec"]["predictors"][0].update(
        graph={"name": "combiner", "type": "COMBINER", "parameters": [{"name": "mode", "value": "mean",
                                                                       "type": "STRING"}],
               "children": [{"name": "model-a", "type": "MODEL"}, {"name": "model-b", "type": "MODEL"}]},
        componentSpecs=[
            {"spec": {"containers": [{"name": "combiner", "image": "quay.io/x/combiner:1"},
                                     {"name": "model-a", "image": "quay.io/x/a:1"}]}},
            {"spec": {"containers": [{"name": "model-b", "image": "quay.io/x/b:1",
                                      "ports": [{"name": "http", "containerPort": 7000}]}]}}])
    cluster.create(body)
    front = eventually(lambda: _deployment(cluster, "split-default-0-combiner-model-a"))
    other = eventually(lambda: _deployment(cluster, "split-default-1-model-b"))
    assert "seldon-container-engine" not in [item["name"] for item in other["spec"]["template"]["spec"]["containers"]]
    graph = json.loads(base64.b64decode(env(container(front, "seldon-container-engine"))["ENGINE_PREDICTOR"]))
    endpoints = {graph["graph"]["name"]: graph["graph"]["endpoint"],
                 **{child["name"]: child["endpoint"] for child in graph["graph"]["children"]}}
    assert endpoints == {
        "combiner": {"service_host": "localhost", "service_port": 9000, "httpPort": 9000, "grpcPort": 9500,
                     "type": "REST"},
        "model-a": {"service_host": "localhost", "service_port": 9001, "httpPort": 9001, "grpcPort": 9501,
                    "type": "REST"},
        "model-b": {"service_host": "split-default-model-b.models.svc.cluster.local", "service_port": 7000,
                    "httpPort": 7000, "grpcPort": 9502, "type": "REST"}}
    assert "componentSpecs" not in graph
    combiner = env(container(front, "combiner"))
    assert json.loads(combiner["PREDICTIVE_UNIT_PARAMETERS"]) == [{"name": "mode", "value": "mean", "type": "STRING"}]
    assert front["metadata"]["labels"]["seldon.io/combiner"] == "true"
    service = eventually(lambda: cluster.get("v1", "Service", "split-default-model-b", NAMESPACE))
    assert [(port["name"], port["port"]) for port in service["spec"]["ports"]] == [("http", 7000), ("grpc", 9502)]
    assert [port["containerPort"] for port in container(other, "model-b")["ports"]] == [7000, 9502, 6002]


def test_failed_writes_are_retried_until_they_succeed(cluster: KubeEmulator, controller: Any) -> None:
    cluster.inject_fault("PATCH", r"/deployments/retried-", status=500, times=3)
    cluster.inject_fault("PATCH", r"/seldondeployments/retried/status", status=503, reason="ServiceUnavailable",
                         times=2)
    cluster.create(seldon_deployment("retried"))
    eventually(lambda: _deployment(cluster, "retried-default-0-classifier"), what="the Deployment after 3 failures")
    eventually(lambda: _status(cluster, "retried").get("state") == "Creating", what="the status after 2 failures")
    assert not cluster.server.faults
