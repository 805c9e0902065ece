"""The rules a SeldonDeployment must follow beyond its schema, one readable line per broken rule.

``problems`` checks the cross-field rules Seldon Core 1.x's admission webhook enforced
(``seldondeployment_webhook.go``) plus those of seldon-s2i's ``imageStreamTags``
extension: the controller reports them in a status, ``seldon-s2i template process``
refuses to print a graph that breaks them. ``runtime_problems`` adds what an
orchestrator needs to walk a predictor's graph (each node reachable at an endpoint, a
router or combiner with children, no cycle), for ``seldon-engine`` and
``seldon-s2i run`` to refuse a bad graph before serving anything.

Every line starts with the field path (``spec.predictors[0].graph.children[1]``) and
names the graph node.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import ValidationError

from seldon_graph.errors import GraphSpecError, describe_validation_error
from seldon_graph.parameters import ParameterError
from seldon_graph.spec import (
    BUILT_IN_IMPLEMENTATIONS,
    PREPACKAGED_SERVERS,
    EndpointType,
    PredictiveUnit,
    Predictor,
    SeldonDeployment,
)

NO_ENGINE_ANNOTATION = "seldon.io/no-engine"
SVC_NAME_ANNOTATION = "seldon.io/svc-name"
KAFKA_ENVIRONMENT = ("KAFKA_BROKER", "KAFKA_INPUT_TOPIC", "KAFKA_OUTPUT_TOPIC")
# The built-in implementations the orchestrator runs itself (Seldon's Go executor runs only this one).
ORCHESTRATOR_IMPLEMENTATIONS = frozenset({"RANDOM_ABTEST"})


def load_seldon_deployment(data: Any) -> SeldonDeployment:
    """Parse ``data`` (a mapping read from YAML or JSON); ``GraphSpecError`` names each bad field."""
    try:
        return SeldonDeployment.model_validate(data)
    except ValidationError as error:
        raise GraphSpecError(describe_validation_error(error, data)) from None


def load_predictor(data: Any) -> Predictor:
    """Parse one predictor (what ``ENGINE_PREDICTOR`` holds); ``GraphSpecError`` names each bad field."""
    try:
        return Predictor.model_validate(data)
    except ValidationError as error:
        raise GraphSpecError(describe_validation_error(error, data, root="predictor")) from None


def _node_problems(path: str, node: PredictiveUnit, containers: Mapping[str, Any]) -> Iterator[str]:
    name = node.name
    implementation = node.implementation or ""
    if node.needs_container and name not in containers:
        yield f"{path}: graph node {name!r} has no container of that name in componentSpecs"
    if implementation in PREPACKAGED_SERVERS and not node.modelUri:
        yield f"{path}: graph node {name!r} uses {implementation}, which needs a modelUri"
    if node.logger is not None and not node.logger.mode:
        yield f"{path}.logger: graph node {name!r} has a logger without a mode (all, request or response)"
    if implementation == "RANDOM_ABTEST":
        if len(node.child_nodes) != 2:
            yield f"{path}: RANDOM_ABTEST node {name!r} needs exactly two children"
        for parameter in node.parameters or []:
            if parameter.name == "ratioA":
                try:
                    ratio = float(parameter.value)
                except ValueError:
                    ratio = -1.0
                if not 0.0 <= ratio <= 1.0:
                    yield f"{path}: ratioA of {name!r} must be a number from 0 to 1, not {parameter.value!r}"
    try:
        node.parameter_values()
    except ParameterError as error:
        yield f"{path}.parameters: graph node {name!r}: {error}"


def _image_problems(where: str, predictor: Predictor) -> Iterator[str]:
    """Every container needs an image, given directly or by an ImageStreamTag."""
    for index, component in enumerate(predictor.componentSpecs or []):
        names = [container.name for container in component.spec.containers]
        tagged = [reference.container for reference in component.imageStreamTags or []]
        for missing in sorted(set(tagged) - set(names)):
            yield f"{where}.componentSpecs[{index}].imageStreamTags: names no container {missing!r}"
        for position, container in enumerate(component.spec.containers):
            if not container.image and container.name not in tagged:
                yield (f"{where}.componentSpecs[{index}].spec.containers[{position}]: container {container.name!r} "
                       "has neither an image nor an imageStreamTags entry")


def _duplicate_names(where: str, predictor: Predictor) -> Iterator[str]:
    for name, count in Counter(node.name for _, node in predictor.nodes()).items():
        if count > 1:
            yield f"{where}.graph: graph node name {name!r} is used {count} times"


def predictor_problems(predictor: Predictor, where: str = "predictor", transport: str | None = None) -> list[str]:
    """Seldon's rules for one predictor; ``where`` prefixes every path (its place in the deployment)."""
    found = list(_duplicate_names(where, predictor))
    containers = predictor.containers()
    for path, node in predictor.nodes():
        found.extend(_node_problems(f"{where}.{path}", node, containers))
    endpoint_types = {node.endpoint.type for _, node in predictor.nodes() if node.endpoint and node.endpoint.type}
    if len(endpoint_types) > 1:
        found.append(f"{where}.graph: graph mixes endpoint types {sorted(endpoint_types)}; use one transport")
    elif transport and endpoint_types and endpoint_types != {transport.upper()}:
        found.append(f"{where}.graph: endpoint type {endpoint_types.pop()} contradicts spec.transport {transport}")
    no_engine = (predictor.annotations or {}).get(NO_ENGINE_ANNOTATION, "false").lower() == "true"
    if no_engine and sum(1 for _ in predictor.nodes()) > 1:
        found.append(f"{where}: {NO_ENGINE_ANNOTATION} works only for a graph of one node")
    found.extend(_image_problems(where, predictor))
    return found


