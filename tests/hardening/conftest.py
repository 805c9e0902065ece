from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the request generator beside the tests

from microservice_process import Microservice, running

WRAPPER_COMPONENTS = Path(__file__).parents[1] / "wrapper" / "components"


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hardening-logs")


@pytest.fixture(scope="module")
def echo(log_dir: Path) -> Iterator[Microservice]:
    """The Echo component on its defaults (modules needing other settings define their own)."""
    with running("Echo", WRAPPER_COMPONENTS, log_dir) as service:
        yield service
