"""The builder on a base shaped like its shipped default, Red Hat UBI 9's Python image.

No registry is reachable here, so the local Debian base is given UBI Python's
shape: python3 is itself a virtualenv at /opt/app-root that every bash shell
activates (BASH_ENV, ENV, PROMPT_COMMAND), HOME is /opt/app-root/src, the image
runs as USER 1001, and the system CA bundle sits at the RHEL trust-store path.
Checks: the builder builds on it, keeps the base's virtualenv out of its layer,
and an example model built with it serves predictions as a random UID.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import requests
from model_images import (
    BASE_IMAGE_SCRIPT,
    BUILD_IMAGE_SCRIPT,
    EXAMPLES,
    image_inspect,
    remove_image,
    running_container,
    s2i_build,
    session_image,
    trusted_ca_args,
)

pytestmark = [pytest.mark.container, pytest.mark.slow, pytest.mark.timeout(900)]

UBI_SHAPE = """\
FROM {base}
RUN python3 -m venv /opt/app-root && mkdir -p /opt/app-root/src /etc/pki/ca-trust/extracted/pem \\
 && cp /etc/ssl/certs/ca-certificates.crt /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem \\
 && chown -R 1001:0 /opt/app-root && chmod -R g=u /opt/app-root
ENV HOME=/opt/app-root/src \\
    PATH=/opt/app-root/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    BASH_ENV=/opt/app-root/bin/activate \\
    ENV=/opt/app-root/bin/activate \\
    PROMPT_COMMAND=". /opt/app-root/bin/activate"
WORKDIR /opt/app-root/src
USER 1001
"""


def image_size(image: str) -> int:
    size = image_inspect(image)["Size"]
    assert isinstance(size, int)
    return size


def test_builder_on_a_ubi_shaped_base_builds_and_serves(tmp_path: Path, builder_image: str) -> None:
    base = subprocess.run([str(BASE_IMAGE_SCRIPT)], capture_output=True, text=True, check=True).stdout.split()[-1]
    ubi_like, builder, model = session_image("ubi-like-base"), session_image("ubi-like-builder"), session_image("ubi-model")
    (tmp_path / "Containerfile").write_text(UBI_SHAPE.format(base=base))
    try:
        shaped = subprocess.run(
            ["buildah", "build", "--layers=false", "-f", str(tmp_path / "Containerfile"), "-t", ubi_like, str(tmp_path)],
            capture_output=True, text=True, timeout=300, check=False,
        )
        assert shaped.returncode == 0, shaped.stderr[-3000:]
        built = subprocess.run(
            [str(BUILD_IMAGE_SCRIPT), "--base", ubi_like, "--tag", builder, *trusted_ca_args()],
            capture_output=True, text=True, timeout=600, check=False,
        )
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        # The base's own virtualenv stays in the base's layer (only our folders are chowned), so the
        # builder adds about as much to this base as to the plain one.
        added_here = image_size(builder) - image_size(ubi_like)
        added_to_plain_base = image_size(builder_image) - image_size(base)
        assert abs(added_here - added_to_plain_base) < 5_000_000

        result = s2i_build(str(EXAMPLES / "model"), builder, model, "--quiet", *trusted_ca_args())
        assert result.returncode == 0, result.stderr
        with running_container(model) as container:
            answer = requests.post(
                container.url + "/api/v1.0/predictions", json={"data": {"ndarray": [[1, 2, 3, 4]]}}, timeout=10
            )
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"]["names"] == ["setosa", "versicolor", "virginica"]
    finally:
        for image in (model, builder, ubi_like):
            remove_image(image)
