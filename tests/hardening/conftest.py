from __future__ import annotations

from pathlib import Path

import pytest

COMPONENTS = Path(__file__).parent / "components"


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hardening-logs")
