"""The web console's extras in console/: a SeldonDeployment YAML sample and a quick start.

Both files validate against the console.openshift.io/v1 schemas in
test_manifest_schemas (every manifest file does). Checks here: the YAML sample targets
the CRD's kind and version, and its YAML is a SeldonDeployment our CRD accepts and the
graph rules would run; the quick start's `oc new-app` uses the builder ImageStream with
a #ref and an existing context folder, its route targets the builder's REST port, and
the catalog template it recommends exists.
"""

from __future__ import annotations

import re
import shlex

import manifest_schemas
import seldon_graph
import yaml
from manifest_files import CONSOLE_FILES, REPOSITORY_ROOT, load

SAMPLE = load(REPOSITORY_ROOT / "console" / "seldondeployment-sample.yaml")
QUICK_START = load(REPOSITORY_ROOT / "console" / "deploy-model-quickstart.yaml")


def test_console_files_are_the_sample_and_the_quick_start() -> None:
    assert {load(path)["kind"] for path in CONSOLE_FILES} == {"ConsoleYAMLSample", "ConsoleQuickStart"}
    for path in CONSOLE_FILES:
        assert load(path)["metadata"]["labels"]["app.kubernetes.io/part-of"] == "seldon-s2i"


def test_the_yaml_sample_is_a_seldon_deployment_our_crd_accepts_and_that_runs() -> None:
    crd = manifest_schemas.seldon_crd()
    target = SAMPLE["spec"]["targetResource"]
    assert target == {"apiVersion": f"{crd['spec']['group']}/v1", "kind": crd["spec"]["names"]["kind"]}
    item = yaml.safe_load(SAMPLE["spec"]["yaml"])
    assert (item["apiVersion"], item["kind"]) == (target["apiVersion"], target["kind"])
    problems = list(manifest_schemas.errors_of(item))
    assert not problems, "\n".join(problems)
    assert not list(seldon_graph.problems(item))


def test_the_quick_start_builds_the_sample_model_with_the_builder() -> None:
    (command,) = re.findall(r"`(oc new-app [^`]+)`", QUICK_START["spec"]["tasks"][0]["description"])
    words = shlex.split(command)
    builder, _, url = words[2].partition("~")
    assert (REPOSITORY_ROOT / "imagestreams" / f"{builder}.yaml").is_file()
    assert url.endswith("#main")
    context_dir = words[words.index("--context-dir") + 1]
    assert (REPOSITORY_ROOT / context_dir / ".s2i" / "environment").is_file()
    assert "oc expose service/iris --port 9000" in QUICK_START["spec"]["tasks"][1]["review"]["failedTaskHelp"]
    assert "**Seldon model**" in QUICK_START["spec"]["conclusion"]
    assert load(REPOSITORY_ROOT / "openshift-templates" / "seldon-model.yaml")["metadata"]["annotations"][
        "openshift.io/display-name"].startswith("Seldon model")
