"""Fixtures of the component tests: log folder and reference data."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

# The helper module component_serving sits beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

from component_serving import gaussian_rows


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("component-logs")


@pytest.fixture(scope="session")
def reference_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 reference rows of the Gaussian above, as ``.npy``."""
    path = tmp_path_factory.mktemp("reference") / "reference.npy"
    np.save(path, gaussian_rows(np.random.default_rng(7), 2000))
    return path
