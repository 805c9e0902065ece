"""Incremental builds: a code-only change reuses the previous image's dependencies and skips pip.

Checks: after a clean build, `--incremental` with only MyModel.py changed runs the
previous image's save-artifacts, restores its virtualenv and does not run pip,
and the new image serves the new code; a change to requirements.txt makes pip run
again (no stale dependencies); `--incremental` with no previous image is a clean build.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from model_images import copy_example, remove_image, running_container, s2i_build

pytestmark = [pytest.mark.container, pytest.mark.slow, pytest.mark.timeout(900)]

PIP_RUNS = "Installing dependencies with pip install -r requirements.txt"
PIP_SKIPPED = "Dependencies unchanged since the previous image: reusing them (pip not run)"


def test_code_only_change_skips_pip_and_serves_the_new_code(tmp_path: Path, builder_image: str) -> None:
    source = copy_example("model", tmp_path)
    image = "localhost/seldon-s2i-test/incremental:latest"
    remove_image(image)
    try:
        first = s2i_build(str(source), builder_image, image, "--incremental")
        assert first.returncode == 0, first.stderr
        assert "no previous image" in first.stderr
        assert PIP_RUNS in first.stderr

        model = source / "MyModel.py"
        model.write_text(model.read_text().replace('"model": "softmax"', '"model": "softmax-v2"'))
        second = s2i_build(str(source), builder_image, image, "--incremental")
        assert second.returncode == 0, second.stderr
        assert f"reusing the artifacts of {image}" in second.stderr
        assert PIP_SKIPPED in second.stderr
        assert PIP_RUNS not in second.stderr
        assert "Requirement already satisfied" not in second.stderr

        with running_container(image) as container:
            answer = requests.post(
                container.url + "/api/v1.0/predictions", json={"data": {"ndarray": [[1, 2, 3, 4]]}}, timeout=10
            ).json()
        assert answer["meta"]["tags"]["model"] == "softmax-v2"

        (source / "requirements.txt").write_text("numpy\n# pinned by the data team\n")
        third = s2i_build(str(source), builder_image, image, "--incremental")
        assert third.returncode == 0, third.stderr
        assert PIP_RUNS in third.stderr
        assert PIP_SKIPPED not in third.stderr
    finally:
        remove_image(image)