def _traffic_problems(predictors: list[Predictor]) -> Iterator[str]:
    shadows = [predictor for predictor in predictors if predictor.shadow]
    serving = [predictor for predictor in predictors if not predictor.shadow]
    if len(shadows) > 1:
        yield "spec.predictors: only one predictor may be a shadow"
    if shadows and not serving:
        yield "spec.predictors: a shadow predictor needs a predictor that serves traffic"
    for predictor in shadows:
        if not 0 <= (predictor.traffic or 0) <= 100:
            yield f"spec.predictors: traffic of shadow {predictor.name!r} must be from 0 to 100"
    if len(serving) > 1:
        total = sum(predictor.traffic or 0 for predictor in serving)
        if total != 100:
            yield f"spec.predictors: traffic of the predictors that serve must add up to 100, not {total}"
    elif len(serving) == 1 and serving[0].traffic not in (None, 0, 100):
        yield f"spec.predictors: the only serving predictor must get traffic 100, not {serving[0].traffic}"


def _deployment_wide_problems(deployment: SeldonDeployment) -> Iterator[str]:
    spec = deployment.spec
    for name, count in Counter(predictor.name for predictor in spec.predictors).items():
        if count > 1:
            yield f"spec.predictors: predictor name {name!r} is used {count} times"
    service_names = Counter(
        (predictor.annotations or {})[SVC_NAME_ANNOTATION]
        for predictor in spec.predictors
        if SVC_NAME_ANNOTATION in (predictor.annotations or {})
    )
    for name, count in service_names.items():
        if count > 1:
            yield f"spec.predictors: {SVC_NAME_ANNOTATION} {name!r} is used by {count} predictors"
    if spec.protocol == "tensorflow":
        for index, predictor in enumerate(spec.predictors):
            for path, node in predictor.nodes():
                if node.implementation in PREPACKAGED_SERVERS - {"TENSORFLOW_SERVER"}:
                    yield (f"spec.predictors[{index}].{path}: graph node {node.name!r} uses {node.implementation}, "
                           "which does not serve the tensorflow protocol")
    if spec.serverType == "kafka":
        for index, predictor in enumerate(spec.predictors):
            environment = (predictor.svcOrchSpec.env if predictor.svcOrchSpec else None) or []
            names = {entry.get("name") for entry in environment}
            missing = [name for name in KAFKA_ENVIRONMENT if name not in names]
            if missing:
                yield f"spec.predictors[{index}].svcOrchSpec.env: serverType kafka needs {', '.join(missing)}"


