"""The rules a SeldonDeployment must follow beyond its CRD schema, as plain functions.

The CRD (crds/machinelearning.seldon.io_seldondeployments.yaml) checks shapes and
types; these are the cross-field rules Seldon Core 1.x's admission webhook enforced,
plus those of seldon-s2i's ``imageStreamTags`` extension. ``problems`` returns one
readable line per broken rule, so the controller can report them in a status and
``seldon-s2i template process`` can refuse to print a graph that would not run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

# Graph node implementations that need no container of their own.
BUILT_IN_IMPLEMENTATIONS = frozenset({"SIMPLE_MODEL", "SIMPLE_ROUTER", "RANDOM_ABTEST", "AVERAGE_COMBINER"})
PREPACKAGED_SERVERS = frozenset({
    "SKLEARN_SERVER", "XGBOOST_SERVER", "MLFLOW_SERVER", "TENSORFLOW_SERVER", "TRITON_SERVER",
    "HUGGINGFACE_SERVER", "TEMPO_SERVER",
})
NO_ENGINE_ANNOTATION = "seldon.io/no-engine"


def graph_nodes(node: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The node and all its descendants, depth first."""
    yield node
    for child in node.get("children") or []:
        yield from graph_nodes(child)


def needs_container(node: Mapping[str, Any]) -> bool:
    implementation = node.get("implementation") or "UNKNOWN_IMPLEMENTATION"
    return implementation == "UNKNOWN_IMPLEMENTATION"


def containers_of(predictor: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {
        container.get("name", ""): container
        for component in predictor.get("componentSpecs") or []
        for container in (component.get("spec") or {}).get("containers") or []
    }


def node_problems(where: str, node: Mapping[str, Any], containers: Mapping[str, Any]) -> Iterator[str]:
    name = node.get("name", "")
    implementation = node.get("implementation") or ""
    if needs_container(node) and name not in containers:
        yield f"{where}: graph node {name!r} has no container of that name in componentSpecs"
    if implementation in PREPACKAGED_SERVERS and not node.get("modelUri"):
        yield f"{where}: graph node {name!r} uses {implementation}, which needs a modelUri"
    if implementation == "RANDOM_ABTEST":
        if len(node.get("children") or []) != 2:
            yield f"{where}: RANDOM_ABTEST node {name!r} needs exactly two children"
        for parameter in node.get("parameters") or []:
            if parameter.get("name") == "ratioA":
                try:
                    ratio = float(parameter.get("value", ""))
                except ValueError:
                    ratio = -1.0
                if not 0.0 <= ratio <= 1.0:
                    yield f"{where}: ratioA of {name!r} must be a number from 0 to 1, not {parameter.get('value')!r}"


def image_problems(where: str, predictor: Mapping[str, Any]) -> Iterator[str]:
    """Every container needs an image, given directly or by an ImageStreamTag."""
    for index, component in enumerate(predictor.get("componentSpecs") or []):
        names = [container.get("name", "") for container in (component.get("spec") or {}).get("containers") or []]
        tagged = [reference.get("container", "") for reference in component.get("imageStreamTags") or []]
        for container in sorted(set(tagged) - set(names)):
            yield f"{where}: componentSpecs[{index}].imageStreamTags names no container {container!r}"
        for container in (component.get("spec") or {}).get("containers") or []:
            if not container.get("image") and container.get("name") not in tagged:
                yield f"{where}: container {container.get('name')!r} has neither an image nor an imageStreamTags entry"


def predictor_problems(predictor: Mapping[str, Any]) -> Iterator[str]:
    where = f"predictor {predictor.get('name', '?')!r}"
    containers = containers_of(predictor)
    nodes = list(graph_nodes(predictor.get("graph") or {}))
    for name, count in Counter(node.get("name", "") for node in nodes).items():
        if count > 1:
            yield f"{where}: graph node name {name!r} is used {count} times"
    for node in nodes:
        yield from node_problems(where, node, containers)
    endpoint_types = {node["endpoint"]["type"] for node in nodes if (node.get("endpoint") or {}).get("type")}
    if len(endpoint_types) > 1:
        yield f"{where}: graph mixes endpoint types {sorted(endpoint_types)}; use one transport"
    no_engine = (predictor.get("annotations") or {}).get(NO_ENGINE_ANNOTATION, "false").lower() == "true"
    if no_engine and len(nodes) > 1:
        yield f"{where}: {NO_ENGINE_ANNOTATION} works only for a graph of one node"
    yield from image_problems(where, predictor)


def traffic_problems(predictors: list[Mapping[str, Any]]) -> Iterator[str]:
    shadows = [predictor for predictor in predictors if predictor.get("shadow")]
    serving = [predictor for predictor in predictors if not predictor.get("shadow")]
    if len(shadows) > 1:
        yield "only one predictor may be a shadow"
    if shadows and not serving:
        yield "a shadow predictor needs a predictor that serves traffic"
    if len(serving) > 1:
        total = sum(int(predictor.get("traffic") or 0) for predictor in serving)
        if total != 100:
            yield f"traffic of the predictors that serve must add up to 100, not {total}"
    elif len(serving) == 1 and serving[0].get("traffic") not in (None, 0, 100):
        yield f"the only serving predictor must get traffic 100, not {serving[0]['traffic']}"


def problems(seldon_deployment: Mapping[str, Any]) -> list[str]:
    """Every broken rule of ``seldon_deployment``, one line each (empty when it is valid)."""
    spec = seldon_deployment.get("spec") or {}
    predictors = list(spec.get("predictors") or [])
    found: list[str] = []
    if not predictors:
        found.append("a SeldonDeployment needs at least one predictor")
    for name, count in Counter(predictor.get("name", "") for predictor in predictors).items():
        if count > 1:
            found.append(f"predictor name {name!r} is used {count} times")
    for predictor in predictors:
        found.extend(predictor_problems(predictor))
    found.extend(traffic_problems(predictors))
    return found
