"""What a model's requirements may install beside the server.

Checks: a component written for Seldon Core 1.x with ``seldon-core`` in its
requirements.txt builds without installing it (the runtime provides the
``seldon_core`` imports) and serves; a requirement the server cannot run with
(protobuf below 5.29) fails the build with pip's conflict, not at run time.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests
from model_images import image_exists, remove_image, running_container, s2i_build, session_image, trusted_ca_args

pytestmark = [pytest.mark.container, pytest.mark.slow, pytest.mark.timeout(900)]

LEGACY = Path(__file__).parents[1] / "wrapper" / "components" / "LegacySeldon.py"


def legacy_source(folder: Path, requirements: str) -> Path:
    folder.mkdir(parents=True)
    shutil.copy(LEGACY, folder / "LegacySeldon.py")
    (folder / "requirements.txt").write_text(requirements)
    (folder / ".s2i").mkdir()
    (folder / ".s2i" / "environment").write_text("MODEL_NAME=LegacySeldon\nSERVICE_TYPE=MODEL\nPERSISTENCE=0\n")
    return folder


def test_seldon_core_requirement_is_provided_not_installed(tmp_path: Path, builder_image: str) -> None:
    source = legacy_source(tmp_path / "legacy", "seldon-core==1.18.2\nnumpy\n")
    image = session_image("legacy-seldon")
    result = s2i_build(str(source), builder_image, image, *trusted_ca_args())
    try:
        assert result.returncode == 0, result.stderr[-3000:]
        assert "Not installing seldon-core==1.18.2" in result.stderr
        assert "Collecting seldon-core" not in result.stderr
        with running_container(image) as container:
            answer = requests.post(container.url + "/predict", json={"data": {"ndarray": [[0.2, 0.7]]}}, timeout=10)
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"]["ndarray"] == [[0, 1]]
    finally:
        remove_image(image)


def test_a_requirement_the_server_cannot_run_with_fails_the_build(tmp_path: Path, builder_image: str) -> None:
    source = legacy_source(tmp_path / "old-protobuf", "numpy\nprotobuf==4.25.3\n")
    image = session_image("old-protobuf")
    result = s2i_build(str(source), builder_image, image, "--quiet", *trusted_ca_args())
    assert result.returncode == 2
    assert "pip could not install the dependencies" in result.error_line
    assert "protobuf==4.25.3" in result.error_line
    assert "protobuf>=5.29" in result.stderr  # pip names the runtime's constraint in the conflict
    assert not image_exists(image)
