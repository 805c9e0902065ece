"""Git URLs as sources: a bare repository over file://, with --ref and --context-dir.

Checks: the build clones the repository, checks out the requested branch (whose
model differs from the default branch's), builds the --context-dir sub-folder,
records commit and context in the image labels, and the image serves that model.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from model_images import copy_example, git, image_inspect, remove_image, running_container, s2i_build, session_image

pytestmark = [pytest.mark.container, pytest.mark.slow, pytest.mark.timeout(600)]


def test_git_url_with_ref_and_context_dir(tmp_path: Path, builder_image: str) -> None:
    work = tmp_path / "work"
    (work / "models").mkdir(parents=True)
    git("init", "--quiet", "--initial-branch=main", cwd=work)
    iris = copy_example("model", work / "models")
    git("add", ".", cwd=work)
    git("commit", "--quiet", "-m", "Iris model", cwd=work)
    git("checkout", "--quiet", "-b", "release", cwd=work)
    model = iris / "MyModel.py"
    model.write_text(model.read_text().replace('"model": "softmax"', '"model": "softmax-release"'))
    git("commit", "--quiet", "-am", "Release model", cwd=work)
    release_commit = git("rev-parse", "HEAD", cwd=work)
    # The default branch moves on to a model that cannot build, so only --ref release can succeed.
    git("checkout", "--quiet", "main", cwd=work)
    model.write_text("class MyModel:\n    pass\n")
    git("commit", "--quiet", "-am", "Work in progress", cwd=work)
    bare = tmp_path / "models.git"
    git("clone", "--quiet", "--bare", str(work), str(bare), cwd=tmp_path)

    image = session_image("from-git")
    url = f"file://{bare}"
    try:
        result = s2i_build(url, builder_image, image, "--ref", "release", "--context-dir", "models/model", "--quiet")
        assert result.returncode == 0, result.stderr
        labels = image_inspect(image)["Labels"]
        assert isinstance(labels, dict)
        assert labels["io.openshift.s2i.build.source-location"] == url
        assert labels["io.openshift.s2i.build.commit.id"] == release_commit
        assert labels["io.openshift.s2i.build.commit.ref"] == "release"
        assert labels["io.openshift.s2i.build.source-context-dir"] == "models/model"
        with running_container(image) as container:
            answer = requests.post(
                container.url + "/api/v1.0/predictions", json={"data": {"ndarray": [[1, 2, 3, 4]]}}, timeout=10
            ).json()
        assert answer["meta"]["tags"]["model"] == "softmax-release"
    finally:
        remove_image(image)
