"""Every `oc` command in openshift-templates/README.md refers to what the repository really has.

The README is the OpenShift user's path (install, `oc new-app`, webhooks, private
repositories and indexes, the catalog templates). Each command in its shell blocks is
checked against the manifests it names: applied files exist and land in the namespace
they declare; `oc new-app` uses a builder ImageStream, a `#ref` fragment and an
existing context folder whose MODEL_NAME matches `--build-env`; `oc expose` publishes
the builder's REST port of the Service new-app made; `seldon-s2i install` and `deploy` are
real subcommands and deploy builds the sample; processed templates declare the
parameters given and render valid objects; the BuildConfig patch and environment
produce a valid BuildConfig whose injected pip.conf is where PIP_CONFIG_FILE points;
`oc tag` points a versioned tag at a published image. An `oc` command this test does
not know fails it, so a new README command gets a check.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import PurePosixPath
from typing import Any

import manifest_schemas
import pytest
import yaml
from manifest_files import CANONICAL_REPOSITORY, REPOSITORY_ROOT, load, render
from seldon_s2i.cli.main import build_parser

README = REPOSITORY_ROOT / "openshift-templates" / "README.md"
CONTAINERFILE = REPOSITORY_ROOT / "builder" / "Containerfile"
BUILDER_WORKDIR = "/opt/app-root/src"


def shell_commands(text: str) -> list[list[str]]:
    """Each command of the README's ```sh blocks (pipelines split), as argument lists."""
    commands: list[list[str]] = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL):
        for line in block.splitlines():
            line = re.sub(r"\s+#\s.*$", "", line).strip()  # a trailing comment, not a URL's #fragment
            commands.extend(shlex.split(part) for part in line.split(" | ") if part.strip())
    return commands


COMMANDS = shell_commands(README.read_text())
OC_COMMANDS = [command for command in COMMANDS if command[0] == "oc"]


def option(command: list[str], *names: str) -> list[str]:
    values = []
    for index, word in enumerate(command):
        for name in names:
            if word == name:
                values.append(command[index + 1])
            elif word.startswith(f"{name}="):
                values.append(word.partition("=")[2])
    return values


def exposed_ports() -> set[int]:
    (line,) = [line for line in CONTAINERFILE.read_text().splitlines() if line.startswith("EXPOSE ")]
    return {int(port) for port in line.split()[1:]}


def new_app() -> list[str]:
    (command,) = [command for command in OC_COMMANDS if command[1] == "new-app"]
    return command


def app_name() -> str:
    (name,) = option(new_app(), "--name")
    return name


def the_readme_build_config() -> dict[str, Any]:
    """A Source BuildConfig like new-app's, with the README's patch and environment applied."""
    (build_config,) = [item for item in render(REPOSITORY_ROOT / "openshift-templates" / "seldon-model.yaml",
                                               NAME=app_name()).objects if item["kind"] == "BuildConfig"]
    for command in OC_COMMANDS:
        if command[1] == "patch":
            (patch,) = option(command, "-p")
            build_config["spec"]["source"] |= json.loads(patch)["spec"]["source"]
        if command[1:3] == ["set", "env"]:
            name, _, value = command[4].partition("=")
            env = build_config["spec"]["strategy"]["sourceStrategy"].setdefault("env", [])
            env.append({"name": name, "value": value})
    return build_config


def test_the_readme_walks_through_install_new_app_webhooks_and_the_catalog() -> None:
    verbs = [" ".join(command[1:3]) if command[1] == "set" else command[1] for command in OC_COMMANDS]
    for expected in ("apply", "new-app", "expose", "process", "describe", "set build-secret", "annotate", "tag"):
        assert expected in verbs, f"the README has no `oc {expected}`"
    assert verbs.index("new-app") < verbs.index("expose")


@pytest.mark.parametrize("command", [c for c in OC_COMMANDS if c[1] == "apply" and "-" not in option(c, "-f")],
                         ids=lambda command: " ".join(option(command, "-f") + option(command, "-k")))
def test_applied_files_exist_and_land_in_their_namespace(command: list[str]) -> None:
    namespace = option(command, "-n")
    for kustomization in option(command, "-k"):
        assert (REPOSITORY_ROOT / kustomization / "kustomization.yaml").is_file(), kustomization
    for target in option(command, "-f"):
        path = REPOSITORY_ROOT / target
        files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
        assert files and all(file.is_file() for file in files), target
        for file in files:
            declared = load(file)["metadata"].get("namespace")
            if declared:
                assert namespace == [declared], f"{file.name} belongs in {declared}"


def test_new_app_builds_an_existing_model_folder_with_a_builder_and_a_ref() -> None:
    command = new_app()
    builder, _, url = command[2].partition("~")
    stream = load(REPOSITORY_ROOT / "imagestreams" / f"{builder}.yaml")
    assert any("builder" in tag["annotations"]["tags"].split(",") for tag in stream["spec"]["tags"])
    repository, _, ref = url.partition("#")
    assert ref, "without a #ref fragment webhooks build only pushes to master"
    assert repository == CANONICAL_REPOSITORY and ref == "main"
    (context_dir,) = option(command, "--context-dir")
    environment = (REPOSITORY_ROOT / context_dir / ".s2i" / "environment").read_text().splitlines()
    for assignment in option(command, "--build-env"):
        assert assignment in environment, f"--build-env {assignment} differs from {context_dir}/.s2i/environment"


