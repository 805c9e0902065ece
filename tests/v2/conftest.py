"""Real seldon-microservice processes serving the V2 test components, and Triton clients for them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from microservice_process import Microservice, running

COMPONENTS = Path(__file__).parent / "components"

Serve = Callable[..., AbstractContextManager[Microservice]]


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("v2-logs")


@pytest.fixture(scope="session")
def serve(log_dir: Path) -> Serve:
    """``serve("Class", "--flag", ..., ENV="value")``: a context manager running the class from components/."""

    def start(name: str, *args: str, **env: str) -> AbstractContextManager[Microservice]:
        return running(name, COMPONENTS, log_dir, args, env)

    return start


@pytest.fixture(scope="module")
def identity(serve: Serve) -> Iterator[Microservice]:
    with serve("V2Identity") as service:
        yield service


@pytest.fixture(scope="module")
def scorer(serve: Serve) -> Iterator[Microservice]:
    with serve("Scorer", PREDICTIVE_UNIT_ID="scorer") as service:
        yield service
