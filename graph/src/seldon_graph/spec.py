"""A SeldonDeployment as typed models: every field Seldon Core 1.18.2's CRD accepts.

Attribute names are the JSON keys (``modelUri``, ``service_host``, ``httpPort``), so a
model reads like the manifest. Every model keeps fields it does not name
(``extra="allow"``): a manifest read and written back with
``model_dump(exclude_unset=True)`` loses nothing, whatever Seldon or Kubernetes adds.
Pod specs and object metadata stay plain mappings except for the container names and
images the graph rules need.

Cross-field rules are not checked here (a controller must be able to read a broken
object to report on it): see ``seldon_graph.rules``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from seldon_graph.parameters import Parameter, ParameterValue, parameter_values

UnitType = Literal["UNKNOWN_TYPE", "ROUTER", "COMBINER", "MODEL", "TRANSFORMER", "OUTPUT_TRANSFORMER"]
UnitMethod = Literal["TRANSFORM_INPUT", "TRANSFORM_OUTPUT", "ROUTE", "AGGREGATE", "SEND_FEEDBACK"]
EndpointType = Literal["REST", "GRPC"]

# Graph node implementations that need no container of their own (Seldon's executor
# implements only RANDOM_ABTEST; the others were the Java engine's).
BUILT_IN_IMPLEMENTATIONS = frozenset({"SIMPLE_MODEL", "SIMPLE_ROUTER", "RANDOM_ABTEST", "AVERAGE_COMBINER"})
PREPACKAGED_SERVERS = frozenset({
    "SKLEARN_SERVER", "XGBOOST_SERVER", "MLFLOW_SERVER", "TENSORFLOW_SERVER", "TRITON_SERVER",
    "HUGGINGFACE_SERVER", "TEMPO_SERVER",
})


class _Kept(BaseModel):
    """Base of every model: unknown fields are kept, not dropped."""

    model_config = ConfigDict(extra="allow")


class Endpoint(_Kept):
    """Where the orchestrator reaches a node (filled by Seldon's defaulting, or by hand)."""

    service_host: str | None = None
    service_port: int | None = None
    httpPort: int | None = None
    grpcPort: int | None = None
    type: EndpointType | None = None

    def port_for(self, transport: EndpointType) -> int | None:
        """The port to call over ``transport``: its own port, else ``service_port`` if that is its type."""
        own = self.grpcPort if transport == "GRPC" else self.httpPort
        if own:
            return own
        if self.service_port and (self.type or "REST") == transport:
            return self.service_port
        return None


class Logger(_Kept):
    url: str | None = None
    mode: Literal["all", "request", "response"] | None = None


@dataclass(frozen=True)
class Calls:
    """Which internal calls Seldon's executor makes to a node (``ex/predictor/predictor_process.go``).

    ``input`` is ``"predict"``, ``"transform-input"`` or ``None``; ``route`` is
    ``"remote"`` (the node's /route), ``"RANDOM_ABTEST"`` (built in) or ``None`` (all
    children).
    """

    input: Literal["predict", "transform-input"] | None
    route: Literal["remote", "RANDOM_ABTEST"] | None
    aggregate: bool
    output: bool
    feedback: bool


class PredictiveUnit(_Kept):
    """A graph node."""

    name: str = Field(min_length=1)
    type: UnitType | None = None
    implementation: str | None = None
    methods: list[UnitMethod] | None = None
    endpoint: Endpoint | None = None
    parameters: list[Parameter] | None = None
    children: list[PredictiveUnit] | None = None
    modelUri: str | None = None
    serviceAccountName: str | None = None
    envSecretRefName: str | None = None
    storageInitializerImage: str | None = None
    logger: Logger | None = None

    @property
    def child_nodes(self) -> list[PredictiveUnit]:
        return self.children or []

    def walk(self, path: str = "graph") -> Iterator[tuple[str, PredictiveUnit]]:
        """This node and its descendants depth first, each with its field path."""
        yield path, self
        for index, child in enumerate(self.child_nodes):
            yield from child.walk(f"{path}.children[{index}]")

    @property
    def effective_type(self) -> str | None:
        """The type after Seldon's defaulting: MODEL for a node that says nothing, or is a prepackaged server."""
        if self.implementation in PREPACKAGED_SERVERS:
            return "MODEL"
        if self.type is None and self.methods is None and self.implementation is None:
            return "MODEL"
        return self.type

    @property
    def needs_container(self) -> bool:
        """A node served by a container of its own name (not a built-in or prepackaged implementation)."""
        return (self.implementation or "UNKNOWN_IMPLEMENTATION") == "UNKNOWN_IMPLEMENTATION"

    def has_method(self, method: UnitMethod) -> bool:
        return method in (self.methods or [])

    def calls(self) -> Calls:
        kind = self.effective_type
        input_call: Literal["predict", "transform-input"] | None = None
        if kind == "MODEL":
            input_call = "predict"
        elif kind == "TRANSFORMER" or self.has_method("TRANSFORM_INPUT"):
            input_call = "transform-input"
        route: Literal["remote", "RANDOM_ABTEST"] | None = None
        if kind == "ROUTER" or self.has_method("ROUTE"):
            route = "remote"
        elif self.implementation == "RANDOM_ABTEST":
            route = "RANDOM_ABTEST"
        return Calls(
            input=input_call,
            route=route,
            aggregate=kind == "COMBINER" or self.has_method("AGGREGATE"),
            output=kind == "OUTPUT_TRANSFORMER" or self.has_method("TRANSFORM_OUTPUT"),
            feedback=kind in ("MODEL", "ROUTER") or self.has_method("SEND_FEEDBACK"),
        )

    def parameter_values(self) -> dict[str, ParameterValue]:
        """The typed parameters (raises ``ParameterError`` naming the parameter)."""
        return parameter_values(self.parameters or [])


class Container(_Kept):
    name: str = ""
    image: str | None = None


class PodSpec(_Kept):
    containers: list[Container] = Field(default_factory=list)


class ImageStreamTagRef(_Kept):
    """seldon-s2i extension: a container's image comes from an OpenShift ImageStreamTag."""

    container: str
    name: str
    namespace: str | None = None


class HpaSpec(_Kept):
    minReplicas: int | None = None
    maxReplicas: int
    metrics: list[dict[str, Any]] | None = None
    metricsv2: list[dict[str, Any]] | None = None


class KedaSpec(_Kept):
    pollingInterval: int | None = None
    cooldownPeriod: int | None = None
    idleReplicaCount: int | None = None
    minReplicaCount: int | None = None
    maxReplicaCount: int | None = None
    fallback: dict[str, Any] | None = None
    advanced: dict[str, Any] | None = None
    triggers: list[dict[str, Any]] | None = None


class PdbSpec(_Kept):
    minAvailable: int | str | None = None
    maxUnavailable: int | str | None = None


class ComponentSpec(_Kept):
    """One pod of a predictor (Seldon's SeldonPodSpec)."""

    metadata: dict[str, Any] | None = None
    spec: PodSpec = Field(default_factory=PodSpec)
    hpaSpec: HpaSpec | None = None
    kedaSpec: KedaSpec | None = None
    pdbSpec: PdbSpec | None = None
    replicas: int | None = None
    imageStreamTags: list[ImageStreamTagRef] | None = None


class SvcOrchSpec(_Kept):
    resources: dict[str, Any] | None = None
    env: list[dict[str, Any]] | None = None
    replicas: int | None = None


class Explainer(_Kept):
    type: str | None = None
    modelUri: str | None = None
    serviceAccountName: str | None = None
    containerSpec: dict[str, Any] | None = None
    config: dict[str, str] | None = None
    endpoint: Endpoint | None = None
    envSecretRefName: str | None = None
    storageInitializerImage: str | None = None
    replicas: int | None = None
    initParameters: str | None = None


class Ssl(_Kept):
    certSecretName: str | None = None


class Predictor(_Kept):
    name: str
    graph: PredictiveUnit
    componentSpecs: list[ComponentSpec] | None = None
    replicas: int | None = None
    annotations: dict[str, str] | None = None
    engineResources: dict[str, Any] | None = None
    labels: dict[str, str] | None = None
    svcOrchSpec: SvcOrchSpec | None = None
    traffic: int | None = None
    explainer: Explainer | None = None
    shadow: bool | None = None
    ssl: Ssl | None = None
    progressDeadlineSeconds: int | None = None

    def nodes(self) -> Iterator[tuple[str, PredictiveUnit]]:
        """Every graph node with its field path below the predictor (``graph.children[0]``...)."""
        return self.graph.walk()

    def node(self, name: str) -> PredictiveUnit | None:
        return next((node for _, node in self.nodes() if node.name == name), None)

    def containers(self) -> dict[str, Container]:
        return {
            container.name: container
            for component in self.componentSpecs or []
            for container in component.spec.containers
        }


class SeldonDeploymentSpec(_Kept):
    name: str | None = None
    predictors: list[Predictor] = Field(default_factory=list)
    oauth_key: str | None = None
    oauth_secret: str | None = None
    annotations: dict[str, str] | None = None
    protocol: Literal["seldon", "tensorflow", "kfserving", "v2"] | None = None
    transport: Literal["rest", "grpc"] | None = None
    replicas: int | None = None
    serverType: Literal["rpc", "kafka"] | None = None

    def predictor(self, name: str) -> Predictor | None:
        return next((predictor for predictor in self.predictors if predictor.name == name), None)


class SeldonDeployment(_Kept):
    apiVersion: str | None = None
    kind: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    spec: SeldonDeploymentSpec
    status: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        return str(self.metadata.get("name") or self.spec.name or "")

    def problems(self) -> list[str]:
        from seldon_graph.rules import deployment_problems

        return deployment_problems(self)