def test_expose_publishes_the_rest_port_of_the_new_app_service() -> None:
    (command,) = [command for command in OC_COMMANDS if command[1] == "expose"]
    assert command[2] == f"service/{app_name()}"
    (port,) = option(command, "--port")
    assert int(port) == 9000 and int(port) in exposed_ports()


@pytest.mark.parametrize("command", [c for c in COMMANDS if "process" in c], ids=lambda c: " ".join(c[:4]))
def test_processed_templates_take_the_given_parameters_and_render_valid_objects(command: list[str]) -> None:
    path = REPOSITORY_ROOT / (option(command, "-f") or [command[3]])[0]
    declared = {parameter["name"] for parameter in load(path)["parameters"]}
    values = dict(assignment.split("=", 1) for assignment in option(command, "-p"))
    assert set(values) <= declared
    for item in render(path, **values).objects:
        problems = list(manifest_schemas.errors_of(item))
        assert not problems, "\n".join(problems)


def test_build_config_commands_name_the_new_app_build_config() -> None:
    name = app_name()
    for command in OC_COMMANDS:
        if command[1] in ("describe", "logs", "patch") or command[1:3] in (["set", "env"], ["set", "build-secret"]):
            target = next(word for word in command[2:] if word.startswith("bc/"))
            assert target == f"bc/{name}", command
        if command[1] == "start-build" and "-n" not in command:
            assert command[2] == name, command
        if command[1] == "start-build" and "-n" in command:
            assert load(REPOSITORY_ROOT / "builds" / f"{command[4]}.yaml")["metadata"]["namespace"] == command[3]


def test_the_private_repository_secret_is_attached_or_matched_by_uri() -> None:
    secrets = {command[4] for command in OC_COMMANDS if command[1:3] == ["create", "secret"]}
    (attach,) = [command for command in OC_COMMANDS if command[1:3] == ["set", "build-secret"]]
    assert "--source" in attach and attach[-1] in secrets
    (annotate,) = [command for command in OC_COMMANDS if command[1] == "annotate"]
    assert annotate[2] == "secret" and annotate[3] in secrets
    key, _, uri = annotate[4].partition("=")
    assert re.fullmatch(r"build\.openshift\.io/source-secret-match-uri-\d+", key) and uri.startswith("https://")


def test_the_pip_conf_build_secret_lands_where_pip_config_file_points() -> None:
    build_config = the_readme_build_config()
    problems = list(manifest_schemas.errors_of(build_config))
    assert not problems, "\n".join(problems)
    (secret,) = build_config["spec"]["source"]["secrets"]
    env = {item["name"]: item["value"] for item in build_config["spec"]["strategy"]["sourceStrategy"]["env"]}
    # OpenShift puts a relative destinationDir under the builder's working directory.
    assert env["PIP_CONFIG_FILE"] == str(PurePosixPath(BUILDER_WORKDIR) / secret["destinationDir"] / "pip.conf")
    assert f"WORKDIR {BUILDER_WORKDIR}" in CONTAINERFILE.read_text()


def test_tag_points_a_versioned_builder_tag_at_a_published_image() -> None:
    for command in [command for command in OC_COMMANDS if command[1] == "tag"]:
        assert "--source=docker" in command
        stream, _, tag = command[-1].removeprefix("openshift/").partition(":")
        published = command[-2]
        assert published.endswith(f"/{stream}:{tag}")
        tags = {item["name"] for item in yaml.safe_load((REPOSITORY_ROOT / "imagestreams" / f"{stream}.yaml")
                                                          .read_text())["spec"]["tags"]}
        assert tag in tags and tag != "latest"


def test_every_oc_command_is_checked() -> None:
    known = {"apply", "new-app", "logs", "expose", "process", "describe", "create", "set", "annotate", "patch",
             "start-build", "tag", "get"}
    unknown = [" ".join(command) for command in OC_COMMANDS if command[1] not in known]
    assert not unknown, f"add a check for: {unknown}"
    for command in COMMANDS:
        if command[0] != "oc":
            # The pack's own tools: a script of this repository, or the seldon-s2i CLI (processing checked above).
            assert command[0] == "seldon-s2i" or (REPOSITORY_ROOT / command[0]).is_file(), command


def test_the_pack_commands_exist_and_deploy_serves_the_sample_as_a_seldon_deployment() -> None:
    parser = build_parser()
    for command in [c for c in COMMANDS if c[0] == "seldon-s2i"]:
        parser.parse_args(command[1:])  # exits (and fails the test) on a subcommand or option it lacks
    (deploy,) = [c for c in COMMANDS if c[:2] == ["seldon-s2i", "deploy"]]
    assert deploy[2] == CANONICAL_REPOSITORY
    (context_dir,) = option(deploy, "--context-dir")
    assert (REPOSITORY_ROOT / context_dir / ".s2i" / "environment").is_file()
    (name,) = option(deploy, "--name")
    (get,) = [c for c in OC_COMMANDS if c[1] == "get"]
    assert get[2] in manifest_schemas.seldon_crd()["spec"]["names"]["shortNames"] and get[3] == name
