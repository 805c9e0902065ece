"""`scripts/release-images` publishes for real: the builder pushed to a registry with its version tags.

A local registry (Debian's docker-registry, the CNCF distribution server, on a free 127.0.0.1 port
over plain HTTP) receives `scripts/release-images --image seldon-python`. Checks: the registry
then lists exactly the ImageStream's version tag and `latest` for seldon-python, both naming the same
manifest, whose image is the seldon-python builder (its s2i label and exactly its three ports). The controller
image is not built here: its Containerfile gives pip no way to trust this machine's TLS proxy.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from manifest_files import load
from microservice_process import free_port
from model_images import BASE_IMAGE_SCRIPT, REPO, remove_image, trusted_ca_args

pytestmark = [pytest.mark.container, pytest.mark.slow, pytest.mark.timeout(1200)]

MANIFEST_TYPES = ", ".join((
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
))


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[str]:
    server = shutil.which("docker-registry")
    assert server, "docker-registry is not installed (scripts/setup-dev installs it)"
    address = f"127.0.0.1:{free_port()}"
    config = tmp_path / "registry.yml"
    config.write_text(f"version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {tmp_path / 'data'}\n"
                      f"http:\n  addr: {address}\n")
    process = subprocess.Popen([server, "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                if requests.get(f"http://{address}/v2/", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            time.sleep(0.1)
        yield address
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_builder_is_pushed_with_its_version_tags(registry: str) -> None:
    base = subprocess.run([str(BASE_IMAGE_SCRIPT)], capture_output=True, text=True, check=True).stdout.split()[-1]
    target = f"{registry}/release-test"
    stream = load(REPO / "imagestreams" / "seldon-python.yaml")
    expected = {tag["name"] for tag in stream["spec"]["tags"]}
    try:
        result = subprocess.run(
            [str(REPO / "scripts" / "release-images"), "--tls-verify=false", "--image", "seldon-python",
             "--base", base, *trusted_ca_args(), target],
            capture_output=True, text=True, timeout=1100, check=False, cwd=REPO,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        tags = requests.get(f"http://{registry}/v2/release-test/seldon-python/tags/list", timeout=10).json()["tags"]
        assert set(tags) == expected
        digests = {
            requests.head(f"http://{registry}/v2/release-test/seldon-python/manifests/{tag}",
                          headers={"Accept": MANIFEST_TYPES}, timeout=10).headers["Docker-Content-Digest"]
            for tag in tags
        }
        assert len(digests) == 1, "latest and the version tag name different images"
        manifest = requests.get(f"http://{registry}/v2/release-test/seldon-python/manifests/latest",
                                headers={"Accept": MANIFEST_TYPES}, timeout=10).json()
        config = requests.get(f"http://{registry}/v2/release-test/seldon-python/blobs/{manifest['config']['digest']}",
                              timeout=30).json()
        assert config["config"]["Labels"]["io.openshift.s2i.scripts-url"] == "image:///usr/libexec/s2i"
        assert set(config["config"]["ExposedPorts"]) == {"9000/tcp", "5000/tcp", "6000/tcp"}
    finally:
        for tag in expected:
            remove_image(f"{target}/seldon-python:{tag}")
