"""The conventions the cluster relies on once the images are built: SeldonDeployment graphs whose nodes
follow built ImageStreamTags (and whose sample folders declare the matching SERVICE_TYPE), plain
Deployments following their ImageStreamTag through a well-formed trigger annotation, and the
webhook-access RoleBinding (exactly system:webhook for system:unauthenticated). The catalog, ImageStream,
template and BuildConfig conventions are in test_catalog_conventions.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from manifest_files import (
    REPOSITORY_ROOT,
    TEMPLATE_FILES,
    by_name,
    load,
    objects_of_kind,
    render,
)

GRAPH_TYPE_TO_SERVICE_TYPE = {"MODEL": "MODEL", "COMBINER": "COMBINER", "ROUTER": "ROUTER",
                              "TRANSFORMER": "TRANSFORMER", "OUTPUT_TRANSFORMER": "OUTPUT_TRANSFORMER"}


# --- Graphs --------------------------------------------------------------------------------------


def graph_nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(child for branch in node.get("children", []) for child in graph_nodes(branch))]


SELDON_TEMPLATES = [p for p in TEMPLATE_FILES if "SeldonDeployment" in p.read_text()]


@pytest.mark.parametrize("path", SELDON_TEMPLATES, ids=lambda path: path.stem)
def test_graph_nodes_name_containers_that_follow_built_imagestreamtags(path: Path) -> None:
    template = load(path)
    result = render(path)
    built = {bc["spec"]["output"]["to"]["name"]: bc for bc in objects_of_kind(result.objects, "BuildConfig")}
    streams = set(by_name(result.objects, "ImageStream"))
    (seldon_deployment,) = objects_of_kind(result.objects, "SeldonDeployment")
    for predictor in seldon_deployment["spec"]["predictors"]:
        containers: dict[str, dict[str, Any]] = {}
        tags: dict[str, str] = {}
        for component in predictor["componentSpecs"]:
            for container in component["spec"]["containers"]:
                containers[container["name"]] = container
            for reference in component.get("imageStreamTags", []):
                assert reference["container"] in {c["name"] for c in component["spec"]["containers"]}
                tags[reference["container"]] = reference["name"]
        nodes = graph_nodes(predictor["graph"])
        for node in nodes:
            if "implementation" not in node:
                assert node["name"] in containers, f"graph node {node['name']} has no container"
        assert set(containers) == {node["name"] for node in nodes if "implementation" not in node}
        for name in containers:
            assert "image" not in containers[name]
            tag = tags[name]
            assert tag in built and tag.split(":")[0] in streams, f"{name} follows {tag}, which nothing builds"
            # The folder each node is built from declares the node's role in .s2i/environment.
            node = next(node for node in nodes if node["name"] == name)
            context = built[tag]["spec"]["source"].get("contextDir", "")
            environment = (REPOSITORY_ROOT / context / ".s2i" / "environment").read_text().splitlines()
            assert f"SERVICE_TYPE={GRAPH_TYPE_TO_SERVICE_TYPE[node['type']]}" in environment, context
    assert template["objects"]


def test_the_abtest_router_splits_by_the_ratio_parameter() -> None:
    path = REPOSITORY_ROOT / "openshift-templates" / "seldon-abtest.yaml"
    (seldon_deployment,) = objects_of_kind(render(path, RATIO_A="0.8").objects, "SeldonDeployment")
    graph = seldon_deployment["spec"]["predictors"][0]["graph"]
    assert graph["implementation"] == "RANDOM_ABTEST"
    assert graph["parameters"] == [{"name": "ratioA", "value": "0.8", "type": "FLOAT"}]
    assert [child["name"] for child in graph["children"]] == ["model-a", "model-b"]


# --- Plain Deployment ----------------------------------------------------------------------------


def test_the_standalone_deployment_follows_its_imagestreamtag_and_is_exposed_over_tls() -> None:
    objects = render(REPOSITORY_ROOT / "openshift-templates" / "seldon-model-standalone.yaml", NAME="wine").objects
    (deployment,) = objects_of_kind(objects, "Deployment")
    (service,) = objects_of_kind(objects, "Service")
    (route,) = objects_of_kind(objects, "Route")
    (build_config,) = objects_of_kind(objects, "BuildConfig")
    triggers = json.loads(deployment["metadata"]["annotations"]["image.openshift.io/triggers"])
    assert len(triggers) == 1
    (trigger,) = triggers
    # The trigger controller ignores triggers whose from.kind is not ImageStreamTag, and a
    # non-boolean `paused` makes the whole annotation fail to parse.
    assert trigger["from"] == {"kind": "ImageStreamTag", "name": build_config["spec"]["output"]["to"]["name"]}
    assert trigger["paused"] is False
    match = re.fullmatch(r'spec\.template\.spec\.containers\[\?\(@\.name=="([a-z0-9-]+)"\)\]\.image',
                         trigger["fieldPath"])
    assert match
    pod = deployment["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    assert container["name"] == match.group(1)
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"http": 9000, "grpc": 5000, "metrics": 6000}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        handler = container[probe].get("httpGet") or container[probe]["tcpSocket"]
        assert handler["port"] in ports
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    assert {port["targetPort"] for port in service["spec"]["ports"]} <= set(ports)
    assert route["spec"]["to"] == {"kind": "Service", "name": service["metadata"]["name"], "weight": 100}
    assert route["spec"]["port"]["targetPort"] in {port["name"] for port in service["spec"]["ports"]}
    assert route["spec"]["tls"] == {"termination": "edge", "insecureEdgeTerminationPolicy": "Redirect"}


# --- Webhook access ------------------------------------------------------------------------------


def test_the_webhook_rolebinding_binds_exactly_system_webhook_to_unauthenticated_users() -> None:
    objects = render(REPOSITORY_ROOT / "openshift-templates" / "seldon-webhook-access.yaml").objects
    (binding,) = objects
    assert binding["kind"] == "RoleBinding"  # namespaced: only this namespace's webhooks open up
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                  "name": "system:webhook"}
    assert binding["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
                                    "name": "system:unauthenticated"}]
    assert "namespace" not in binding["metadata"]


def test_the_readme_lists_every_template() -> None:
    readme = (REPOSITORY_ROOT / "openshift-templates" / "README.md").read_text()
    listed = set(re.findall(r"^\| `([a-z0-9-]+)` \|", readme, flags=re.MULTILINE))
    assert listed == {path.stem for path in TEMPLATE_FILES}
