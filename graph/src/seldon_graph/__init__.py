"""seldon_graph: the SeldonDeployment graph spec, typed, with Seldon Core's rules.

Imports only pydantic: the controller's image and the template checks use it without
the serving stack. Entry points:

- ``SeldonDeployment.model_validate(obj)``, ``Predictor.model_validate(obj)``: the typed models;
  ``load_seldon_deployment`` / ``load_predictor`` raise ``GraphSpecError`` with one line per bad
  field, naming its path and graph node.
- ``problems(obj)``: Seldon's admission rules, one line each; ``runtime_problems(predictor)``:
  what an orchestrator needs beyond them.
- ``PredictiveUnit.calls()``: the internal calls Seldon's executor makes to a node.
- ``Parameter.typed_value()``, ``typed_value``, ``parameter_values``: Seldon's typed parameters.
- ``to_dot(predictor)``: the graph as Graphviz DOT text.
"""

from seldon_graph.dot import to_dot
from seldon_graph.errors import GraphSpecError
from seldon_graph.parameters import (
    PARAMETER_TYPES,
    Parameter,
    ParameterError,
    ParameterValue,
    parameter_values,
    typed_value,
)
from seldon_graph.rules import (
    deployment_problems,
    load_predictor,
    load_seldon_deployment,
    predictor_problems,
    problems,
    runtime_problems,
)
from seldon_graph.spec import (
    BUILT_IN_IMPLEMENTATIONS,
    PREPACKAGED_SERVERS,
    Calls,
    ComponentSpec,
    Container,
    Endpoint,
    EndpointType,
    Explainer,
    HpaSpec,
    ImageStreamTagRef,
    KedaSpec,
    Logger,
    PdbSpec,
    PodSpec,
    PredictiveUnit,
    Predictor,
    SeldonDeployment,
    SeldonDeploymentSpec,
    SvcOrchSpec,
)

__all__ = [
    "BUILT_IN_IMPLEMENTATIONS",
    "PARAMETER_TYPES",
    "PREPACKAGED_SERVERS",
    "Calls",
    "ComponentSpec",
    "Container",
    "Endpoint",
    "EndpointType",
    "Explainer",
    "GraphSpecError",
    "HpaSpec",
    "ImageStreamTagRef",
    "KedaSpec",
    "Logger",
    "Parameter",
    "ParameterError",
    "ParameterValue",
    "PdbSpec",
    "PodSpec",
    "PredictiveUnit",
    "Predictor",
    "SeldonDeployment",
    "SeldonDeploymentSpec",
    "SvcOrchSpec",
    "deployment_problems",
    "load_predictor",
    "load_seldon_deployment",
    "parameter_values",
    "predictor_problems",
    "problems",
    "runtime_problems",
    "to_dot",
    "typed_value",
]
