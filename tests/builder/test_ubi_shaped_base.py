"""The builder on a base shaped like its shipped default, Red Hat UBI 9's Python image.

No registry is reachable here, so the local Debian base is given UBI Python's
shape: python3 is itself a virtualenv at /opt/app-root that every bash shell
activates (BASH_ENV, ENV, PROMPT_COMMAND), HOME is /opt/app-root/src, the image
runs as USER 1001, the system CA bundle sits at the RHEL trust-store path, and it
declares UBI's EXPOSE 8080 and its identity labels.
Checks: the builder builds on it, keeps the base's virtualenv out of its layer,
exposes exactly 9000/5000/6000 and carries none of the base's labels (nor does a
model built with it); a model built with an injected pip.conf (a build secret,
read by pip through PIP_CONFIG_FILE) and a ConfigMap (a wheelhouse only that
pip.conf points at) installs from both, the secret is gone from the image and
the ConfigMap kept; the model serves predictions as a random UID.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import zipfile
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
EXPOSE 8080
LABEL {labels}
USER 1001
"""
# Identity labels as UBI's Python image sets them; a builder must not pass them on as its own.
BASE_LABELS = {
    "name": "ubi9/python-311",
    "summary": "Platform for building and running Python 3.11 applications",
    "description": "Python 3.11 available as container is a base platform for building and running Python 3.11 apps.",
    "usage": "s2i build https://github.com/sclorg/s2i-python-container.git ubi9/python-311 python-sample-app",
    "com.redhat.component": "python-311-container",
    "version": "1",
    "io.k8s.display-name": "Python 3.11",
    "io.k8s.description": "Python 3.11 available as container is a base platform.",
    "io.openshift.expose-services": "8080:http",
    "io.openshift.tags": "builder,python,python311,python-311,rh-python311",
}
SECRET_PIP_CONF = "/opt/app-root/src/.pip-secret/pip.conf"


def write_wheel(folder: Path, name: str, version: str, module_text: str) -> None:
    """A minimal pure-Python wheel that exists nowhere but in ``folder``."""
    package, dist_info = name.replace("-", "_"), f"{name.replace('-', '_')}-{version}.dist-info"
    files = {
        f"{package}/__init__.py": module_text,
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: seldon-s2i-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [
        f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b'=').decode()},"
        f"{len(text.encode())}"
        for path, text in files.items()
    ]
    files[f"{dist_info}/RECORD"] = "\n".join([*record, f"{dist_info}/RECORD,,"]) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(folder / f"{package}-{version}-py3-none-any.whl", "w") as wheel:
        for path, text in files.items():
            wheel.writestr(path, text)


def run_in(image: str, script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", "run", "--rm", "--user", "12345:0", "--entrypoint", "/bin/sh", image, "-c", script],
        capture_output=True, text=True, timeout=120, check=False,
    )


def assert_serves_only_seldon_ports_and_labels(image: str) -> None:
    config = image_inspect(image)
    assert set(config["Config"]["ExposedPorts"]) == {"9000/tcp", "5000/tcp", "6000/tcp"}  # type: ignore[index]
    labels = config["Labels"]
    assert isinstance(labels, dict)
    leaked = {key: value for key, value in BASE_LABELS.items() if labels.get(key) == value}
    assert not leaked, f"labels of the base image: {leaked}"


def image_size(image: str) -> int:
    size = image_inspect(image)["Size"]
    assert isinstance(size, int)
    return size


def test_builder_on_a_ubi_shaped_base_builds_and_serves(tmp_path: Path, builder_image: str) -> None:
    base = subprocess.run([str(BASE_IMAGE_SCRIPT)], capture_output=True, text=True, check=True).stdout.split()[-1]
    ubi_like, builder, model = session_image("ubi-like-base"), session_image("ubi-like-builder"), session_image("ubi-model")
    labels = " ".join(f"{key}={json.dumps(value)}" for key, value in BASE_LABELS.items())
    (tmp_path / "Containerfile").write_text(UBI_SHAPE.format(base=base, labels=labels))
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

        assert_serves_only_seldon_ports_and_labels(builder)

        source = tmp_path / "model"
        shutil.copytree(EXAMPLES / "model", source)
        with (source / "requirements.txt").open("a") as requirements:
            requirements.write("injected-dep==1.0\n")
        secret, config_map = tmp_path / "pip-secret", tmp_path / "wheelhouse"
        secret.mkdir()
        (secret / "pip.conf").write_text("[global]\nfind-links = /opt/app-root/src/wheelhouse\n")
        write_wheel(config_map, "injected-dep", "1.0", 'VALUE = "from the ConfigMap"\n')
        result = s2i_build(
            str(source), builder, model, "--quiet", *trusted_ca_args(),
            "-i", f"{secret}:.pip-secret", "--config-map", f"{config_map}:wheelhouse",
            "-e", f"PIP_CONFIG_FILE={SECRET_PIP_CONF}",
        )
        assert result.returncode == 0, result.stderr
        assert_serves_only_seldon_ports_and_labels(model)
        inside = run_in(
            model,
            f"test ! -e {SECRET_PIP_CONF} && ls /opt/app-root/src/wheelhouse"
            " && python -c 'import injected_dep; print(injected_dep.VALUE)'",
        )
        assert inside.returncode == 0, inside.stdout + inside.stderr
        assert inside.stdout.split() == ["injected_dep-1.0-py3-none-any.whl", "from", "the", "ConfigMap"]
        with running_container(model) as container:
            answer = requests.post(
                container.url + "/api/v1.0/predictions", json={"data": {"ndarray": [[1, 2, 3, 4]]}}, timeout=10
            )
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"]["names"] == ["setosa", "versicolor", "virginica"]
    finally:
        for image in (model, builder, ubi_like):
            remove_image(image)
