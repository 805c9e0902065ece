"""Fixtures shared by the whole test tree."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from model_images import ensure_builder, remove_image

# kube_emulator_session, kube_emulator (reset per test, KUBECONFIG set) and kube_api_client.
pytest_plugins = ["kube_emulator.pytest_plugin"]


@pytest.fixture(scope="session")
def builder_image() -> Iterator[str]:
    """The seldon-python builder, built once per test session (tests/builder and tests/e2e share it).

    The base image comes from scripts/base-image (cached on the machine), the builder from builder/build-image
    on it. Missing tools fail the tests; they are never skipped, because CI must run them.
    """
    image = ensure_builder()
    yield image
    remove_image(image)
