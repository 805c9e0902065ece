"""A SeldonDeployment's desired objects, or why there are none: every object is rendered before any is written.

``render`` checks the spec with the shared graph rules (``seldon_graph``) and what the cluster offers (the image,
route and KEDA APIs), resolves ImageStreamTags, and returns the complete list of objects, so the reconciler never
leaves a half-built graph: a bad spec gives ``problems`` (state Failed), an image not pushed yet gives ``waiting``
(state Creating), and either way no objects.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from seldon_graph import (
    EndpointType,
    GraphSpecError,
    SeldonDeployment,
    load_predictor,
    load_seldon_deployment,
    runtime_problems,
)
from seldon_graph import problems as graph_problems

from seldon_controller import context, naming, networking, scaling, workloads

# (namespace, image stream, tag) -> pull spec of the tag's current image, or None while it has none.
ImageResolver = Callable[[str, str, str], "str | None"]


@dataclasses.dataclass(frozen=True)
class Capabilities:
    """API groups the cluster serves, which decide what can be built."""

    images: bool = True
    routes: bool = True
    keda: bool = False


@dataclasses.dataclass
class Rendered:
    objects: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)
    waiting: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    image_streams: set[tuple[str, str]] = dataclasses.field(default_factory=set)
    address: str | None = None
    model: SeldonDeployment | None = None

    def names(self, kind: str) -> list[str]:
        return [obj["metadata"]["name"] for obj in self.objects if obj["kind"] == kind]


def _image_streams(model: SeldonDeployment, namespace: str) -> set[tuple[str, str]]:
    return {(reference.namespace or namespace, reference.name.partition(":")[0])
            for predictor in model.spec.predictors for component in predictor.componentSpecs or []
            for reference in component.imageStreamTags or []}


def _address(model: SeldonDeployment, namespace: str) -> str | None:
    serving = [predictor for predictor in model.spec.predictors if not predictor.shadow]
    if not serving:
        return None
    service = naming.predictor_service_name(model.name, serving[0])
    host = f"http://{service}.{namespace}.svc.cluster.local:{naming.ENGINE_HTTP_PORT}"
    graph = serving[0].graph.name
    path = {"tensorflow": f"/v1/models/{graph}:predict", "v2": f"/v2/models/{graph}/infer",
            "kfserving": f"/v2/models/{graph}/infer"}.get(model.spec.protocol or "seldon", "/api/v1.0/predictions")
    return host + path


def _check(model: SeldonDeployment, capabilities: Capabilities, rendered: Rendered,
           plans: list[context.PredictorPlan]) -> None:
    rendered.problems.extend(graph_problems(model))
    if capabilities.routes:
        rendered.problems.extend(networking.route_problems(model))
    for index, predictor in enumerate(model.spec.predictors):
        where = f"spec.predictors[{index}]"
        if not predictor.componentSpecs:
            rendered.problems.append(f"{where}: a predictor needs componentSpecs (its graph's containers)")
        for position, component in enumerate(predictor.componentSpecs or []):
            if component.imageStreamTags and not capabilities.images:
                rendered.problems.append(
                    f"{where}.componentSpecs[{position}].imageStreamTags: this cluster does not serve OpenShift's "
                    "image API (image.openshift.io/v1); give the containers an image instead")
            if component.kedaSpec is not None and not capabilities.keda:
                rendered.notes.append(
                    f"{where}.componentSpecs[{position}].kedaSpec: KEDA is not installed (no {scaling.KEDA_API} "
                    "ScaledObject API), so this component is not autoscaled")
    if rendered.problems:
        return
    for index, current in enumerate(plans):
        if current.engine:
            transport: EndpointType | None = "GRPC" if model.spec.transport == "grpc" else None
            rendered.problems.extend(runtime_problems(load_predictor(current.engine_predictor), transport,
                                                      f"spec.predictors[{index}]"))


def _resolve_images(plan: context.PredictorPlan, resolve: ImageResolver,
                    rendered: Rendered) -> list[dict[str, str]]:
    per_component = []
    for component in plan.predictor.componentSpecs or []:
        images: dict[str, str] = {}
        for reference in component.imageStreamTags or []:
            stream, _, tag = reference.name.partition(":")
            namespace = reference.namespace or plan.namespace
            found = resolve(namespace, stream, tag)
            if found is None:
                rendered.waiting.append(f"waiting for ImageStreamTag {namespace}/{reference.name} to have an image "
                                        f"(container {reference.container})")
            else:
                images[reference.container] = found
        per_component.append(images)
    return per_component


def render(obj: dict[str, Any], namespace: str, settings_engine_image: str, bases: naming.PortBases,
           capabilities: Capabilities, resolve: ImageResolver) -> Rendered:
    rendered = Rendered()
    try:
        model = load_seldon_deployment(obj)
    except GraphSpecError as error:
        rendered.problems = error.problems
        return rendered
    rendered.model = model
    rendered.image_streams = _image_streams(model, namespace)
    plans = context.plan(model, namespace, bases)
    _check(model, capabilities, rendered, plans)
    if rendered.problems:
        return rendered
    objects: list[dict[str, Any]] = []
    for plan in plans:
        images = _resolve_images(plan, resolve, rendered) if capabilities.images else [
            {} for _ in plan.predictor.componentSpecs or []]
        for index, component in enumerate(plan.predictor.componentSpecs or []):
            deployment = workloads.deployment(plan, index, component, images[index], settings_engine_image)
            objects.append(deployment)
            name, labels = deployment["metadata"]["name"], {naming.DEPLOYMENT_ID_LABEL: plan.sdep,
                                                           "app.kubernetes.io/managed-by": naming.MANAGED_BY}
            autoscaler = scaling.hpa(component, name, namespace, labels)
            keda = scaling.scaled_object(component, name, namespace, labels) if capabilities.keda else None
            budget = scaling.pdb(component, name, namespace, labels, deployment["spec"]["selector"]["matchLabels"])
            objects.extend(found for found in (autoscaler, keda, budget) if found is not None)
        objects.append(networking.predictor_service(plan))
        objects.extend(networking.container_services(plan, workloads.graph_containers(plan.predictor)))
    if capabilities.routes:
        route = networking.route(model, namespace)
        if route is not None:
            objects.append(route)
    if rendered.waiting:
        return rendered
    rendered.objects = objects
    rendered.address = _address(model, namespace)
    return rendered
