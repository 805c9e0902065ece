"""Fixtures for the builder tests: the seldon-python builder, built once per test session.

The base image comes from scripts/base-image (cached on the machine), the
builder from builder/build-image on it. Missing tools fail the tests; they are
never skipped, because CI must run them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from model_images import ensure_builder, remove_image


@pytest.fixture(scope="session")
def builder_image() -> Iterator[str]:
    image = ensure_builder()
    yield image
    remove_image(image)
