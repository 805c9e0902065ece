"""The SeldonDeployment rules beyond the CRD schema (seldon_graph.problems).

Checks: Seldon Core's published examples and every SeldonDeployment our templates
render break no rule; each of Seldon Core 1.x's admission rules and our
imageStreamTags rules reports the broken object in a readable line; and
`seldon-s2i template process` refuses to print a graph that breaks them.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from manifest_files import TEMPLATE_FILES, objects_of_kind, render
from seldon_core_examples import SELDON_CORE_EXAMPLES
from seldon_graph import problems

EXAMPLES = list(yaml.safe_load_all(SELDON_CORE_EXAMPLES))
BY_NAME = {example["metadata"]["name"]: example for example in EXAMPLES}


def example(name: str) -> dict[str, Any]:
    return copy.deepcopy(BY_NAME[name])


@pytest.mark.parametrize("item", EXAMPLES, ids=lambda item: item["metadata"]["name"])
def test_seldon_core_examples_break_no_rule(item: dict[str, Any]) -> None:
    assert problems(item) == []


@pytest.mark.parametrize("path", [p for p in TEMPLATE_FILES if "SeldonDeployment" in p.read_text()],
                         ids=lambda path: path.stem)
def test_rendered_templates_break_no_rule(path: Path) -> None:
    (item,) = objects_of_kind(render(path).objects, "SeldonDeployment")
    assert problems(item) == []


def broken(name: str, change: Any) -> list[str]:
    item = example(name)
    change(item["spec"])
    return problems(item)


def test_every_graph_node_needs_its_container() -> None:
    def rename(spec: dict[str, Any]) -> None:
        spec["predictors"][0]["graph"]["name"] = "classifer"

    assert broken("seldon-model", rename) == [
        "spec.predictors[0].graph: graph node 'classifer' has no container of that name in componentSpecs"]


def test_built_in_and_prepackaged_nodes_need_no_container_but_prepackaged_needs_a_model_uri() -> None:
    def drop_uri(spec: dict[str, Any]) -> None:
        del spec["predictors"][0]["graph"]["modelUri"]

    assert broken("iris-model", drop_uri) == [
        "spec.predictors[0].graph: graph node 'classifier' uses SKLEARN_SERVER, which needs a modelUri"]


def test_random_abtest_needs_two_children_and_a_ratio_between_0_and_1() -> None:
    def one_child(spec: dict[str, Any]) -> None:
        spec["predictors"][0]["graph"]["children"].pop()
        spec["predictors"][0]["graph"]["parameters"][0]["value"] = "1.5"

    assert broken("abtest", one_child) == [
        "spec.predictors[0].graph: RANDOM_ABTEST node 'random-ab-test' needs exactly two children",
        "spec.predictors[0].graph: ratioA of 'random-ab-test' must be a number from 0 to 1, not '1.5'",
    ]


def test_traffic_of_serving_predictors_adds_up_to_100() -> None:
    def skew(spec: dict[str, Any]) -> None:
        spec["predictors"][1]["traffic"] = 30

    assert broken("example-canary", skew) == [
        "spec.predictors: traffic of the predictors that serve must add up to 100, not 105"]

    def single(spec: dict[str, Any]) -> None:
        spec["predictors"][0]["traffic"] = 50

    assert broken("seldon-model", single) == [
        "spec.predictors: the only serving predictor must get traffic 100, not 50"]


def test_shadows_and_duplicate_predictors() -> None:
    def all_shadows(spec: dict[str, Any]) -> None:
        for predictor in spec["predictors"]:
            predictor["shadow"] = True

    assert broken("example-canary", all_shadows) == [
        "spec.predictors: only one predictor may be a shadow",
        "spec.predictors: a shadow predictor needs a predictor that serves traffic"]

    def duplicate(spec: dict[str, Any]) -> None:
        spec["predictors"][1]["name"] = "main"

    assert broken("example-canary", duplicate) == ["spec.predictors: predictor name 'main' is used 2 times"]
    assert problems({"spec": {"predictors": []}}) == [
        "spec.predictors: a SeldonDeployment needs at least one predictor"]


def test_one_transport_per_graph_and_no_engine_only_for_one_node() -> None:
    def mixed(spec: dict[str, Any]) -> None:
        spec["predictors"][0]["graph"]["children"][1]["endpoint"]["type"] = "GRPC"

    assert broken("abtest", mixed) == [
        "spec.predictors[0].graph: graph mixes endpoint types ['GRPC', 'REST']; use one transport"]

    def no_engine(spec: dict[str, Any]) -> None:
        spec["predictors"][0]["annotations"]["seldon.io/no-engine"] = "true"

    assert broken("seldon-model-chain", no_engine) == [
        "spec.predictors[0]: seldon.io/no-engine works only for a graph of one node"]


def test_every_container_gets_an_image_directly_or_from_an_imagestreamtag() -> None:
    def imageless(spec: dict[str, Any]) -> None:
        component = spec["predictors"][0]["componentSpecs"][0]
        del component["spec"]["containers"][0]["image"]
        component["imageStreamTags"] = [{"container": "clasifier", "name": "iris:latest"}]

    assert broken("seldon-model", imageless) == [
        "spec.predictors[0].componentSpecs[0].imageStreamTags: names no container 'clasifier'",
        "spec.predictors[0].componentSpecs[0].spec.containers[0]: container 'classifier' has neither an image "
        "nor an imageStreamTags entry",
    ]

    def tagged(spec: dict[str, Any]) -> None:
        component = spec["predictors"][0]["componentSpecs"][0]
        del component["spec"]["containers"][0]["image"]
        component["imageStreamTags"] = [{"container": "classifier", "name": "iris:latest"}]

    assert broken("seldon-model", tagged) == []


def test_template_process_refuses_a_graph_that_would_not_run(tmp_path: Path) -> None:
    template = yaml.safe_load((TEMPLATE_FILES[0].with_name("seldon-model.yaml")).read_text())
    (seldon_deployment,) = [item for item in template["objects"] if item["kind"] == "SeldonDeployment"]
    seldon_deployment["spec"]["predictors"][0]["graph"]["name"] = "${GRAPH_NODE}"
    template["parameters"].append({"name": "GRAPH_NODE", "value": "model"})
    path = tmp_path / "custom.yaml"
    path.write_text(yaml.safe_dump(template))
    seldon_s2i = str(Path(sys.executable).with_name("seldon-s2i"))

    good = subprocess.run([seldon_s2i, "template", "process", str(path), "-q"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert good.returncode == 0, good.stderr

    bad = subprocess.run([seldon_s2i, "template", "process", str(path), "-p", "GRAPH_NODE=modle"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.strip().splitlines() == [
        f"seldon-s2i template: error: {path}: the rendered graph would not run: SeldonDeployment iris: "
        "spec.predictors[0].graph: graph node 'modle' has no container of that name in componentSpecs"]
