from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from microservice_process import EXAMPLES, Microservice, start

COMPONENTS = Path(__file__).parent / "components"


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("microservice-logs")


def _serve(name: str, folder: Path, log_dir: Path, *args: str, **env: str) -> Iterator[Microservice]:
    service = start(name, folder, log_dir, args, env)
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture(scope="module")
def model(log_dir: Path) -> Iterator[Microservice]:
    """The example MODEL (examples/model), as a unit of a deployment."""
    yield from _serve(
        "MyModel",
        EXAMPLES / "model",
        log_dir,
        "--service-type",
        "MODEL",
        PREDICTIVE_UNIT_ID="classifier",
        PREDICTIVE_UNIT_IMAGE="quay.io/acme/iris:1.2",
        SELDON_DEPLOYMENT_ID="iris",
        PREDICTOR_ID="default",
    )


@pytest.fixture(scope="module")
def echo(log_dir: Path) -> Iterator[Microservice]:
    yield from _serve("Echo", COMPONENTS, log_dir)


@pytest.fixture(scope="module")
def described(log_dir: Path) -> Iterator[Microservice]:
    yield from _serve("Described", COMPONENTS, log_dir)


@pytest.fixture(scope="module")
def faulty_model(log_dir: Path) -> Iterator[Microservice]:
    """Faulty (raises what the request's strData asks for) on the default settings."""
    yield from _serve("Faulty", COMPONENTS, log_dir)


@pytest.fixture(scope="module")
def raw_model(log_dir: Path) -> Iterator[Microservice]:
    yield from _serve("RawModel", COMPONENTS, log_dir)


@pytest.fixture(scope="module")
def passthrough(log_dir: Path) -> Iterator[Microservice]:
    """RawModel handed the request body's bytes (PAYLOAD_PASSTHROUGH)."""
    yield from _serve("RawModel", COMPONENTS, log_dir, PAYLOAD_PASSTHROUGH="true")
