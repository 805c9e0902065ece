"""`seldon-s2i template process`, run as a user runs it: the installed console script.

Checks: it prints a v1 List (JSON by default, YAML on request) on stdout and the
template's message (webhook URLs) on stderr; two renders generate different webhook
secrets; -p, --param-file, -l (comma-separated pairs, like oc) and stdin work; --parameters lists the parameters; bad
input (missing required parameter, unknown parameter, malformed -p, missing file,
invalid YAML, not a template) exits 2 with one clear line and no traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from manifest_files import REPOSITORY_ROOT

SELDON_S2I = str(Path(sys.executable).with_name("seldon-s2i"))
MODEL_TEMPLATE = REPOSITORY_ROOT / "openshift-templates" / "seldon-model.yaml"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SELDON_S2I, "template", "process", *args], input=stdin, capture_output=True, text=True,
                          timeout=60, check=False)


def items(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    assert listing["kind"] == "List" and listing["apiVersion"] == "v1"
    return listing["items"]


def webhook_secret(objects: list[dict[str, Any]]) -> str:
    (secret,) = [item for item in objects if item["kind"] == "Secret"]
    return secret["stringData"]["WebHookSecretKey"]


def test_renders_a_list_and_prints_the_webhook_urls_on_stderr() -> None:
    result = run(str(MODEL_TEMPLATE), "-p", "NAME=wine", "-p", "REPLICAS=3")
    objects = items(result)
    assert [item["kind"] for item in objects] == ["ImageStream", "Secret", "BuildConfig", "SeldonDeployment"]
    assert objects[3]["spec"]["predictors"][0]["replicas"] == 3
    secret = webhook_secret(objects)
    for host in ("github", "gitlab", "bitbucket", "generic"):
        assert f"/buildconfigs/wine/webhooks/{secret}/{host}" in result.stderr


def test_two_renders_generate_different_webhook_secrets() -> None:
    first, second = webhook_secret(items(run(str(MODEL_TEMPLATE)))), webhook_secret(items(run(str(MODEL_TEMPLATE))))
    assert len(first) == len(second) == 40
    assert first != second


def test_yaml_output_quiet_mode_labels_and_param_file(tmp_path: Path) -> None:
    param_file = tmp_path / "params.env"
    param_file.write_text("# my model\nNAME=wine\n\nSOURCE_REPOSITORY_REF=release-1\n")
    result = run(str(MODEL_TEMPLATE), "--param-file", str(param_file), "-l", "team=ml,tier=gold", "-l", "env=prod",
                 "-o", "yaml", "-q")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    objects = yaml.safe_load(result.stdout)["items"]
    build_config = next(item for item in objects if item["kind"] == "BuildConfig")
    assert build_config["metadata"]["name"] == "wine"
    assert build_config["spec"]["source"]["git"]["ref"] == "release-1"
    # -l takes comma-separated pairs, as in oc process.
    for item in objects:
        assert {"team": "ml", "tier": "gold", "env": "prod"}.items() <= item["metadata"]["labels"].items()


def test_reads_the_template_from_stdin() -> None:
    objects = items(run("-", "-p", "NAME=piped", stdin=MODEL_TEMPLATE.read_text()))
    assert {item["metadata"]["name"] for item in objects} == {"piped", "piped-webhook"}


def test_lists_parameters() -> None:
    result = run(str(MODEL_TEMPLATE), "--parameters")
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["NAME", "DESCRIPTION", "GENERATOR", "VALUE"]
    webhook = next(row for row in rows if row.startswith("WEBHOOK_SECRET "))
    assert "expression [a-zA-Z0-9]{40}" in webhook


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("-p", "NAME="), "seldon-s2i template: error: openshift-templates/seldon-model.yaml: parameter NAME is required"),
        (("-p", "NAM=x"), "unknown parameter NAM (this template takes: "),
        (("-p", "NAME"), "-p/--param: expected NAME=VALUE, got 'NAME'"),
        (("-p", "NAME=a", "-p", "NAME=b"), "parameter NAME is given twice with different values"),
    ],
)
def test_bad_parameters_are_one_clear_line(arguments: tuple[str, ...], message: str) -> None:
    result = subprocess.run([SELDON_S2I, "template", "process", "openshift-templates/seldon-model.yaml", *arguments],
                            capture_output=True, text=True, timeout=60, check=False, cwd=REPOSITORY_ROOT)
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("a: [unclosed", "not valid YAML or JSON"),
        ("kind: ConfigMap\napiVersion: v1\n", "expected kind Template"),
    ],
)
def test_bad_template_files_are_one_clear_line(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "template.yaml"
    if content is not None:
        path.write_text(content)
    result = run(str(path))
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
