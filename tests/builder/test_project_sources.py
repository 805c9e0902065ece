"""Sources that are Python projects: a pyproject.toml instead of requirements.txt.

Checks: assemble installs the project (editable) with its declared dependencies,
the model imports the project's package, and an incremental rebuild after a change
inside that package builds on the previous image without pip and serves the new code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from model_images import remove_image, running_container, s2i_build, session_image, trusted_ca_args

pytestmark = [pytest.mark.container, pytest.mark.slow, pytest.mark.timeout(600)]

PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "iris-helpers"
version = "0.1.0"
dependencies = ["numpy"]

[tool.setuptools]
packages = ["iris_helpers"]
"""

MODEL = """\
from iris_helpers import scale


class MyModel:
    def predict(self, X, features_names=None, **kwargs):
        return scale(X)
"""


def write_project(folder: Path, factor: int) -> None:
    (folder / "iris_helpers").mkdir(parents=True, exist_ok=True)
    (folder / "iris_helpers" / "__init__.py").write_text(f"def scale(values):\n    return values * {factor}\n")
    (folder / "pyproject.toml").write_text(PYPROJECT)
    (folder / "MyModel.py").write_text(MODEL)
    (folder / ".s2i").mkdir(exist_ok=True)
    (folder / ".s2i" / "environment").write_text("MODEL_NAME=MyModel\nSERVICE_TYPE=MODEL\n")


def predict(image: str) -> list[list[float]]:
    with running_container(image) as container:
        answer = requests.post(
            container.url + "/api/v1.0/predictions", json={"data": {"ndarray": [[1.0, 2.0]]}}, timeout=10
        )
    assert answer.status_code == 200, answer.text
    values: list[list[float]] = answer.json()["data"]["ndarray"]
    return values


def test_pyproject_project_is_installed_and_rebuilt_incrementally(tmp_path: Path, builder_image: str) -> None:
    source = tmp_path / "project"
    write_project(source, factor=2)
    image = session_image("pyproject")
    try:
        # pip builds the project in an isolated environment, fetching setuptools from the index.
        first = s2i_build(str(source), builder_image, image, "--incremental", *trusted_ca_args())
        assert first.returncode == 0, first.stderr
        assert "Installing dependencies with pip install -e ." in first.stderr
        assert predict(image) == [[2.0, 4.0]]

        write_project(source, factor=3)
        second = s2i_build(str(source), builder_image, image, "--incremental", *trusted_ca_args())
        assert second.returncode == 0, second.stderr
        assert "(pip not run)" in second.stderr
        assert predict(image) == [[3.0, 6.0]]
    finally:
        remove_image(image)
