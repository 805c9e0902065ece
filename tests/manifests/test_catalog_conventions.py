"""The conventions `oc new-app`, the web console and git webhooks rely on.

Each test names the rule it checks; the rules come from how oc, the console and the
OpenShift API server read these fields (see the comments in imagestreams/ and the
template files):

- builder ImageStream tags: `tags` holds `builder` and not `hidden`; `supports`
  offers seldon-python and a versioned python; the catalog and sample annotations
  are set and agree across tags; sample folders exist here and are s2i apps;
  `latest` follows the newest versioned tag; every tag uses `referencePolicy: Local`
  and no tag names an external registry: a BuildConfig in builds/ builds each
  versioned tag on the cluster from this repository's root;
- templates: catalog annotations (`hidden` on the admins' builder build only), a labels
  block with the Topology labels on every object, a message with every webhook URL,
  disciplined parameters, file name = template name;
- BuildConfigs: `git.ref` always set (webhooks compare the pushed branch with it and
  fall back to `master` without it); every webhook trigger takes its secret from a
  Secret the same template creates from a generated parameter; the builder build uses
  builder/Containerfile from the repository root;
- SeldonDeployments, plain Deployments and the webhook-access RoleBinding: see
  test_deployment_conventions.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import manifest_schemas
import pytest
from manifest_files import (
    BUILD_FILES,
    CANONICAL_REPOSITORY,
    IMAGESTREAM_FILES,
    REPOSITORY_ROOT,
    TEMPLATE_FILES,
    by_name,
    load,
    objects_of_kind,
    render,
)

BUILDER_STREAM = load(REPOSITORY_ROOT / "imagestreams" / "seldon-python.yaml")
WEBHOOK_TYPES = ("GitHub", "GitLab", "Bitbucket", "Generic")
CATALOG_ANNOTATIONS = (
    "openshift.io/display-name",
    "description",
    "openshift.io/long-description",
    "tags",
    "iconClass",
    "openshift.io/provider-display-name",
    "openshift.io/documentation-url",
    "openshift.io/support-url",
)


def comma_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def version_key(tag: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", tag.split("-")[0]))


# --- ImageStreams --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", IMAGESTREAM_FILES, ids=lambda path: path.stem)
def test_imagestreams_live_in_openshift_and_are_named_after_their_file(path: Path) -> None:
    stream = load(path)
    assert stream["metadata"]["name"] == path.stem
    # The console's builder catalog lists ImageStreams of the `openshift` namespace only.
    assert stream["metadata"]["namespace"] == "openshift"
    # The console reads the catalog name and provider from the ImageStream's own metadata.
    assert stream["metadata"]["annotations"]["openshift.io/display-name"]
    assert stream["metadata"]["annotations"]["openshift.io/provider-display-name"] == "seldon-s2i"


@pytest.mark.parametrize("path", IMAGESTREAM_FILES, ids=lambda path: path.stem)
def test_every_tag_is_local_and_built_on_the_cluster_by_a_build_config(path: Path) -> None:
    stream = load(path)
    pushed_by = {
        build["spec"]["output"]["to"]["name"]: build
        for build in map(load, BUILD_FILES)
        if build["spec"]["output"]["to"]["kind"] == "ImageStreamTag"
    }
    for tag in stream["spec"]["tags"]:
        # Local: pods pull through the integrated registry, which holds the pull credentials.
        assert tag["referencePolicy"] == {"type": "Local"}, tag["name"]
        if tag["name"] == "latest":
            continue
        # No external registry: the default install's BuildConfig in the same namespace fills the tag.
        assert "from" not in tag, f"{tag['name']} depends on an image nothing here builds"
        build = pushed_by[f"{stream['metadata']['name']}:{tag['name']}"]
        assert build["metadata"]["namespace"] == stream["metadata"]["namespace"]


def test_the_build_configs_build_this_repository_from_its_root() -> None:
    assert {load(path)["metadata"]["name"] for path in BUILD_FILES} == {"seldon-python", "seldon-controller"}
    for path in BUILD_FILES:
        build = load(path)
        source, strategy = build["spec"]["source"], build["spec"]["strategy"]
        assert source["git"] == {"uri": CANONICAL_REPOSITORY, "ref": "main"}
        assert "contextDir" not in source  # the repository root is the context
        assert strategy["type"] == "Docker"
        expected = {"seldon-python": "builder/Containerfile", "seldon-controller": "controller/Containerfile"}
        assert strategy["dockerStrategy"]["dockerfilePath"] == expected[build["metadata"]["name"]]
        assert (REPOSITORY_ROOT / strategy["dockerStrategy"]["dockerfilePath"]).is_file()
        assert {"type": "ConfigChange"} in build["spec"]["triggers"]  # built as soon as it is installed
        assert build["metadata"]["labels"]["app.kubernetes.io/part-of"] == "seldon-s2i"


@pytest.mark.parametrize("path", IMAGESTREAM_FILES, ids=lambda path: path.stem)
def test_latest_follows_the_newest_versioned_tag(path: Path) -> None:
    tags = {tag["name"]: tag for tag in load(path)["spec"]["tags"]}
    versioned = [name for name in tags if name != "latest"]
    assert versioned
    newest = max(versioned, key=version_key)
    assert tags["latest"]["from"] == {"kind": "ImageStreamTag", "name": newest}
    for name in versioned:
        assert tags[name]["annotations"]["version"] and name.startswith(tags[name]["annotations"]["version"])


def test_every_builder_tag_is_a_builder_for_oc_new_app_and_the_console() -> None:
    for tag in BUILDER_STREAM["spec"]["tags"]:
        categories = comma_list(tag["annotations"]["tags"])
        # oc new-app: `builder` in the tag's `tags` makes it a source-to-image builder;
        # `hidden` would drop it from new-app's search and from the console catalog.
        assert "builder" in categories, tag["name"]
        assert "hidden" not in categories, tag["name"]
        assert {"python", "seldon"} <= set(categories)


def test_supports_offers_the_builder_to_language_detection_without_taking_over_plain_python() -> None:
    for tag in BUILDER_STREAM["spec"]["tags"]:
        supports = comma_list(tag["annotations"]["supports"])
        assert "seldon-python" in supports
        # A versioned python entry matches a detected `python` repository partially; the
        # stock python builder's exact `python` entry keeps winning for plain Python apps.
        assert "python" not in supports
        assert any(re.fullmatch(r"python:\d+\.\d+", entry) for entry in supports), supports


def test_catalog_and_sample_annotations_are_set_and_agree_across_tags() -> None:
    tags = BUILDER_STREAM["spec"]["tags"]
    for tag in tags:
        annotations = tag["annotations"]
        for key in ("openshift.io/display-name", "description", "iconClass", "openshift.io/provider-display-name",
                    "sampleRepo", "sampleRef", "sampleContextDir"):
            assert annotations.get(key), f"{tag['name']} lacks {key}"
        assert annotations["iconClass"].startswith("icon-")
    # The console's catalog page reads the sample of the first tag, the import form the chosen one.
    for key in ("sampleRepo", "sampleRef", "sampleContextDir", "iconClass", "openshift.io/provider-display-name"):
        assert len({tag["annotations"][key] for tag in tags}) == 1, f"{key} differs between tags"
    assert tags[0]["annotations"]["sampleRepo"] == CANONICAL_REPOSITORY
    display_names = [tag["annotations"]["openshift.io/display-name"] for tag in tags]
    assert len(set(display_names)) == len(display_names)


def test_the_sample_folder_is_an_s2i_model_in_this_repository() -> None:
    sample = REPOSITORY_ROOT / BUILDER_STREAM["spec"]["tags"][0]["annotations"]["sampleContextDir"]
    environment = (sample / ".s2i" / "environment").read_text()
    assert "SERVICE_TYPE=MODEL" in environment.splitlines()
    assert (sample / "requirements.txt").is_file()


def test_the_controller_stream_is_not_a_builder() -> None:
    stream = load(REPOSITORY_ROOT / "imagestreams" / "seldon-controller.yaml")
    for tag in stream["spec"]["tags"]:
        categories = comma_list(tag["annotations"]["tags"])
        assert "builder" not in categories
        assert "hidden" in categories  # kept out of oc new-app's image search


# --- Templates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda path: path.stem)
def test_templates_carry_catalog_annotations_labels_and_a_message(path: Path) -> None:
    template = load(path)
    assert template["metadata"]["name"] == path.stem
    annotations = template["metadata"]["annotations"]
    for key in CATALOG_ANNOTATIONS:
        assert annotations.get(key), f"{path.name} lacks {key}"
    # The console's catalog skips `hidden` templates: only the admins' builder build is one.
    assert ("hidden" in comma_list(annotations["tags"])) == (path.stem == "seldon-python-builder")
    assert "seldon" in comma_list(annotations["tags"])
    assert annotations["openshift.io/documentation-url"] == CANONICAL_REPOSITORY
    assert annotations["openshift.io/support-url"].startswith(CANONICAL_REPOSITORY)
    assert template["labels"]["template"] == path.stem
    assert template["message"].strip()
    assert "namespace" not in template["metadata"]


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda path: path.stem)
def test_everything_a_template_creates_carries_the_topology_labels(path: Path) -> None:
    # The console's Topology groups objects by app.kubernetes.io/part-of and picks the icon
    # from app.openshift.io/runtime.
    # A model is an application of its own; the pack's admin tools belong to seldon-s2i.
    expected_group = "seldon-s2i" if path.stem in ("seldon-python-builder", "seldon-webhook-access") else "fraud"
    for item in render(path, NAME="fraud").objects:
        labels = item["metadata"]["labels"]
        assert labels["app.kubernetes.io/part-of"] == expected_group, item["kind"]
        if item["kind"] != "RoleBinding":
            assert labels["app.openshift.io/runtime"] == "python", item["kind"]


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda path: path.stem)
def test_parameters_are_disciplined(path: Path) -> None:
    for parameter in load(path)["parameters"]:
        name = parameter["name"]
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name), name
        assert parameter.get("displayName") and parameter.get("description"), name
        has_default = bool(parameter.get("value"))
        generated = parameter.get("generate") == "expression"
        assert has_default or generated or "CONTEXT_DIR" in name, f"{name} needs a default or a generator"
        if "SECRET" in name:
            # Secrets are generated per render, never shipped as a default.
            assert generated and not has_default, name
        if has_default and not name.endswith("CONTEXT_DIR"):
            assert parameter.get("required") is True, f"{name} has a default, so it must not be blanked"


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda path: path.stem)
def test_repository_parameters_default_to_the_canonical_repository(path: Path) -> None:
    for parameter in load(path)["parameters"]:
        if parameter["name"].endswith("REPOSITORY_URL"):
            assert parameter["value"] == CANONICAL_REPOSITORY


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda path: path.stem)
def test_objects_have_no_hard_coded_namespace(path: Path) -> None:
    for item in load(path)["objects"]:
        assert "namespace" not in item["metadata"], f"{item['kind']} would be stripped or misplaced"


def build_configs() -> list[tuple[str, dict[str, Any], list[dict[str, Any]]]]:
    found = []
    for path in TEMPLATE_FILES:
        result = render(path)
        for build_config in objects_of_kind(result.objects, "BuildConfig"):
            found.append((path.stem, build_config, result.objects))
    return found


BUILD_CONFIGS = build_configs()


def test_every_template_that_builds_has_build_configs() -> None:
    building = {stem for stem, _, _ in BUILD_CONFIGS}
    assert building == {path.stem for path in TEMPLATE_FILES} - {"seldon-webhook-access"}


@pytest.mark.parametrize(("stem", "build_config", "objects"), BUILD_CONFIGS,
                         ids=[f"{stem}:{bc['metadata']['name']}" for stem, bc, _ in BUILD_CONFIGS])
def test_every_build_config_sets_git_ref(stem: str, build_config: dict[str, Any], objects: list[Any]) -> None:
    # Webhooks compare the pushed branch with git.ref; without it they only build `master`.
    git = build_config["spec"]["source"]["git"]
    assert git["ref"] and "${" not in git["ref"]
    assert git["uri"] == CANONICAL_REPOSITORY


@pytest.mark.parametrize(("stem", "build_config", "objects"), BUILD_CONFIGS,
                         ids=[f"{stem}:{bc['metadata']['name']}" for stem, bc, _ in BUILD_CONFIGS])
def test_every_webhook_secret_comes_from_a_generated_secret(
    stem: str, build_config: dict[str, Any], objects: list[dict[str, Any]]
) -> None:
    template = load(REPOSITORY_ROOT / "openshift-templates" / f"{stem}.yaml")
    generated = {p["name"] for p in template["parameters"] if p.get("generate") == "expression" and not p.get("value")}
    # Rendering keeps the objects' order, so each rendered Secret pairs with its source.
    sources = dict(zip(by_name(objects, "Secret"), objects_of_kind(template["objects"], "Secret"), strict=True))
    triggers = build_config["spec"]["triggers"]
    assert {trigger["type"] for trigger in triggers} >= {"ConfigChange", *WEBHOOK_TYPES}
    for trigger in triggers:
        if trigger["type"] not in WEBHOOK_TYPES:
            continue
        webhook = trigger[trigger["type"].lower()]
        assert set(webhook) == {"secretReference"}, "no plain-text secret in the BuildConfig"
        source_value = sources[webhook["secretReference"]["name"]]["stringData"]["WebHookSecretKey"]
        reference = re.fullmatch(r"\$\{([A-Z_]+)\}", source_value)
        assert reference and reference.group(1) in generated, f"{source_value} is not a generated parameter"


@pytest.mark.parametrize("path", [p for p in TEMPLATE_FILES if p.stem != "seldon-webhook-access"],
                         ids=lambda path: path.stem)
def test_the_message_gives_every_webhook_url(path: Path) -> None:
    result = render(path)
    (secret,) = objects_of_kind(result.objects, "Secret")
    value = secret["stringData"]["WebHookSecretKey"]
    for build_config in objects_of_kind(result.objects, "BuildConfig"):
        url = (f"https://<api-server>/apis/build.openshift.io/v1/namespaces/<namespace>/buildconfigs/"
               f"{build_config['metadata']['name']}/webhooks/{value}/")
        all_hosts_in_one = f"{url}<github|gitlab|bitbucket|generic>" in result.message
        one_per_host = all(f"{url}{host.lower()}" in result.message for host in WEBHOOK_TYPES)
        assert all_hosts_in_one or one_per_host, f"no webhook URLs for {build_config['metadata']['name']}"
    assert "application/json" in result.message  # GitHub's default form encoding gets 400
    assert "seldon-webhook-access" in result.message


def test_model_builds_use_the_seldon_python_builder_incrementally() -> None:
    for stem, build_config, _ in BUILD_CONFIGS:
        strategy = build_config["spec"]["strategy"]
        if stem == "seldon-python-builder":
            continue
        assert strategy["type"] == "Source"
        source = strategy["sourceStrategy"]
        assert source["from"] == {"kind": "ImageStreamTag", "namespace": "openshift", "name": "seldon-python:latest"}
        assert source["incremental"] is True  # the builder ships save-artifacts
        assert build_config["spec"]["resources"]["limits"]["memory"]
        assert {"type": "ImageChange", "imageChange": {}} in build_config["spec"]["triggers"]
        assert build_config["spec"]["output"]["to"]["kind"] == "ImageStreamTag"


def test_the_builder_build_uses_the_containerfile_from_the_repository_root() -> None:
    (build_config,) = objects_of_kind(render(REPOSITORY_ROOT / "openshift-templates/seldon-python-builder.yaml")
                                      .objects, "BuildConfig")
    assert build_config["spec"]["strategy"]["type"] == "Docker"
    assert build_config["spec"]["strategy"]["dockerStrategy"]["dockerfilePath"] == "builder/Containerfile"
    assert "contextDir" not in build_config["spec"]["source"]  # the repository root is the context
    assert build_config["spec"]["output"]["to"] == {
        "kind": "ImageStreamTag", "namespace": "openshift", "name": "seldon-python:main"}
    # The imported release tags are re-imported on a schedule; a pushed tag must not be one of them.
    imported = {tag["name"] for tag in BUILDER_STREAM["spec"]["tags"]}
    assert "main" not in imported


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda path: path.stem)
def test_optional_parameters_left_empty_render_valid_objects_without_a_source_secret(path: Path) -> None:
    # A parameter cannot add or drop a field, so the templates take no git secret: private
    # repositories use `oc set build-secret` or a Secret annotated source-secret-match-uri (README).
    optional = {parameter["name"]: "" for parameter in load(path)["parameters"] if not parameter.get("required")}
    for item in render(path, **optional).objects:
        assert "sourceSecret" not in item.get("spec", {}).get("source", {}), item["metadata"]["name"]
        problems = list(manifest_schemas.errors_of(item))
        assert not problems, "\n".join(problems)
