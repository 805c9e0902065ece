"""Fixtures of the orchestrator tests: the graph-node processes (tests/support/engine_graphs.py), once a session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from engine_graphs import UNIT_PARAMETERS, Graph, start_unit
from microservice_process import Microservice


@pytest.fixture(scope="session")
def units(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Microservice]]:
    log_dir = tmp_path_factory.mktemp("units")
    started: dict[str, Microservice] = {}
    try:
        for name, values in UNIT_PARAMETERS.items():
            started[name] = start_unit(name, log_dir, values)
        yield started
    finally:
        for service in started.values():
            service.stop()


@pytest.fixture(scope="session")
def graph(units: dict[str, Microservice]) -> Graph:
    return Graph(units)
