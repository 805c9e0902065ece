"""Our SeldonDeployment CRD accepts every field Seldon Core 1.18.2's CRD accepts.

Seldon Core 1.18.2's types (operator/apis/machinelearning.seldon.io/v1) declare an
explainer per predictor, oauth_key and oauth_secret in the spec, and a status whose
deployment and service entries name the predictor they explain (explainerFor) beside
the status annotations of knative's duck type. Checks: Seldon's published explainer
example validates against our schema and is stored unchanged by an API server
serving our CRD (what `oc apply` does); the oauth fields are kept; the status
Seldon's operator writes for an explainer is stored; the stricter checks that stay
still refuse what Seldon would fail on later.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import kubernetes
import manifest_schemas
import pytest
import yaml
from kube_emulator import KubeEmulator
from manifest_files import CRD_FILES, load

GROUP, PLURAL = "machinelearning.seldon.io", "seldondeployments"

# Seldon Core's documentation, "Model Explainers": an SKLearn income classifier with an AnchorTabular explainer.
EXPLAINER_EXAMPLE = """
apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata:
  name: income
  namespace: seldon
spec:
  name: income
  annotations:
    seldon.io/rest-timeout: "100000"
  predictors:
  - graph:
      children: []
      implementation: SKLEARN_SERVER
      modelUri: gs://seldon-models/sklearn/income/model-0.23.2
      name: classifier
    explainer:
      type: AnchorTabular
      modelUri: gs://seldon-models/sklearn/income/explainer-py36-0.5.2
    name: default
    replicas: 1
"""

# What Seldon Core's operator reports for that deployment (field names of its status types).
EXPLAINER_STATUS = {
    "state": "Available",
    "replicas": 1,
    "address": {"url": "http://income-default.seldon.svc.cluster.local:8000/api/v1.0/predictions"},
    "annotations": {"seldon.io/last-applied": "x"},
    "deploymentStatus": {
        "income-default-0-classifier": {"replicas": 1, "availableReplicas": 1},
        "income-default-explainer": {"replicas": 1, "availableReplicas": 1, "explainerFor": "default"},
    },
    "serviceStatus": {
        "income-default": {"svcName": "income-default", "httpEndpoint": "income-default.seldon:8000"},
        "income-default-explainer": {
            "svcName": "income-default-explainer", "httpEndpoint": "income-default-explainer.seldon:9000",
            "explainerFor": "default",
        },
    },
}


def explainer_example() -> dict[str, Any]:
    example = yaml.safe_load(EXPLAINER_EXAMPLE)
    assert isinstance(example, dict)
    return example


def with_everything_seldon_accepts() -> dict[str, Any]:
    example = explainer_example()
    example["spec"]["oauth_key"] = "key"
    example["spec"]["oauth_secret"] = "secret"
    example["spec"]["predictors"][0]["explainer"] |= {
        "serviceAccountName": "explainer", "envSecretRefName": "s3-credentials", "replicas": 2,
        "storageInitializerImage": "seldonio/rclone-storage-initializer:1.18.2",
        "config": {"threshold": "0.95"}, "initParameters": '{"seed": 1}',
        "endpoint": {"type": "REST", "httpPort": 9000},
        "containerSpec": {"name": "explainer", "resources": {"requests": {"memory": "1Gi"}}},
    }
    return example


@pytest.mark.parametrize("example", [explainer_example(), with_everything_seldon_accepts()], ids=["published", "full"])
def test_seldon_explainer_and_oauth_fields_validate(example: dict[str, Any]) -> None:
    problems = list(manifest_schemas.errors_of(example))
    assert not problems, "\n".join(problems)


def test_the_status_seldon_writes_for_an_explainer_validates() -> None:
    problems = list(manifest_schemas.errors_of({**explainer_example(), "status": EXPLAINER_STATUS}))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda item: item["spec"]["predictors"][0]["explainer"].update(replicas="2"), "'2' is not of type 'integer'"),
        (lambda item: item["spec"]["predictors"][0]["explainer"].update(endpoint={"type": "HTTP"}), "'HTTP' is not one"),
        (lambda item: item["spec"]["predictors"][0]["explainer"].update(explainerFor="x"), "'explainerFor' was unexpected"),
        (lambda item: item["spec"].update(oauth_key=1), "1 is not of type 'string'"),
    ],
)
def test_stricter_checks_still_refuse_what_seldon_would_fail_on(change: Any, expected: str) -> None:
    item = copy.deepcopy(explainer_example())
    change(item)
    assert expected in "\n".join(manifest_schemas.errors_of(item))


@pytest.fixture(scope="module")
def custom() -> Iterator[kubernetes.client.CustomObjectsApi]:
    with KubeEmulator(seldon_stand_in=False) as cluster, cluster.api_client() as client:
        for path in CRD_FILES:
            kubernetes.client.ApiextensionsV1Api(client).create_custom_resource_definition(body=load(path))
        kubernetes.client.CoreV1Api(client).create_namespace(body={"metadata": {"name": "seldon"}})
        yield kubernetes.client.CustomObjectsApi(client)


def test_oc_apply_stores_the_explainer_example_and_its_status_unchanged(custom: kubernetes.client.CustomObjectsApi) -> None:
    for example in (explainer_example(), with_everything_seldon_accepts()):
        name = example["metadata"]["name"] = f"income-{len(example['spec'])}"
        custom.create_namespaced_custom_object(GROUP, "v1", "seldon", PLURAL, example)
        stored = custom.get_namespaced_custom_object(GROUP, "v1", "seldon", PLURAL, name)
        assert stored["spec"] == example["spec"], "the CRD schema pruned a field Seldon Core accepts"
    custom.patch_namespaced_custom_object_status(GROUP, "v1", "seldon", PLURAL, name, {"status": EXPLAINER_STATUS})
    assert custom.get_namespaced_custom_object(GROUP, "v1", "seldon", PLURAL, name)["status"] == EXPLAINER_STATUS
