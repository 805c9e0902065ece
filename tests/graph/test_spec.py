"""The typed graph spec (seldon_graph): fields kept, errors that name the field and node, node calls, parameters.

What users and the controller rely on: a manifest read and written back loses no field,
a wrong field is reported with its path and graph node, the internal calls a node gets
follow Seldon's executor, typed parameters read as Seldon reads them, and a graph an
orchestrator cannot walk is refused with a line naming the node. The package imports
nothing of the serving stack.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from typing import Any

import pytest
import yaml
from seldon_core_examples import SELDON_CORE_EXAMPLES
from seldon_graph import (
    GraphSpecError,
    ParameterError,
    Predictor,
    SeldonDeployment,
    load_predictor,
    load_seldon_deployment,
    problems,
    runtime_problems,
    typed_value,
)

EXAMPLES = list(yaml.safe_load_all(SELDON_CORE_EXAMPLES))


def node(name: str, port: int | None = 9000, **fields: Any) -> dict[str, Any]:
    unit: dict[str, Any] = {"name": name, **fields}
    if port is not None:
        unit["endpoint"] = {"service_host": "localhost", "httpPort": port, "grpcPort": port + 500, "type": "REST"}
    return unit


def predictor(graph: dict[str, Any]) -> Predictor:
    return load_predictor({"name": "default", "graph": graph})


@pytest.mark.parametrize("item", EXAMPLES, ids=lambda item: item["metadata"]["name"])
def test_seldon_core_examples_round_trip_unchanged(item: dict[str, Any]) -> None:
    assert SeldonDeployment.model_validate(item).model_dump(exclude_unset=True) == item


def test_fields_we_do_not_model_are_kept_at_every_level() -> None:
    item = copy.deepcopy(EXAMPLES[0])
    item["spec"]["futureField"] = {"a": 1}
    item["spec"]["predictors"][0]["graph"]["endpoint"]["futurePort"] = 1234
    item["spec"]["predictors"][0]["componentSpecs"][0]["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "1"}}
    item["spec"]["predictors"][0]["explainer"] = {"type": "AnchorTabular", "modelUri": "gs://x", "config": {"a": "b"}}
    item["spec"]["predictors"][0]["svcOrchSpec"] = {"env": [{"name": "SELDON_LOG_LEVEL", "value": "DEBUG"}]}
    parsed = SeldonDeployment.model_validate(item)
    assert parsed.model_dump(exclude_unset=True) == item
    assert parsed.spec.predictors[0].graph.endpoint is not None
    assert parsed.spec.predictors[0].graph.endpoint.model_extra == {"futurePort": 1234}


def test_a_wrong_field_is_named_by_its_path_and_graph_node() -> None:
    item = copy.deepcopy(next(e for e in EXAMPLES if e["metadata"]["name"] == "seldon-model-chain"))
    graph = item["spec"]["predictors"][0]["graph"]
    graph["children"][0]["type"] = "MODLE"
    graph["children"][0]["endpoint"] = {"type": "HTTP"}
    with pytest.raises(GraphSpecError) as raised:
        load_seldon_deployment(item)
    child = graph["children"][0]["name"]
    assert raised.value.problems == [
        "spec.predictors[0].graph.children[0].type: Input should be 'UNKNOWN_TYPE', 'ROUTER', 'COMBINER', 'MODEL', "
        f"'TRANSFORMER' or 'OUTPUT_TRANSFORMER' (graph node {child!r})",
        f"spec.predictors[0].graph.children[0].endpoint.type: Input should be 'REST' or 'GRPC' (graph node {child!r})",
    ]
    # problems() of a raw object reports the same lines instead of raising (what a controller's status shows).
    assert problems(item) == raised.value.problems


def test_a_parameter_value_must_be_a_string_as_in_the_crd() -> None:
    with pytest.raises(GraphSpecError) as raised:
        predictor(node("m", parameters=[{"name": "ratio", "value": 0.5, "type": "FLOAT"}]))
    assert raised.value.problems == [
        "predictor.graph.parameters[0].value: Input should be a valid string (graph node 'm')"]


@pytest.mark.parametrize(("kind", "value", "expected"), [
    ("INT", "7", 7), ("FLOAT", "0.5", 0.5), ("DOUBLE", "1e3", 1000.0), ("STRING", "hi", "hi"), (None, "hi", "hi"),
    ("BOOL", "yes", True), ("BOOL", "On", True), ("BOOL", "0", False), ("BOOL", "f", False),
])
def test_typed_parameters_read_as_seldon_reads_them(kind: str | None, value: str, expected: Any) -> None:
    result = typed_value("p", value, kind)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(("kind", "value", "message"), [
    ("INT", "1.5", "parameter 'p': '1.5' is not a valid INT (invalid literal for int() with base 10: '1.5')"),
    ("BOOL", "maybe", "parameter 'p': 'maybe' is not a valid BOOL (invalid truth value 'maybe')"),
    ("LIST", "1", "parameter 'p': unknown type 'LIST'; valid are INT, FLOAT, DOUBLE, STRING, BOOL"),
])
def test_a_bad_parameter_names_itself(kind: str, value: str, message: str) -> None:
    with pytest.raises(ParameterError) as raised:
        typed_value("p", value, kind)
    assert str(raised.value) == message


def test_a_bad_parameter_value_is_a_rule_problem_naming_the_node() -> None:
    item = copy.deepcopy(EXAMPLES[0])
    item["spec"]["predictors"][0]["graph"]["parameters"] = [{"name": "n", "value": "many", "type": "INT"}]
    assert problems(item) == [
        "spec.predictors[0].graph.parameters: graph node 'classifier': parameter 'n': 'many' is not a valid INT "
        "(invalid literal for int() with base 10: 'many')"]


@pytest.mark.parametrize(("fields", "calls"), [
    ({}, ("predict", None, False, False, True)),
    ({"type": "MODEL"}, ("predict", None, False, False, True)),
    ({"implementation": "SKLEARN_SERVER", "modelUri": "gs://m"}, ("predict", None, False, False, True)),
    ({"type": "TRANSFORMER"}, ("transform-input", None, False, False, False)),
    ({"type": "OUTPUT_TRANSFORMER"}, (None, None, False, True, False)),
    ({"type": "ROUTER"}, (None, "remote", False, False, True)),
    ({"type": "COMBINER"}, (None, None, True, False, False)),
    ({"implementation": "RANDOM_ABTEST"}, (None, "RANDOM_ABTEST", False, False, False)),
    ({"methods": ["TRANSFORM_INPUT", "TRANSFORM_OUTPUT"]}, ("transform-input", None, False, True, False)),
    ({"type": "MODEL", "methods": ["TRANSFORM_INPUT", "ROUTE"]}, ("predict", "remote", False, False, True)),
    ({"methods": ["AGGREGATE", "SEND_FEEDBACK"]}, (None, None, True, False, True)),
    ({"type": "UNKNOWN_TYPE"}, (None, None, False, False, False)),
])
def test_the_calls_a_node_gets_follow_seldons_executor(fields: dict[str, Any], calls: tuple[Any, ...]) -> None:
    got = predictor(node("n", **fields)).graph.calls()
    assert (got.input, got.route, got.aggregate, got.output, got.feedback) == calls


def test_a_walkable_graph_has_no_runtime_problems() -> None:
    graph = node("t", 9000, type="TRANSFORMER", children=[
        node("ab", None, implementation="RANDOM_ABTEST", parameters=[{"name": "ratioA", "value": "0.3"}],
             children=[node("a", 9001), node("b", 9002)])])
    assert runtime_problems(predictor(graph)) == []


@pytest.mark.parametrize(("graph", "expected"), [
    (node("r", type="ROUTER"), ["predictor.graph: router 'r' has no children to route to"]),
    (node("c", type="COMBINER"), ["predictor.graph: combiner 'c' has no children to combine"]),
    (node("m", None), ["predictor.graph: graph node 'm' has no endpoint (endpoint.service_host and a port)"]),
    (node("m", 9000, children=[{"name": "x", "endpoint": {"service_host": "localhost"}}]),
     ["predictor.graph.children[0].endpoint: graph node 'x' has no port (httpPort, grpcPort or service_port)"]),
    (node("a", children=[node("b", 9001, children=[node("a", 9002)])]),
     ["predictor.graph.children[0].children[0]: graph node 'a' is its own ancestor (a → b → a); "
      "a graph cannot have a cycle"]),
    (node("a", children=[node("b", 9001), node("b", 9002)]),
     ["predictor.graph: graph node name 'b' is used 2 times"]),
    (node("s", None, implementation="SIMPLE_ROUTER", children=[node("b", 9001)]),
     ["predictor.graph: graph node 's' uses SIMPLE_ROUTER, which the orchestrator does not implement "
      "(built in: RANDOM_ABTEST)"]),
    (node("ab", None, implementation="RANDOM_ABTEST", children=[node("b", 9001)]),
     ["predictor.graph: RANDOM_ABTEST node 'ab' needs exactly two children"]),
])
def test_a_graph_the_orchestrator_cannot_walk_is_refused_naming_the_node(
        graph: dict[str, Any], expected: list[str]) -> None:
    assert runtime_problems(predictor(graph)) == expected


def test_grpc_transport_needs_grpc_ports() -> None:
    graph = {"name": "m", "endpoint": {"service_host": "localhost", "httpPort": 9000}}
    assert runtime_problems(predictor(graph), transport="GRPC") == [
        "predictor.graph.endpoint: graph node 'm' has no GRPC port (grpcPort or service_port)"]
    assert runtime_problems(predictor(graph)) == []


def test_the_package_imports_no_serving_stack() -> None:
    code = ("import sys, seldon_graph; "
            "print(sorted(m for m in ('flask', 'granian', 'grpc', 'numpy', 'seldon_s2i', 'orjson') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"