def deployment_problems(deployment: SeldonDeployment) -> list[str]:
    found: list[str] = []
    if not deployment.spec.predictors:
        found.append("spec.predictors: a SeldonDeployment needs at least one predictor")
    found.extend(_deployment_wide_problems(deployment))
    for index, predictor in enumerate(deployment.spec.predictors):
        found.extend(predictor_problems(predictor, f"spec.predictors[{index}]", deployment.spec.transport))
    found.extend(_traffic_problems(deployment.spec.predictors))
    return found


def problems(seldon_deployment: SeldonDeployment | Mapping[str, Any]) -> list[str]:
    """Every broken schema field or rule of ``seldon_deployment``, one line each (empty when it is valid)."""
    if not isinstance(seldon_deployment, SeldonDeployment):
        try:
            seldon_deployment = load_seldon_deployment(seldon_deployment)
        except GraphSpecError as error:
            return error.problems
    return deployment_problems(seldon_deployment)


def _cycle_problems(where: str, node: PredictiveUnit, path: str, ancestors: tuple[str, ...]) -> Iterator[str]:
    if node.name in ancestors:
        chain = " → ".join((*ancestors[ancestors.index(node.name):], node.name))
        yield f"{where}.{path}: graph node {node.name!r} is its own ancestor ({chain}); a graph cannot have a cycle"
        return
    for index, child in enumerate(node.child_nodes):
        yield from _cycle_problems(where, child, f"{path}.children[{index}]", (*ancestors, node.name))


def _reachability_problems(path: str, node: PredictiveUnit, transport: EndpointType | None) -> Iterator[str]:
    name = node.name
    if node.implementation in BUILT_IN_IMPLEMENTATIONS:
        if node.implementation not in ORCHESTRATOR_IMPLEMENTATIONS:
            yield (f"{path}: graph node {name!r} uses {node.implementation}, which the orchestrator does not "
                   f"implement (built in: {', '.join(sorted(ORCHESTRATOR_IMPLEMENTATIONS))})")
        return
    endpoint = node.endpoint
    if endpoint is None or not endpoint.service_host:
        yield f"{path}: graph node {name!r} has no endpoint (endpoint.service_host and a port)"
        return
    if transport is None:
        if not (endpoint.port_for("REST") or endpoint.port_for("GRPC")):
            yield f"{path}.endpoint: graph node {name!r} has no port (httpPort, grpcPort or service_port)"
        return
    if not endpoint.port_for(transport):
        port_field = "grpcPort" if transport == "GRPC" else "httpPort"
        yield f"{path}.endpoint: graph node {name!r} has no {transport} port ({port_field} or service_port)"


def runtime_problems(predictor: Predictor, transport: EndpointType | None = None, where: str = "predictor") -> list[str]:
    """What keeps an orchestrator from walking ``predictor``'s graph, one line each.

    Each node needs an endpoint with a port; with ``transport``, a port for that transport.
    """
    found = list(_cycle_problems(where, predictor.graph, "graph", ()))
    if found:
        return found
    found.extend(_duplicate_names(where, predictor))
    for path, node in predictor.nodes():
        place = f"{where}.{path}"
        found.extend(_reachability_problems(place, node, transport))
        calls = node.calls()
        if calls.route is not None and not node.child_nodes:
            found.append(f"{place}: router {node.name!r} has no children to route to")
        if calls.aggregate and not node.child_nodes:
            found.append(f"{place}: combiner {node.name!r} has no children to combine")
        if node.implementation == "RANDOM_ABTEST" and len(node.child_nodes) != 2:
            found.append(f"{place}: RANDOM_ABTEST node {node.name!r} needs exactly two children")
        try:
            node.parameter_values()
        except ParameterError as error:
            found.append(f"{place}.parameters: graph node {node.name!r}: {error}")
    return found
