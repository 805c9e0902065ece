"""Sources that cannot work fail the build, fast and with a message that says why.

Checks: a broken requirements.txt, a missing MODEL_NAME and a class with none
of Seldon's methods each end `seldon-s2i build` with exit status 2 and one last line naming
the failing step and the cause; the failing step's output is shown; no image is
left behind; a missing MODEL_NAME fails before pip runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from model_images import copy_example, image_exists, remove_image, s2i_build, session_image

pytestmark = [pytest.mark.container, pytest.mark.slow, pytest.mark.timeout(600)]


def test_broken_requirements_fail_with_pips_reason(tmp_path: Path, builder_image: str) -> None:
    source = copy_example("model", tmp_path)
    (source / "requirements.txt").write_text("numpy\nscikit-learn>=>1.0\n")
    image = session_image("broken-requirements")
    result = s2i_build(str(source), builder_image, image, "--quiet")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.error_line.startswith("seldon-s2i build: error: the build failed at step ")
    assert "(RUN /usr/libexec/s2i/assemble)" in result.error_line
    assert "pip could not install the dependencies from -r requirements.txt: ERROR: Invalid requirement" in result.error_line
    # --quiet still shows the whole output of the step that failed.
    assert "--- output of the failing step" in result.stderr
    assert "scikit-learn>=>1.0" in result.stderr
    assert not image_exists(image)


def test_missing_model_name_fails_before_installing_anything(tmp_path: Path, builder_image: str) -> None:
    source = copy_example("model", tmp_path)
    (source / ".s2i" / "environment").write_text("SERVICE_TYPE=MODEL\nPERSISTENCE=0\n")
    image = session_image("no-model-name")
    result = s2i_build(str(source), builder_image, image)
    assert result.returncode == 2
    assert "MODEL_NAME is not set: add MODEL_NAME=<Class or module.Class> to .s2i/environment" in result.error_line
    assert "Installing dependencies" not in result.stderr
    assert not image_exists(image)


def test_class_without_predict_fails_the_contract_check_at_build_time(tmp_path: Path, builder_image: str) -> None:
    source = copy_example("model", tmp_path)
    (source / "MyModel.py").write_text(
        "class MyModel:\n"
        "    def load(self):\n"
        "        raise RuntimeError('the contract check must not call load()')\n"
    )
    image = session_image("no-predict")
    result = s2i_build(str(source), builder_image, image, "--quiet")
    assert result.returncode == 2
    assert "MyModel cannot serve as MODEL" in result.error_line
    assert "predict" in result.error_line
    assert "must not call load()" not in result.stderr
    assert not image_exists(image)


def test_service_type_the_class_lacks_builds_with_a_warning(tmp_path: Path, builder_image: str) -> None:
    # As in Seldon, the container's service type does not decide what a graph calls: warn, do not refuse.
    source = copy_example("model", tmp_path)
    image = session_image("model-as-router")
    try:
        result = s2i_build(str(source), builder_image, image, "-e", "SERVICE_TYPE=ROUTER")
        assert result.returncode == 0, result.stderr
        assert "warning: class MyModel is declared ROUTER but has no route(" in result.stdout + result.stderr
        assert image_exists(image)
    finally:
        remove_image(image)
