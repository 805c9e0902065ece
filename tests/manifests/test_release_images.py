"""`scripts/release-images REGISTRY`: what it would publish, and its refusals.

Checks: the plan (--dry-run) names every image the ImageStreams declare, with each
version tag of the ImageStream and `latest`, built from the same Containerfile the
in-cluster BuildConfig in builds/ builds; without a reachable registry it stops with a
message naming the registry before building anything; without a REGISTRY it prints
its usage and exits 2; --image limits the release to named images (tests/builder pushes the builder to a
local registry for real).
"""

from __future__ import annotations

import re
import subprocess

from manifest_files import BUILD_FILES, IMAGESTREAM_FILES, REPOSITORY_ROOT, load
from microservice_process import free_port

SCRIPT = REPOSITORY_ROOT / "scripts" / "release-images"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=60, check=False,
                          cwd=REPOSITORY_ROOT)


def test_the_plan_publishes_every_imagestream_tag_from_the_in_cluster_build_containerfile() -> None:
    result = run("--dry-run", "registry.example.com/ml")
    assert result.returncode == 0, result.stderr
    planned = {
        match["name"]: (match["containerfile"], match["tags"].split())
        for match in re.finditer(r"registry\.example\.com/ml/(?P<name>\S+): (?P<containerfile>\S+) \(tags: (?P<tags>[^)]*)\)",
                                 result.stdout)
    }
    dockerfiles = {load(path)["spec"]["output"]["to"]["name"].split(":")[0]:
                   load(path)["spec"]["strategy"]["dockerStrategy"]["dockerfilePath"] for path in BUILD_FILES}
    assert set(planned) == {load(path)["metadata"]["name"] for path in IMAGESTREAM_FILES}
    for path in IMAGESTREAM_FILES:
        stream = load(path)
        name = stream["metadata"]["name"]
        containerfile, tags = planned[name]
        assert containerfile == dockerfiles[name]
        assert sorted(tags) == sorted(tag["name"] for tag in stream["spec"]["tags"])


def test_an_unreachable_registry_stops_it_before_anything_is_built() -> None:
    registry = f"127.0.0.1:{free_port()}/release-test"
    result = run("--tls-verify=false", registry)
    assert result.returncode == 1
    assert f"no registry answers at http://{registry.split('/')[0]}/v2/; nothing was built or pushed" in result.stderr
    assert "---> " not in result.stderr  # no build step started
    listed = subprocess.run(["podman", "images", "--format", "{{.Repository}}"], capture_output=True, text=True,
                            check=False).stdout
    assert "release-test" not in listed


def test_without_a_registry_it_prints_its_usage() -> None:
    result = run()
    assert result.returncode == 2
    assert "give the REGISTRY to push to" in result.stderr and "--dry-run" in result.stderr


def test_image_limits_the_release_to_named_images_of_the_pack() -> None:
    only_builder = run("--dry-run", "--image", "seldon-python", "registry.example.com/ml")
    assert only_builder.returncode == 0, only_builder.stderr
    assert "registry.example.com/ml/seldon-python:" in only_builder.stdout
    assert "seldon-controller" not in only_builder.stdout
    unknown = run("--dry-run", "--image", "seldon-nothing", "registry.example.com/ml")
    assert unknown.returncode == 2
    assert "--image seldon-nothing: not an image of the pack" in unknown.stderr
