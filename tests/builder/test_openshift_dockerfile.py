"""The builder under the exact Dockerfile OpenShift 4 writes for a Source build, incremental included.

OpenShift's builder runs s2i in Dockerfile mode (openshift/source-to-image,
pkg/build/strategies/dockerfile) and builds the result with buildah. The clean build
below has s2i 1.6.3's shape with a BuildConfig source secret (a pip.conf injected
into $HOME after the sources, removed by `RUN rm` after assemble); the incremental
one the shape of older s2i releases: `COPY` then `RUN chown -R`, the artifacts tar
copied into a layer and unpacked by a separate `RUN`, and a shell-form `CMD`. So
this test shows the builder works in a BuildConfig: the build passes with the secret
in place (assemble leaves it for `RUN rm`), an incremental rebuild restores the
dependencies from save-artifacts without pip, and the image serves its model.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import requests
from model_images import EXAMPLES, remove_image, running_container, session_image

pytestmark = [pytest.mark.container, pytest.mark.slow, pytest.mark.timeout(600)]

CLEAN = """\
FROM {builder}
LABEL "io.openshift.s2i.build.image"="{builder}"
ENV MODEL_NAME="MyModel" \\
    SERVICE_TYPE="MODEL" \\
    PERSISTENCE="0"
COPY --chown=1001:0 upload/src /tmp/src
COPY --chown=1001:0 upload/injections/pip-secret /opt/app-root/src/.pip-secret
USER 1001
RUN /usr/libexec/s2i/assemble
RUN rm /opt/app-root/src/.pip-secret/pip.conf
CMD /usr/libexec/s2i/run
"""

INCREMENTAL = """\
FROM {previous} as cached
# Save-artifacts script sourced from builder image based on user input or image metadata.
USER 1001
RUN if [ -s /usr/libexec/s2i/save-artifacts ]; then /usr/libexec/s2i/save-artifacts > /tmp/artifacts.tar; \
else touch /tmp/artifacts.tar; fi
FROM {builder}
LABEL "io.openshift.s2i.build.image"="{builder}"
ENV MODEL_NAME="MyModel" \\
    SERVICE_TYPE="MODEL" \\
    PERSISTENCE="0"
USER root
COPY --from=cached /tmp/artifacts.tar /tmp/artifacts.tar
# Copying in source code
COPY upload/src /tmp/src
# Change file ownership to the assemble user. Builder image must support chown command.
RUN chown -R 1001:0 /tmp/artifacts.tar /tmp/src
USER 1001
# Extract artifact content
RUN if [ -s /tmp/artifacts.tar ]; then mkdir -p /tmp/artifacts; tar -xf /tmp/artifacts.tar -C /tmp/artifacts; fi && \\
    rm /tmp/artifacts.tar
RUN /usr/libexec/s2i/assemble
CMD /usr/libexec/s2i/run
"""


def buildah_build(context: Path, dockerfile: str, image: str) -> str:
    (context / "Dockerfile").write_text(dockerfile)
    # With layers, as OpenShift's builder commits them.
    result = subprocess.run(
        ["buildah", "build", "--layers", "-f", str(context / "Dockerfile"), "-t", image, str(context)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def tags_of(image: str) -> dict[str, str]:
    with running_container(image) as container:
        answer = requests.post(
            container.url + "/api/v1.0/predictions", json={"data": {"ndarray": [[1, 2, 3, 4]]}}, timeout=10
        )
    assert answer.status_code == 200, answer.text
    tags: dict[str, str] = answer.json()["meta"]["tags"]
    return tags


def test_openshift_source_build_and_incremental_rebuild(tmp_path: Path, builder_image: str) -> None:
    context = tmp_path / "context"
    sources = context / "upload" / "src"
    shutil.copytree(EXAMPLES / "model", sources)
    (context / "upload" / "injections" / "pip-secret").mkdir(parents=True)
    (context / "upload" / "injections" / "pip-secret" / "pip.conf").write_text("[global]\ntimeout = 60\n")
    image = session_image("openshift-dockerfile")
    try:
        first = buildah_build(context, CLEAN.format(builder=builder_image), image)
        assert "Installing dependencies with pip" in first
        assert tags_of(image)["model"] == "softmax"

        model = sources / "MyModel.py"
        model.write_text(model.read_text().replace('"model": "softmax"', '"model": "softmax-v2"'))
        second = buildah_build(context, INCREMENTAL.format(builder=builder_image, previous=image), image)
        assert "Dependencies unchanged since the previous image: reusing them (pip not run)" in second
        assert "Installing dependencies with pip" not in second
        assert tags_of(image)["model"] == "softmax-v2"
    finally:
        remove_image(image)
