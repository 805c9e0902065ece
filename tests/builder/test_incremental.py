"""Incremental builds: a code-only change reuses the previous image's dependencies and skips pip.

Checks: `--incremental` with no previous image is a clean build; with only the code
changed it builds on the previous image (its dependency layer is shared), does not
run pip, serves the new code and keeps no deleted file; with a changed setting it
takes s2i's way (save-artifacts of the previous image, restored by assemble), again
without pip; a change to requirements.txt makes pip run again (no stale dependencies);
after ten builds stacked on earlier images the next one starts from the builder again.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import requests
from model_images import copy_example, image_inspect, remove_image, running_container, s2i_build, session_image

pytestmark = [pytest.mark.container, pytest.mark.slow, pytest.mark.timeout(900)]

PIP_RUNS = "Installing dependencies with pip install -r requirements.txt"
PIP_SKIPPED = "Dependencies unchanged since the previous image: reusing them (pip not run)"


def test_code_only_change_skips_pip_and_serves_the_new_code(tmp_path: Path, builder_image: str) -> None:
    source = copy_example("model", tmp_path)
    image = session_image("incremental")
    remove_image(image)
    try:
        (source / "notes.txt").write_text("scratch file, deleted before the next build")
        first = s2i_build(str(source), builder_image, image, "--incremental")
        assert first.returncode == 0, first.stderr
        assert "no previous image" in first.stderr
        assert PIP_RUNS in first.stderr
        first_layers = image_inspect(image)["RootFS"]

        model = source / "MyModel.py"
        model.write_text(model.read_text().replace('"model": "softmax"', '"model": "softmax-v2"'))
        (source / "notes.txt").unlink()
        second = s2i_build(str(source), builder_image, image, "--incremental")
        assert second.returncode == 0, second.stderr
        assert "has the same dependencies and settings; building on it" in second.stderr
        assert PIP_SKIPPED in second.stderr
        assert PIP_RUNS not in second.stderr
        assert "Requirement already satisfied" not in second.stderr
        # The new image shares every layer of the previous one, dependencies included.
        second_layers = image_inspect(image)["RootFS"]
        assert isinstance(first_layers, dict) and isinstance(second_layers, dict)
        assert second_layers["Layers"][: len(first_layers["Layers"])] == first_layers["Layers"]

        with running_container(image) as container:
            answer = requests.post(
                container.url + "/api/v1.0/predictions", json={"data": {"ndarray": [[1, 2, 3, 4]]}}, timeout=10
            ).json()
            listing = subprocess.run(["podman", "exec", container.id, "ls", "-A"], capture_output=True, text=True)
        assert answer["meta"]["tags"]["model"] == "softmax-v2"
        assert "MyModel.py" in listing.stdout.split()
        assert "notes.txt" not in listing.stdout.split()

        third = s2i_build(str(source), builder_image, image, "--incremental", "-e", "GUNICORN_WORKERS=2")
        assert third.returncode == 0, third.stderr
        assert f"reusing the artifacts of {image}" in third.stderr
        assert PIP_SKIPPED in third.stderr
        assert PIP_RUNS not in third.stderr

        (source / "requirements.txt").write_text("numpy\n# pinned by the data team\n")
        fourth = s2i_build(str(source), builder_image, image, "--incremental", "-e", "GUNICORN_WORKERS=2")
        assert fourth.returncode == 0, fourth.stderr
        assert PIP_RUNS in fourth.stderr
        assert PIP_SKIPPED not in fourth.stderr
    finally:
        remove_image(image)


def test_stacked_incremental_builds_start_from_the_builder_again_after_ten(tmp_path: Path, builder_image: str) -> None:
    source = copy_example("transformer", tmp_path)
    image = session_image("stacked")
    model = source / "MyTransformer.py"
    try:
        layer_counts = []
        for version in range(12):
            model.write_text(model.read_text() + f"\n# version {version}\n")
            result = s2i_build(str(source), builder_image, image, "--incremental", "--quiet")
            assert result.returncode == 0, result.stderr
            rootfs = image_inspect(image)["RootFS"]
            assert isinstance(rootfs, dict)
            layer_counts.append(len(rootfs["Layers"]))
        # One small layer more per build while stacking, then back to the builder plus one layer.
        first = layer_counts[0]
        assert layer_counts == [first + index for index in range(11)] + [first]
        assert "stacks 10 incremental builds; this one starts from the builder again" in result.stderr
    finally:
        remove_image(image)
