"""Fixtures of the differential suite: each server pair starts once per session."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The suite's helper modules (servers, wire, deliberate) sit beside the tests.
sys.path.insert(0, str(Path(__file__).parent))
pytest.register_assert_rewrite("deliberate", "deliberate_checks")

from servers import Pair, serving_pair  # noqa: E402


@pytest.fixture(scope="session")
def diff_log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("differential-logs")


@pytest.fixture(scope="session")
def everything(diff_log_dir: Path) -> Iterator[Pair]:
    """The class with every method, served by Seldon Core 1.18.2 and by us."""
    with serving_pair("Everything", diff_log_dir) as pair:
        yield pair


@pytest.fixture(scope="session")
def plain(diff_log_dir: Path) -> Iterator[Pair]:
    """An identity model with nothing else: empty meta, and every other method falls back."""
    with serving_pair("Plain", diff_log_dir) as pair:
        yield pair


@pytest.fixture(scope="session")
def behaviours(diff_log_dir: Path) -> Iterator[Pair]:
    """A Seldon-style component (seldon_core imports) whose behaviour a jsonData request picks."""
    with serving_pair("Behaviours", diff_log_dir) as pair:
        yield pair
