"""The seldon-python builder image itself, as OpenShift and s2i read it.

Checks: the s2i/OpenShift labels (scripts URL, builder tag, description, exposed
services), EXPOSE of the REST, gRPC and metrics ports, numeric USER 1001, usage
as the default command; the wrapper runs under an arbitrary UID on a read-only
root; a trusted CA used for pip at build time is mounted, never stored; every
build setting is documented both in `usage` and in the README table.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from model_images import HOST_CA_BUNDLE, REPO, copy_example, image_inspect, remove_image, s2i_build, session_image

USAGE = REPO / "builder" / "s2i" / "bin" / "usage"
README = REPO / "builder" / "README.md"
TRUSTED_CA_PATH = "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"


def _podman_run(image: str, *command: str, user: str = "12345:0") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", "run", "--rm", "--user", user, "--read-only", image, *command],
        capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.mark.container
def test_builder_metadata_is_what_openshift_reads(builder_image: str) -> None:
    details = image_inspect(builder_image)
    config = details["Config"]
    assert isinstance(config, dict)
    labels = config["Labels"]
    assert labels["io.openshift.s2i.scripts-url"] == "image:///usr/libexec/s2i"
    assert "builder" in labels["io.openshift.tags"].split(",")
    assert "seldon" in labels["io.openshift.tags"].split(",")
    assert labels["io.openshift.expose-services"] == "9000:http,5000:grpc,6000:metrics"
    assert "Seldon Core v1 protocol" in labels["io.k8s.description"]
    assert set(config["ExposedPorts"]) == {"9000/tcp", "5000/tcp", "6000/tcp"}
    assert config["User"] == "1001"
    assert config["Cmd"] == ["/usr/libexec/s2i/usage"]


@pytest.mark.container
def test_default_command_prints_usage_and_wrapper_runs_as_any_uid(builder_image: str) -> None:
    usage = _podman_run(builder_image)
    assert usage.returncode == 0, usage.stderr
    assert usage.stdout == subprocess.run([str(USAGE)], capture_output=True, text=True, check=True).stdout
    server_help = _podman_run(builder_image, "seldon-microservice", "--help")
    assert server_help.returncode == 0, server_help.stderr
    assert "--validate" in server_help.stdout
    scripts = _podman_run(builder_image, "ls", "/usr/libexec/s2i")
    assert scripts.stdout.split() == ["assemble", "run", "save-artifacts", "usage"]


@pytest.mark.container
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_trusted_ca_reaches_pip_and_stays_out_of_the_image(tmp_path: Path, builder_image: str) -> None:
    assert HOST_CA_BUNDLE.is_file(), f"this test needs the machine's CA bundle at {HOST_CA_BUNDLE}"
    source = copy_example("model", tmp_path)
    # A small package the wrapper does not bring, so pip has to fetch it from the index.
    (source / "requirements.txt").write_text("numpy\ntomli-w==1.0.0\n")
    image = session_image("trusted-ca")
    try:
        result = s2i_build(str(source), builder_image, image, "--trusted-ca", str(HOST_CA_BUNDLE), "--quiet")
        assert result.returncode == 0, result.stderr
        installed = _podman_run(image, "python", "-c", "import tomli_w; print(tomli_w.dumps({'ok': True}))")
        assert installed.stdout.strip() == "ok = true"
        left = _podman_run(image, "sh", "-c", f"test -s {TRUSTED_CA_PATH} && echo present || echo absent")
        assert left.stdout.strip() == "absent"
    finally:
        remove_image(image)


def _usage_settings() -> set[str]:
    text = USAGE.read_text()
    section = text.split("Build settings", 1)[1].split("Incremental builds", 1)[0]
    return set(re.findall(r"^  ([A-Z][A-Z0-9_]+)\s", section, flags=re.MULTILINE))


def _readme_settings() -> set[str]:
    text = README.read_text()
    section = text.split("## Build settings", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", section, flags=re.MULTILINE))


def test_every_build_setting_is_documented_in_usage_and_readme() -> None:
    usage, readme = _usage_settings(), _readme_settings()
    assert usage, "usage lists no settings"
    assert usage == readme
    assembled = (REPO / "builder" / "s2i" / "bin" / "assemble").read_text() + (
        REPO / "builder" / "s2i" / "bin" / "run"
    ).read_text()
    # Settings the scripts read themselves (pip reads its PIP_* and proxy variables on its own).
    for name in ("MODEL_NAME", "SERVICE_TYPE", "PERSISTENCE", "EXTRA_INDEX_URL", "PIP_CERT"):
        assert name in usage and name in assembled
